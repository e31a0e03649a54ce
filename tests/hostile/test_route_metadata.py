"""``route --metadata`` nested past any real request is a usage error, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app


def nested(depth: int, inner: str = "1") -> str:
    return '{"a": ' * depth + inner + "}" * depth


@pytest.mark.parametrize(
    "metadata", [nested(1000), nested(65), nested(64, "[1]"), nested(40, "[" * 40 + "]" * 40)],
    ids=["1000-deep", "65-deep", "64-objects-and-a-list", "40-objects-40-lists"],
)  # fmt: skip
def test_metadata_nested_past_64_levels_is_a_usage_error(runner, metadata):
    result = runner.invoke(app, ["route", "hello", "--metadata", metadata])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: --metadata is nested more than 64 levels deep; flatten it"]


def test_metadata_64_levels_deep_is_read(runner):
    result = runner.invoke(app, ["route", "hello", "--metadata", nested(64), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tier"] == "cheap"
