"""llmroute: simulate LLM routing policies offline, from your own logs."""

from .errors import ConfigError, LlmrouteError
from .router import Decision, Router

__all__ = ["ConfigError", "Decision", "LlmrouteError", "Router"]
__version__ = "0.1.0"
