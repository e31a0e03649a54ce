"""Model names as logs and rule files spell them: provider prefixes and dated suffixes stripped."""

from __future__ import annotations

import re

_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest|v\d+(?::\d+)?)$")


def base_model(name: str) -> str:
    """Strip a provider prefix and a dated or ``-latest`` suffix: ``openai/gpt-4o-2024-08-06`` → ``gpt-4o``."""
    name = name.strip().rsplit("/", 1)[-1]
    while True:
        stripped = _DATE_SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped
