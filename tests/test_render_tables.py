"""`render.tables`: one escaping rule for every table and line, and the simulate report through it."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.render.tables import Table, markdown_table, md_cell, md_text, plain, printable, rich_table


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("short-no-code", "short-no-code"),
        ("tab\there", "tab here"),
        ("two\nlines\r\nthree\rfour", "two lines three four"),
        ("fake\nroutes.yaml:1:1: error: x", "fake routes.yaml:1:1: error: x"),
        ("red \x1b[31mtext\x1b[0m", "red \\x1b[31mtext\\x1b[0m"),
        ("title \x1b]0;pwned\x07", "title \\x1b]0;pwned\\x07"),
        ("nul\x00 del\x7f csi\x9b nel\x85ls\u2028ps\u2029end", "nul\\x00 del\\x7f csi\\x9b nel ls ps end"),
        ("x[/]y [bold]t", "x[/]y [bold]t"),
        ("café → ✓", "café → ✓"),
    ],
)
def test_printable_keeps_text_on_one_line_and_shows_controls_as_escapes(text, shown):
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("short-no-code", "short-no-code"),
        ("$1,234.50 (25.0%)", "$1,234.50 (25.0%)"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("a | b", "a \\| b"),
        ("**bold** and _it_", "\\*\\*bold\\*\\* and \\_it\\_"),
        ("[link](javascript:alert(1))", "\\[link\\](javascript:alert(1))"),
        ("![img](x)", "!\\[img\\](x)"),
        ("`code` ~~gone~~ # h", "\\`code\\` \\~\\~gone\\~\\~ \\# h"),
        ("back\\slash\\|", "back\\\\slash\\\\\\|"),
        ("&lt; &amp;", "&amp;lt; &amp;amp;"),
        ("line\nbreak\r\n| next", "line break \\| next"),
        ("\x1b[31mred", "\\\\x1b\\[31mred"),
    ],
)
def test_md_cell_makes_any_text_inert(text, cell):
    assert md_cell(text) == cell


def test_md_text_is_the_same_rule():
    assert md_text("# <b>x</b> | *y*\n") == "\\# &lt;b&gt;x&lt;/b&gt; \\| \\*y\\* "


TABLE = Table(
    title="Per rule",
    headers=("rule", "hits"),
    rows=(("<b>x</b>", "3"), ("a | b", "1,234")),
    align=("left", "right"),
)


def test_markdown_table_escapes_every_cell_and_aligns_columns():
    assert markdown_table(TABLE) == "| rule | hits |\n|---|---:|\n| &lt;b&gt;x&lt;/b&gt; | 3 |\n| a \\| b | 1,234 |"


def test_rich_table_shows_markup_and_controls_literally():
    from rich.console import Console

    table = Table(headers=("[b]rule", "hits"), rows=(("x[/]y", "1"), ("r\x1b[31m\rz", "2")), align=("left", "right"))
    console = Console(width=40, color_system=None, record=True)
    with console.capture() as capture:
        console.print(rich_table(table))
    out = capture.get()
    assert "x[/]y" in out and "[b]rule" in out and "r\\x1b[31m z" in out
    assert "\x1b" not in out


def test_plain_is_not_parsed_as_markup():
    assert plain("[bold]t\x1b[0m").plain == "[bold]t\\x1b[0m"


# --- the simulate report, table and Markdown ---------------------------------------------------------

RULES = """tiers: {cheap: gpt-4o-mini, "[bold]t": gpt-4o}
default: cheap
rules:
  - name: "x[/]y"
    when: {query.chars: {gt: 10}}
    route: "[bold]t"
  - name: "<b>x</b>"
    when: {query.chars: {gt: 5}}
    route: cheap
  - name: "r\\x1b[31m\\rz"
    when: {query.chars: {gt: 2}}
    route: cheap
"""
QUERIES = ["a much longer query", "medium", "hey", "q"]


@pytest.fixture
def policy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(RULES, encoding="utf-8")
    rows = [{"id": f"r{i}", "query": q} for i, q in enumerate(QUERIES)]
    (tmp_path / "logs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return tmp_path


def simulate(runner, *args):
    return runner.invoke(app, ["simulate", "logs.jsonl", "--rules", "r.yaml", "--days", "1", *args])


def test_simulate_table_shows_markup_names_literally(runner, policy):
    result = simulate(runner)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "│ x[/]y " in out and "│ [bold]t " in out and "│ <b>x</b> " in out
    assert "│ r\\x1b[31m z " in out
    assert "\x1b" not in out


def test_simulate_markdown_escapes_rule_and_tier_names(runner, policy):
    result = simulate(runner, "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert "| \\[bold\\]t | gpt-4o | 1 | 25.0% |" in md
    assert "| x\\[/\\]y | \\[bold\\]t | 1 | 25.0% |" in md
    assert "| &lt;b&gt;x&lt;/b&gt; | cheap | 1 | 25.0% |" in md
    assert "| r\\\\x1b\\[31m z | cheap | 1 | 25.0% |" in md
    assert "| everything on \\[bold\\]t (gpt-4o) |" in md
    assert "\x1b" not in md and "<b>" not in md
