"""The top-level fields a read needs: every one a shape detects or extracts, and the paths the user named.

A Parquet file is read by these columns only (a wide table's other columns are never decoded, on
this machine or on a worker). A field left out here would change a run, so
``tests/test_parquet_columns.py`` holds this list against the keys the extractors look up.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmroute_cli.logs.model import ReadOptions
from llmroute_cli.logs.shapes import LITELLM_COLUMNS
from llmroute_cli.logs.values import LABEL_KEYS
from llmroute_cli.logs.vendors import SIGNS

_SHAPE_FIELDS = (
    # the simple and chat shapes, the Responses and Anthropic APIs, flat usage columns
    "query", "context", "messages", "system", "input", "instructions", "output", "object", "request", "response",
    "id", "custom_id", "request_id", "model", "metadata", "usage", "timestamp", "created", "created_at",
    "latency_ms", "tools", "functions", "input_tokens", "output_tokens", "prompt_tokens", "completion_tokens",
    "cache_read_tokens", "cache_creation_tokens", "reasoning_tokens", "cache_inside_input",
    # OpenAI Batch input and output lines
    "body", "error",
    # LiteLLM spend logs and StandardLoggingPayload files
    "startTime", "endTime", "spend", "call_type", "proxy_server_request", "trace_id", "status",
    # Langfuse observations
    "traceId", "type", "usageDetails", "promptTokens", "completionTokens", "userId", "sessionId", "name",
    # Helicone exports
    "request_body", "request_created_at", "request_model", "response_model", "request_properties", "properties",
    "request_user_id", "user_id", "provider", "latency", "delay_ms", "prompt_cache_read_tokens",
    "prompt_cache_write_tokens",
    # OpenTelemetry spans and OTLP exports
    "attributes", "spanId", "span_id", "startTimeUnixNano", "endTimeUnixNano", "start_time", "end_time",
    "resourceSpans",
)  # fmt: skip
RECORD_FIELDS = frozenset(
    {*_SHAPE_FIELDS, *LITELLM_COLUMNS, *LABEL_KEYS, *(key for _, keys in SIGNS.values() for key in keys)}
)


def needed(opts: ReadOptions) -> frozenset[str]:
    """The top-level fields a read with ``opts`` looks at: the shapes' and the first key of each named path."""
    paths = [opts.query_field, opts.context_field, opts.time_field, *(path for _, path in opts.metadata_fields)]
    return RECORD_FIELDS | {path.split(".")[0] for path in paths if path}


def columns_to_read(names: Sequence[str], wanted: frozenset[str] | None) -> list[str] | None:
    """The columns of a table holding ``wanted`` fields (``a.b`` is field ``a``'s), None for all of them."""
    if wanted is None:
        return None
    kept = [name for name in names if name.split(".")[0] in wanted]
    return None if len(kept) == len(names) else kept
