"""The Python API: ``simulate``, ``diff`` and ``sweep`` give what the CLI's JSON says, as frozen records."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from decimal import Decimal

import pytest

import llmroute_cli as lr
from llmroute_cli.cli import app

LOG = "sample_data/chat_logs.jsonl"
CONTEXT_AWARE = "examples/routes-context-aware.yaml"
PARAM = "short-no-code.query.chars=100:400:100"
PRICES = {"gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")), "gpt-4o": (Decimal("2.50"), Decimal("10.00"))}  # per 1M


@pytest.fixture(autouse=True)
def _at_root(root, monkeypatch):
    monkeypatch.chdir(root)  # the API and the CLI name the same relative files in their reports


@pytest.fixture(scope="module")
def run():
    """The sample through the API once, with each request's decision (what the tests below read)."""
    import os
    from pathlib import Path

    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        return lr.simulate(LOG, "routes.yaml", decisions=True)
    finally:
        os.chdir(here)


def cli_json(runner, *args):
    result = runner.invoke(app, [*args, "--format", "json"])
    return result, json.loads(result.stdout)


def same_fields(api: dict, cli: dict) -> None:
    assert list(api) == list(cli)
    for key in cli:
        assert api[key] == cli[key], key


def test_simulate_gives_the_cli_json_field_by_field(runner, run):
    result, cli = cli_json(runner, "simulate", LOG, "--rules", "routes.yaml")
    assert result.exit_code == 0, result.output
    same_fields(run.to_dict(), cli)
    same_fields(run.report, cli)
    assert cli["queries"] == 2920


def test_diff_gives_the_cli_json_and_its_gates(runner):
    result, cli = cli_json(runner, "diff", "routes.yaml", CONTEXT_AWARE, LOG, "--max-shift", "1%")
    assert result.exit_code == 1  # the gate fails
    change = lr.diff("routes.yaml", CONTEXT_AWARE, LOG, max_shift=0.01)
    same_fields(change.to_dict(), cli)
    # 68 of 2,920 requests move from cheap to expensive: 2.33% against a 1% gate
    assert change.gates_failed == ["2.33% of requests change tier, exceeding --max-shift 1% by 1.33 points"]
    assert change.report["shifted"] == {"queries": 68, "share": float(f"{68 / 2920:.15g}")}  # as JSON prints it


def test_sweep_gives_the_cli_json(runner):
    result, cli = cli_json(runner, "sweep", LOG, "--rules", "routes.yaml", "--param", PARAM)
    assert result.exit_code == 0, result.output
    swept = lr.sweep(LOG, "routes.yaml", param=PARAM)
    same_fields(swept.to_dict(), cli)
    points = swept.to_pandas()
    assert list(points.index) == [100, 200, 300, 400]
    assert points.loc[200, "current"]  # routes.yaml holds lt: 200
    assert points["daily_cost_usd"].tolist() == [p["daily_cost_usd"] for p in cli["points"]]


def test_the_tier_and_rule_tables_hold_the_report(run):
    tiers, report = run.to_pandas("tiers"), run.report
    assert list(tiers.index) == ["cheap", "expensive"]  # a row per tier
    for tier, row in tiers.iterrows():
        assert row["cost_usd"] == report["tiers"][tier]["cost_usd"]
        assert row["queries"] == report["tiers"][tier]["queries"]
    assert tiers["queries"].sum() == 2920
    rules = run.to_pandas("rules")
    assert list(rules.index) == ["short-no-code", "code", "long-context", "(default)"]
    assert rules["queries"].tolist() == [1399, 299, 32, 1190]
    by_tier = rules.groupby("tier")["queries"].sum()
    assert by_tier.to_dict() == {"cheap": 2589, "expensive": 331}


def test_the_per_request_costs_add_up_exactly_to_the_routed_total(run):
    requests = run.to_pandas("requests")
    assert len(requests) == 2920
    assert list(requests.columns) == ["id", "tier", "model", "rule", "input_tokens", "output_tokens", "cost_usd"]
    femto = Decimal("1e-15")  # each request's cost is a whole number of femto-dollars
    total = sum(Decimal(repr(float(c))).quantize(femto) for c in requests["cost_usd"])
    assert run.result.totals.overhead_units == 0
    assert total == Decimal(sum(run.result.totals.cost_units)) * femto  # exact, to the last femto-dollar
    assert float(f"{float(total):.15g}") == run.report["routed"]["cost_usd"]
    for tier, cost in requests.groupby("tier", observed=True)["cost_usd"].sum().items():
        assert cost == pytest.approx(run.report["tiers"][tier]["cost_usd"], rel=1e-12)


def test_a_request_costs_its_logged_tokens_times_its_model_price(run, root):
    requests = run.to_pandas("requests").set_index("id")
    lines = (root / LOG).read_text(encoding="utf-8").splitlines()
    checked = set()
    for line in lines[:40]:
        record = json.loads(line)
        row = requests.loc[record["id"]]
        prompt, completion = record["usage"]["prompt_tokens"], record["usage"]["completion_tokens"]
        price_in, price_out = PRICES[row["model"]]
        expected = (prompt * price_in + completion * price_out) / 1_000_000
        assert (row["input_tokens"], row["output_tokens"]) == (prompt, completion)
        assert Decimal(repr(float(row["cost_usd"]))).quantize(Decimal("1e-15")) == expected, record["id"]
        checked.add(row["model"])
    assert checked == {"gpt-4o-mini", "gpt-4o"}
    first = requests.loc["chatcmpl-Mwt5LATPdxvfW4rCvUxRmlRcUrIBi"]  # 106 in, 19 out, routed to gpt-4o-mini
    assert (first["model"], first["cost_usd"]) == ("gpt-4o-mini", pytest.approx((106 * 0.15 + 19 * 0.60) / 1e6))


def test_requests_need_decisions_and_tables_are_named(root):
    small = lr.simulate("sample_data/chat_logs_small.jsonl", "routes.yaml", bootstrap=0)
    with pytest.raises(lr.OptionError) as exc:
        small.to_pandas("requests")
    assert exc.value.option == "decisions"
    assert str(exc.value) == "per-request rows are kept only when asked: simulate(..., decisions=True)"
    with pytest.raises(lr.OptionError, match=r"^what takes tiers, rules, requests; got 'tier'$"):
        small.to_pandas("tier")


def test_a_missing_log_names_the_file(tmp_path):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(lr.LlmrouteError) as exc:
        lr.simulate(missing, "routes.yaml")
    assert str(exc.value) == f"{missing}: no such file"


@pytest.mark.parametrize(
    ("options", "option", "message"),
    [
        ({"sample_rate": 2}, "sample_rate", "sample_rate must be more than 0 and at most 1, got 2"),
        ({"jobs": -1}, "jobs", "jobs must be 0 (one per core) or more, got -1"),
        ({"engine": "spark"}, "engine", "engine takes local or dask, got 'spark'"),
        ({"unknown_model_price": {"o1": "x"}}, "unknown_model_price", "unknown_model_price takes MODEL=IN/OUT"),
        ({"baseline_tier": "premium"}, "baseline_tier", "baseline_tier 'premium' is not a tier; expected one of"),
        (
            {"engine": "dask", "scheduler_timeout": 0},
            "scheduler_timeout",
            "scheduler_timeout must be above 0 and at most 3600, got 0",
        ),
    ],
)
def test_a_bad_option_is_an_option_error_naming_the_parameter(options, option, message):
    with pytest.raises(lr.OptionError) as exc:
        lr.simulate(LOG, "routes.yaml", **options)
    assert exc.value.option == option
    assert str(exc.value).startswith(message)


def test_the_cli_spells_the_same_error_as_its_flag(runner):
    result = runner.invoke(app, ["simulate", LOG, "--rules", "routes.yaml", "--sample-rate", "2"])
    assert (result.exit_code, result.stderr) == (2, "error: --sample-rate must be more than 0 and at most 1, got 2.0\n")


def test_options_come_as_python_values_too():
    as_cli = lr.simulate(LOG, "routes.yaml", bootstrap=0, output_ratio=["gpt-4o=0.5"], unknown_model_price=["o1=15/60"])
    as_python = lr.simulate(LOG, "routes.yaml", bootstrap=0, output_ratio={"gpt-4o": 0.5},
                            unknown_model_price={"o1": (15, 60)})  # fmt: skip
    assert as_python.report == as_cli.report


def test_a_run_is_frozen_and_prints_nothing(run, capsys):
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.report = {}  # type: ignore[misc]
    copy = run.to_dict()
    copy["queries"] = 0
    assert run.report["queries"] == 2920  # to_dict is a copy
    lr.diff("routes.yaml", CONTEXT_AWARE, "sample_data/chat_logs_small.jsonl")
    assert capsys.readouterr() == ("", "")


def test_a_run_reads_as_its_headline(run):
    report = run.report
    saved = report["savings"]["all_expensive"]["percent"]
    assert repr(run) == (
        f"<SimulateRun 2,920 requests over {report['days']:.2f} days, rules routes.yaml: "
        f"${report['routed']['daily_cost_usd']:.2f}/day routed, {saved:.1f}% below all-expensive>"
    )
    assert repr(run).startswith("<SimulateRun 2,920 requests over 6.97 days")


def test_import_stays_light_and_both_names_give_the_api(root):
    code = (
        "import sys, llmroute_cli, llmroute\n"
        "heavy = sorted(m for m in ('pandas', 'polars', 'numpy', 'llmroute_cli.api.simulating') if m in sys.modules)\n"
        "import llmroute_cli.simulate.pipeline\n"  # the room of that name stays importable
        "assert llmroute.simulate is llmroute_cli.simulate and callable(llmroute_cli.simulate)\n"
        "assert llmroute.diff is llmroute_cli.diff and llmroute.sweep is llmroute_cli.sweep\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == ""
