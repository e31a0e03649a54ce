"""The bounds on numbers read from rule files, price maps, logs and options: past them input is a mistake.

Each keeps money and counts far from where int64 wraps or float64 overflows (a rule's number need only
fit a float: ``rules.parse``); README.md, "Errors and limits", lists them.
"""

from __future__ import annotations

MAX_TOKENS = 10**9  # tokens of one request (or of a classifier call): more is a logging fault, not traffic
MAX_PRICE = 1_000_000.0  # USD per 1M tokens, any price field: more is a unit mistake (per token, cents)
MAX_METADATA_DEPTH = 64  # levels of objects and arrays in `route --metadata` JSON
LATEST = 32_503_680_000.0  # 3000-01-01 as unix seconds: a later time, or one before -LATEST (940), is a logging fault
