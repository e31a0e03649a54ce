"""`llmroute simulate` end to end: money against hand arithmetic, every output, bad input."""

from __future__ import annotations

import csv
import gzip
import io
import json
from fractions import Fraction

import pytest

from llmroute_cli.cli import app
from llmroute_cli.tokens.encodings import count

LONG = "Please write a thorough comparison of the two designs described, weighing cost, latency and risk. " * 3
RECORDS = [
    # short question → cheap (short-no-code): 1M in at 0.15 = 0.15
    {
        "id": "a",
        "query": "What is 2+2?",
        "timestamp": "2026-01-01T00:00:00Z",
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0},
    },
    # long with a keyword → expensive (code): 1M*2.50 + 0.1M*10 = 3.50
    {
        "id": "b",
        "query": LONG + "Then debug it.",
        "timestamp": "2026-01-01T12:00:00Z",
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 100_000},
    },
    # long with a 9,000-char context → expensive (long-context): 2M*2.50 = 5.00
    {
        "id": "c",
        "query": LONG,
        "context": "x" * 9_000,
        "timestamp": "2026-01-02T00:00:00Z",
        "model": "gpt-4o-mini",
        "usage": {"prompt_tokens": 2_000_000, "completion_tokens": 0},
    },
    # long, small context → default cheap: 0.5M*0.15 + 0.2M*0.60 = 0.195
    {
        "id": "d",
        "query": LONG,
        "context": "short",
        "timestamp": "2026-01-03T00:00:00Z",
        "model": "gpt-4o-mini",
        "usage": {"prompt_tokens": 500_000, "completion_tokens": 200_000},
    },
]
ROUTED = 0.15 + 3.50 + 5.00 + 0.195  # 8.845 over 2 days


def too_long(n: int, longest: str) -> str:
    """The warning for requests over every tier's window (these round-number requests exceed gpt-4o's 128,000)."""
    return (
        f"{n} requests fit no tier's context window (the longest has {longest} input tokens; the widest window is "
        "128,000 tokens, tier 'expensive'): priced on their routed tier as if they fit; add a tier with a larger "
        "window, or set 'fallback:' to one"
    )


ALL_EXPENSIVE = 2.50 + 3.50 + 5.00 + (0.5 * 2.50 + 0.2 * 10)  # 14.25
AS_LOGGED = 2.50 + 3.50 + 2 * 0.15 + 0.195  # 6.495


@pytest.fixture
def logs(tmp_path):
    path = tmp_path / "logs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def run(runner, *args, stdin=None):
    return runner.invoke(app, ["simulate", *map(str, args)], input=stdin)


def report(runner, *args, stdin=None):
    result = run(runner, *args, "--format", "json", stdin=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_money_per_tier_rule_and_baselines(runner, logs, root):
    r = report(runner, logs, "--rules", root / "routes.yaml")
    assert (r["queries"], r["days"]) == (4, 2.0)
    assert r["tiers"]["cheap"]["queries"] == 2 and r["tiers"]["expensive"]["queries"] == 2
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(0.15 + 0.195, abs=1e-12)
    assert r["tiers"]["expensive"]["daily_cost_usd"] == pytest.approx(8.50 / 2, abs=1e-12)
    assert r["tiers"]["expensive"]["yearly_cost_usd"] == pytest.approx(8.50 / 2 * 365, abs=1e-9)
    assert r["tiers"]["cheap"]["input_tokens"] == 1_500_000 and r["tiers"]["cheap"]["output_tokens"] == 200_000
    assert {n: (v["queries"], round(v["cost_usd"], 6)) for n, v in r["rules"].items()} == {
        "short-no-code": (1, 0.15),
        "code": (1, 3.5),
        "long-context": (1, 5.0),
        "(default)": (1, 0.195),
    }
    assert r["routed"]["daily_cost_usd"] == pytest.approx(ROUTED / 2, abs=1e-12)
    assert r["baseline"]["all_expensive"]["daily_cost_usd"] == pytest.approx(ALL_EXPENSIVE / 2, abs=1e-12)
    assert r["baseline"]["as_logged"]["daily_cost_usd"] == pytest.approx(AS_LOGGED / 2, abs=1e-12)
    saved = (ALL_EXPENSIVE - ROUTED) / 2
    assert r["savings"]["all_expensive"]["daily_usd"] == pytest.approx(saved, abs=1e-12)
    assert r["savings"]["all_expensive"]["yearly_usd"] == pytest.approx(saved * 365, abs=1e-9)
    assert r["savings"]["all_expensive"]["percent"] == pytest.approx(saved / (ALL_EXPENSIVE / 2) * 100, abs=1e-9)
    assert r["savings"]["as_logged"]["daily_usd"] == pytest.approx((AS_LOGGED - ROUTED) / 2, abs=1e-12)
    assert r["tokens"]["input"] == {"logged": 4, "counted": 0, "approximated": {}}
    assert r["tokens"]["output"]["logged"] == 4
    assert r["period"] == {"source": "timestamps", "start": "2026-01-01T00:00:00Z", "end": "2026-01-03T00:00:00Z"}
    assert r["warnings"] == [too_long(4, "2,000,000")]
    assert r["context_window"]["fits_no_tier"] == 4 and r["context_window"]["difference_usd"] == 0.0


def test_days_and_sample_rate(runner, logs):
    r = report(runner, logs, "--days", "4", "--sample-rate", "0.1")
    # 8.845 over 4 days, logs hold 10% of traffic: 8.845 / 4 / 0.1
    assert r["routed"]["daily_cost_usd"] == pytest.approx(ROUTED / 4 / 0.1, abs=1e-9)
    assert r["period"]["source"] == "--days" and r["days"] == 4.0


def test_counted_and_estimated_tokens(runner, tmp_path):
    path = tmp_path / "raw.jsonl"
    path.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Name a prime number."},
                ]
            }
        )
        + "\n"
    )
    r = report(runner, path, "--days", "1", "--bootstrap", "0")
    tokens = 3 + (3 + count("system") + count("Be brief.")) + (3 + count("user") + count("Name a prime number."))
    assert r["tokens"]["input"] == {"logged": 0, "counted": 1, "approximated": {}}
    assert r["tokens"]["output"]["estimated"] == 1
    assert r["tokens"]["output"]["estimate"] == "0.25 x input tokens (default; set --output-ratio or --output-tokens)"
    out = round(tokens * 0.25)
    assert r["tiers"]["cheap"]["output_tokens"] == out
    assert r["routed"]["cost_usd"] == pytest.approx((tokens * 0.15 + out * 0.60) / 1e6, abs=1e-15)
    r = report(runner, path, "--days", "1", "--output-tokens", "40")
    assert r["routed"]["cost_usd"] == pytest.approx((tokens * 0.15 + 40 * 0.60) / 1e6, abs=1e-15)


def test_logged_output_tokens_count_without_logged_input_tokens(runner, tmp_path):
    path = tmp_path / "half.jsonl"
    messages = [{"role": "user", "content": "Name a prime number."}]
    path.write_text(json.dumps({"messages": messages, "usage": {"completion_tokens": 50}}) + "\n")
    r = report(runner, path, "--days", "1", "--bootstrap", "0", "--output-tokens", "7")
    tokens = 3 + 3 + count("user") + count("Name a prime number.")
    assert r["tokens"]["input"] == {"logged": 0, "counted": 1, "approximated": {}}
    assert (r["tokens"]["output"]["logged"], r["tokens"]["output"]["estimated"]) == (1, 0)
    assert (r["tiers"]["cheap"]["input_tokens"], r["tiers"]["cheap"]["output_tokens"]) == (tokens, 50)
    assert r["routed"]["cost_usd"] == pytest.approx((tokens * 0.15 + 50 * 0.60) / 1e6, abs=1e-15)


def test_short_span_warns_and_no_time_needs_days(runner, tmp_path):
    path = tmp_path / "short.jsonl"
    rows = [
        {"query": "hi", "timestamp": 1_767_225_600 + i * 3600, "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
        for i in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = report(runner, path)
    assert r["days"] == pytest.approx(2 / 24)
    assert r["warnings"] == ["the logs span only 2.0 hours: daily and yearly figures extrapolate from under a day"]
    rows[-1]["timestamp"] = rows[0]["timestamp"] + 86_399  # 23:59:59
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert report(runner, path)["warnings"][0].startswith("the logs span only 23.9 hours: ")
    path.write_text(json.dumps({"query": "hi"}) + "\n")
    result = run(runner, path)
    assert result.exit_code == 1
    assert result.stderr == "error: the logs carry no timestamps; pass --days N to say how many days they cover\n"


def test_formats_and_atomic_output(runner, logs, tmp_path):
    out = tmp_path / "report.csv"
    out.write_text("old contents")
    result = run(runner, logs, "--format", "csv", "--output", out)
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    tiers = {r["name"]: r for r in rows if r["section"] == "tier"}
    assert float(tiers["expensive"]["cost_usd"]) == pytest.approx(8.5)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    md = run(runner, logs, "--format", "markdown").stdout
    assert "### Spend per tier" in md and "| cheap | gpt-4o-mini | 2 | 50.0% |" in md
    table = run(runner, logs).stdout
    assert "Spend per tier" in table and "everything on expensive (gpt-4o)" in table


def test_csv_carries_savings_and_tells_of_skips_and_warnings_on_stderr(runner, logs, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run(runner, logs, "--format", "csv").stdout)))
    saved = {r["name"]: r for r in rows if r["section"] == "savings"}
    assert set(saved) == {"all_expensive", "as_logged"}  # per day over the 2-day log
    assert float(saved["all_expensive"]["daily_cost_usd"]) == pytest.approx((ALL_EXPENSIVE - ROUTED) / 2)
    assert float(saved["as_logged"]["yearly_cost_usd"]) == pytest.approx((AS_LOGGED - ROUTED) / 2 * 365)
    assert float(saved["all_expensive"]["share"]) == pytest.approx(1 - ROUTED / ALL_EXPENSIVE)
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps(RECORDS[0]) + "\n{broken\n" + json.dumps(RECORDS[1]) + "\n")
    result = run(runner, short, "--format", "csv")
    assert result.exit_code == 0 and result.stdout.startswith("section,name,")
    assert result.stderr == (
        "warning: the logs span only 12.0 hours: daily and yearly figures extrapolate from under a day\n"
        f"warning: {too_long(2, '1,000,000')}\n"
        f"skipped 1 malformed records; first: {short}:2: invalid JSON at column 2: unexpected character, expected a string key\n"
    )


def test_decisions_file(runner, logs, tmp_path):
    dec = tmp_path / "decisions.jsonl"
    assert run(runner, logs, "--decisions", dec, "--format", "json").exit_code == 0
    lines = [json.loads(line) for line in dec.read_text().splitlines()]
    assert [(d["id"], d["tier"], d["rule"]) for d in lines] == [
        ("a", "cheap", "short-no-code"),
        ("b", "expensive", "code"),
        ("c", "expensive", "long-context"),
        ("d", "cheap", None),
    ]
    assert lines[1]["cost_usd"] == pytest.approx(3.5) and lines[1]["output_tokens"] == 100_000
    dec_csv = tmp_path / "decisions.csv"
    assert run(runner, logs, "--decisions", dec_csv).exit_code == 0
    assert dec_csv.read_text().splitlines()[0] == "id,tier,model,rule,input_tokens,output_tokens,cost_usd"


def test_stdin_and_gzip(runner, logs, tmp_path):
    text = logs.read_text()
    assert report(runner, "-", stdin=text)["queries"] == 4
    gz = tmp_path / "logs.jsonl.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    assert report(runner, gz)["routed"]["cost_usd"] == pytest.approx(ROUTED)


def test_csv_or_parquet_on_stdin_is_told_to_come_as_a_file(runner):
    csv_text = "query,timestamp,input_tokens,output_tokens\nWhat is 2+2?,2026-01-01T00:00:00Z,10,2\n"
    result = run(runner, "-", "--days", "1", stdin=csv_text)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: <stdin>: no usable records (2 skipped; first: <stdin>:1: ")
    assert result.stderr.endswith("; stdin is read as JSONL only: give a CSV or Parquet log as a file)\n")


def test_bad_lines_are_skipped_and_named_or_fatal_with_strict(runner, tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps(RECORDS[0])
    path.write_text(f"{good}\n{{not json\n{json.dumps({'query': 5})}\n{good}\n")
    r = report(runner, path, "--days", "1")
    assert r["queries"] == 2
    assert r["input"]["skipped"] == 2
    assert r["input"]["errors"][0].startswith(f"{path}:2: ")
    assert r["input"]["errors"][1].startswith(f"{path}:3: ")
    result = run(runner, path, "--days", "1", "--strict")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}:2: ") and "Traceback" not in result.output


def test_empty_and_missing_input(runner, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = run(runner, empty, "--days", "1")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    missing = run(runner, tmp_path / "nope.jsonl")
    assert missing.exit_code == 2 and "nope.jsonl" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sample-rate", "0"], "error: --sample-rate must be more than 0 and at most 1, got 0.0\n"),
        (
            ["--output-tokens", "5", "--output-ratio", "0.3"],
            "error: give --output-tokens or an output ratio, not both\n",
        ),
        (["--output-ratio", "gpt-4o-mini=x"], "error: --output-ratio takes R or MODEL=R, got 'gpt-4o-mini=x'\n"),
        (
            ["--format", "yaml"],
            "Usage: llmroute simulate [OPTIONS] {LOGS...}\n"
            "Try 'llmroute simulate -h' for help.\n\n"
            "Error: Invalid value for '--format': 'yaml' is not one of 'table', 'json', 'csv', 'markdown'.\n",
        ),
    ],
)
def test_misuse(runner, logs, args, message):
    result = run(runner, logs, *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_shipped_sample_runs_with_the_readme_command(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    r = report(runner, "sample_data/chat_logs.jsonl", "--rules", "routes.yaml")
    assert r["queries"] == 2920 and r["tokens"]["input"]["counted"] == 0
    assert 6.9 < r["days"] < 7.0
    assert r["quality"]["labeled"] > 1000
    assert sum(t["queries"] for t in r["tiers"].values()) == 2920
    assert sum(v["cost_usd"] for v in r["rules"].values()) == pytest.approx(r["routed"]["cost_usd"])


def test_the_readme_shows_what_the_main_command_prints(runner, root, monkeypatch):
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLUMNS", "110")
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\n2,920 requests", 1)[1].split("```", 1)[0]
    result = run(runner, "sample_data/chat_logs.jsonl", "--rules", "routes.yaml")
    assert result.exit_code == 0
    assert result.stdout == "2,920 requests" + shown  # regenerate the README block when the report changes


def test_a_mistyped_field_option_is_named_not_ignored(runner, logs):
    result = run(runner, logs, "--time-field", "timestmp")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {logs}: no usable records (4 skipped; first: {logs}:1: no 'timestmp' field (from --time-field))\n"
    )
    r = report(runner, logs, "--context-field", "context")  # records a and b have none
    assert (r["queries"], r["input"]["skipped"]) == (2, 2)
    assert r["input"]["errors"] == [
        f"{logs}:1: no 'context' field (from --context-field)",
        f"{logs}:2: no 'context' field (from --context-field)",
    ]


def test_daily_yearly_and_savings_are_exact_decimals(runner, tmp_path):
    path = tmp_path / "one.jsonl"
    record = {"query": "hi", "model": "gpt-4o", "usage": {"prompt_tokens": 700_000, "completion_tokens": 0}}
    path.write_text(json.dumps(record) + "\n")
    r = report(runner, path, "--days", "1", "--bootstrap", "0")
    # 700k tokens at $0.15 = $0.105 a day routed; at $2.50 = $1.75 a day on the expensive tier
    assert r["tiers"]["cheap"]["yearly_cost_usd"] == 38.325  # 0.105 x 365, not 38.324999999999996
    assert r["savings"]["all_expensive"] == {"daily_usd": 1.645, "yearly_usd": 600.425, "percent": 94.0}
    r = report(runner, path, "--days", "7", "--sample-rate", "0.1", "--bootstrap", "0")
    daily = Fraction("0.105") / 7 / Fraction("0.1")  # a tenth of the traffic over a week
    assert r["routed"]["daily_cost_usd"] == float(daily) and r["routed"]["yearly_cost_usd"] == float(daily * 365)
    assert r["savings"]["all_expensive"]["yearly_usd"] == float((Fraction("1.75") - Fraction("0.105")) / 7 * 10 * 365)


def test_records_that_are_not_requests_are_reported_not_dropped_silently(runner, logs, tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    output_line = {"custom_id": "x", "response": {"status_code": 200, "body": {"usage": {"prompt_tokens": 5}}}}
    mixed.write_text(logs.read_text() + json.dumps(output_line) + "\n")
    r = report(runner, mixed)
    assert r["queries"] == 4 and r["input"]["ignored"] == {"OpenAI Batch output line (give its input file too)": 1}
    assert r["warnings"] == [
        too_long(4, "2,000,000"),
        "ignored 1 records that are not requests: OpenAI Batch output line (give its input file too)",
    ]


def test_an_unpriced_logged_model_names_the_request_that_logged_it(runner, logs, tmp_path):
    path = tmp_path / "unpriced.jsonl"
    path.write_text(logs.read_text() + json.dumps({**RECORDS[0], "model": "mystery-model"}) + "\n")
    result = run(runner, path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: no price for 1 logged model (1 request): 'mystery-model' (1 request, first at {path}:5); "
        "price them with --prices FILE (a LiteLLM price map), 'prices:' in the rule file or "
    )


def test_a_failed_run_leaves_existing_output_files_as_they_were(runner, tmp_path):
    log = tmp_path / "untimed.jsonl"
    log.write_text(json.dumps({"query": "hi", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}) + "\n")
    out, dec = tmp_path / "report.json", tmp_path / "decisions.jsonl"
    out.write_text("old report")
    dec.write_text("old decisions")
    result = run(runner, log, "--output", out, "--decisions", dec, "--format", "json")  # no timestamps, no --days
    assert result.exit_code == 1 and result.stderr.startswith("error: the logs carry no timestamps")
    assert (out.read_text(), dec.read_text()) == ("old report", "old decisions")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl", "report.json", "untimed.jsonl"]


def test_bom_crlf_non_utf8_and_a_huge_line_end_to_end(runner, logs, tmp_path):
    lines = logs.read_bytes().splitlines()
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    r = report(runner, path)
    assert (r["queries"], r["input"]["skipped"]) == (4, 0) and r["routed"]["cost_usd"] == pytest.approx(ROUTED)
    huge = json.dumps({**RECORDS[3], "id": "huge", "context": "word " * 2_000_000}).encode()  # a 10 MB line
    path.write_bytes(b"\n".join([*lines, b'{"query": "caf\xe9"}', huge]) + b"\n")
    r = report(runner, path)
    assert (r["queries"], r["input"]["skipped"]) == (5, 1)
    assert r["input"]["errors"] == [f"{path}:5: not valid UTF-8 (byte 0xe9 at column 15)"]
    assert r["rules"]["long-context"]["queries"] == 2  # the huge context routes as long context


def test_a_query_field_holding_messages_counts_the_tokens_of_every_message(runner, root, tmp_path):
    """A Langfuse observation read with --query-field input costs what the same messages logged as chat cost."""
    messages = [
        {"role": "system", "content": "You are a support agent for an invoicing product. " * 40},
        {"role": "user", "content": "How do I export invoices to CSV?"},
    ]
    (tmp_path / "langfuse.jsonl").write_text(json.dumps({"id": "o1", "input": messages, "model": "gpt-4o"}) + "\n")
    (tmp_path / "chat.jsonl").write_text(json.dumps({"id": "o1", "messages": messages, "model": "gpt-4o"}) + "\n")
    base = ["--rules", str(root / "routes.yaml"), "--days", "1", "--format", "json", "--bootstrap", "0"]
    lf = runner.invoke(app, ["simulate", str(tmp_path / "langfuse.jsonl"), "--query-field", "input", *base])
    chat = runner.invoke(app, ["simulate", str(tmp_path / "chat.jsonl"), *base])
    assert lf.exit_code == 0, lf.output
    lf_report, chat_report = json.loads(lf.stdout), json.loads(chat.stdout)
    assert lf_report["tiers"] == chat_report["tiers"]
    assert sum(t["input_tokens"] for t in lf_report["tiers"].values()) > 400  # the long system prompt is counted
