"""``llmroute schema``: the JSON Schema of the rule file."""

from __future__ import annotations

import json


def schema() -> None:
    """Print the rule file's JSON Schema (for editors: yaml-language-server).

    Example: llmroute schema > routes.schema.json
    """
    from llmroute_cli.rules.schema import rule_file_schema

    print(json.dumps(rule_file_schema(), indent=2))
