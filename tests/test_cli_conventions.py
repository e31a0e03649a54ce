"""Command-line conventions a new user expects: --version, -h, shell completion, CSV where offered, honest exits."""

from __future__ import annotations

import csv
import io
import json
import tomllib

from llmroute_cli.cli import app


def test_version_is_the_packaged_one(runner, root):
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"llmroute {version}\n")


def test_dash_h_is_help_everywhere(runner):
    for args in (["-h"], ["simulate", "-h"], ["batch", "join", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.stdout.startswith("Usage: "), args


def _every_command(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _every_command(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_help_names_values_as_a_command_line_does_not_as_python_types(runner):
    import re

    import typer

    commands = list(_every_command(typer.main.get_command(app)))
    assert len(commands) >= 20
    for path in commands:
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).stdout
        assert not re.findall(r"<[a-zA-Z][^>]*>", shown), (path, re.findall(r"<[^>]*>", shown))
    simulate = runner.invoke(app, ["simulate", "--help"], env={"COLUMNS": "200"}).stdout
    assert "Usage: llmroute simulate [OPTIONS] {LOGS...}" in simulate
    assert re.search(r"^  LOGS\.\.\.  +Log files", simulate, re.M)
    for option in ("--days FLOAT", "--rules PATH", "--query-field TEXT", "--bootstrap INTEGER"):
        assert option in simulate
    assert "--format [table|json|csv|markdown]" in simulate


def test_shell_completion_is_offered(runner):
    assert "--install-completion" in runner.invoke(app, ["-h"]).stdout


def test_diff_csv_holds_the_json_figures(runner, root):
    base = ["diff", str(root / "routes.yaml"), str(root / "examples" / "routes-longer-short.yaml")]
    base += ["--logs", str(root / "sample_data" / "mtbench_judge_log.jsonl")]
    report = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    result = runner.invoke(app, [*base, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    daily = next(r for r in rows if r["section"] == "spend" and r["name"] == "daily_usd")
    assert float(daily["before"]) == report["spend"]["old_daily_usd"]
    assert float(daily["change"]) == report["spend"]["delta_daily_usd"]
    moves = {r["name"]: int(r["change"]) for r in rows if r["section"] == "tier_move"}
    assert moves == {f"{t['from']} -> {t['to']}": t["queries"] for t in report["transitions"]}
    assert sum(moves.values()) == report["queries"]
    hits = {r["name"]: (int(r["before"]), int(r["after"])) for r in rows if r["section"] == "rule"}
    assert hits == {n: (r["old"], r["new"]) for n, r in report["rules"].items()}


def test_check_strict_never_says_ok_when_it_fails(runner, root):
    result = runner.invoke(app, ["check", str(root / "routes.yaml"), "--strict"])
    assert result.exit_code == 1
    last = result.stdout.splitlines()[-1]
    assert last.endswith("routes.yaml: failed under --strict (6 warnings)") and ": ok" not in result.stdout
