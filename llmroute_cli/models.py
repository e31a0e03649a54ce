"""Model names as logs and rule files spell them: provider prefixes and dated suffixes stripped, fine-tunes' bases."""

from __future__ import annotations

import re

FINE_TUNE = "ft:"
_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest|v\d+(?::\d+)?)$")


def base_model(name: str) -> str:
    """Strip a provider prefix and a dated or ``-latest`` suffix: ``openai/gpt-4o-2024-08-06`` → ``gpt-4o``."""
    name = name.strip().rsplit("/", 1)[-1]
    while True:
        stripped = _DATE_SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped


def fine_tune_base(name: str) -> str | None:
    """The model an OpenAI fine-tune was trained from, None for another model:
    ``ft:gpt-4o-mini-2024-07-18:org::abc`` → ``gpt-4o-mini-2024-07-18``."""
    name = name.strip().rsplit("/", 1)[-1]
    if not name.startswith(FINE_TUNE):
        return None
    return name.removeprefix(FINE_TUNE).split(":", 1)[0] or None
