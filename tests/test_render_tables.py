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


def _printed(table: Table, width: int) -> str:
    from rich.console import Console

    console = Console(width=width, color_system=None, record=True)
    with console.capture() as capture:
        console.print(rich_table(table))
    return capture.get()


WIDE = Table(
    headers=("tier", "model", "input tokens", "output tokens", "per day", "per year", "saved per year"),
    rows=(("expensive", "gpt-4o-2024-08-06", "120,091,337", "101,920,114", "$1,115.20", "$407,048.00", "$1,234,567.89"),),
    align=("left", "left", "right", "right", "right", "right", "right"),
)


def test_a_table_that_fits_is_left_as_it_is():
    out = _printed(WIDE, 200)
    assert "saved per year" in out and "gpt-4o-2024-08-06" in out and "$1,234,567.89" in out
    assert len(out.splitlines()) == 5  # top, header, rule, row, bottom: nothing wrapped


def test_a_narrow_terminal_wraps_names_and_headers_but_never_cuts_a_number():
    table = Table(WIDE.headers[:6], [row[:6] for row in WIDE.rows], WIDE.align[:6])
    out = _printed(table, 72)  # 11+11+9+11 for the numbers, 6+6 for the names, 17 for borders: 71
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 72 and "…" not in out
    for number in table.rows[0][2:]:
        assert number in out, (number, out)
    assert [line.split("┃")[1].strip() for line in lines if line.startswith("┃")] == ["", "tier"]
    names = [line.split("│")[1:3] for line in lines if line.startswith("│")]
    assert len(names) > 1  # the names wrap, whole, over lines
    assert ["".join(part[i].strip() for part in names) for i in (0, 1)] == ["expensive", "gpt-4o-2024-08-06"]


def test_a_table_too_wide_for_any_layout_becomes_records():
    out = _printed(WIDE, 80)  # 55 for the numbers alone, 87 with the names: one record per row
    assert out.splitlines() == [f"{head}: {cell}" for head, cell in zip(WIDE.headers, WIDE.rows[0], strict=True)]


def test_the_simulate_table_on_80_columns_shows_every_figure_whole():
    from typer.testing import CliRunner

    runner = CliRunner()
    args = ["simulate", "sample_data/chat_logs.jsonl", "--rules", "routes.yaml", "--bootstrap", "0"]
    report = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    table = runner.invoke(app, args, env={"COLUMNS": "80"}).stdout
    assert max(len(line) for line in table.splitlines()) <= 80
    prices = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00)}  # $ per 1M input/output tokens
    for tier in report["tiers"].values():
        assert f"{tier['input_tokens']:,}" in table and f"{tier['output_tokens']:,}" in table
        price_in, price_out = prices[tier["model"]]
        cost = (tier["input_tokens"] * price_in + tier["output_tokens"] * price_out) / 1e6
        assert f"${cost / report['days'] * 365:,.2f}" in table  # its per-year figure, whole
    assert "…" not in table.split("Per rule")[0]


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
