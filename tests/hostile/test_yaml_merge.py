"""YAML merge keys: a mapping's own keys override merged ones (YAML 1.1); only its own repeats are duplicates."""

from __future__ import annotations

from llmroute_cli.cli import app

RULES = """\
tiers:
  cheap: gpt-4o-mini
  expensive: gpt-4o
default: cheap
rules:
  - &base
    name: code
    when: {query: {contains: "def "}}
    route: expensive
  - <<: *base
    name: sql
    when: {query: {contains: "SELECT "}}
    route: cheap
"""


def test_an_own_key_overrides_a_merged_one(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(RULES)
    assert runner.invoke(app, ["check", str(tmp_path / "r.yaml")]).exit_code == 0
    routed = runner.invoke(app, ["route", "SELECT 1", "--rules", str(tmp_path / "r.yaml")])
    assert routed.stdout.startswith("cheap → gpt-4o-mini   rule: sql")


def test_a_key_repeated_in_the_mapping_itself_is_still_a_duplicate(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(RULES + "    route: expensive\n")
    result = runner.invoke(app, ["check", str(tmp_path / "r.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'r.yaml'}:14:5: duplicate key 'route'" in result.stdout
