"""llmroute: simulate LLM routing policies offline, from your own logs."""

from llmroute_cli.engine.router import Decision, Router
from llmroute_cli.errors import ConfigError, LlmrouteError

__all__ = ["ConfigError", "Decision", "LlmrouteError", "Router"]
__version__ = "0.1.0"
