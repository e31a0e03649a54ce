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


# Who serves a model under its own name, by how its name begins (LiteLLM's ``litellm_provider`` names).
_OWNERS = (
    (re.compile(r"^(?:ft:)?(?:gpt-|o\d|chatgpt-|text-embedding-|davinci|babbage|computer-use)"), "openai"),
    (re.compile(r"^claude-"), "anthropic"),
    (re.compile(r"^gemini-"), "gemini"),
    (re.compile(r"^(?:mistral-|codestral-|ministral-|open-mistral|pixtral-|magistral-|devstral-)"), "mistral"),
    (re.compile(r"^command"), "cohere"),
    (re.compile(r"^deepseek-"), "deepseek"),
    (re.compile(r"^grok-"), "xai"),
)


def own_provider(name: str) -> str | None:
    """The provider whose own API serves ``name`` (``gpt-4o`` → openai, ``claude-3-5-haiku`` → anthropic), if known."""
    bare = base_model(name).lower()
    return next((provider for pattern, provider in _OWNERS if pattern.match(bare)), None)


def name_provider(name: str) -> str | None:
    """The provider a name spells out in front (``azure/eu/gpt-4o`` → azure), None for a bare name."""
    head, slash, _ = name.strip().partition("/")
    return head.lower() if slash else None
