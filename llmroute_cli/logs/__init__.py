"""The log-reading layer: files of logged LLM requests in many shapes → chunks of one request per row."""

from __future__ import annotations

from llmroute_cli.logs.model import COLUMNS, ReadOptions, ReadStats
from llmroute_cli.logs.reader import read_logs

__all__ = ["COLUMNS", "ReadOptions", "ReadStats", "read_logs"]
