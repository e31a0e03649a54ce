"""`llmroute sweep` and `llmroute calibrate`: per-value figures checked by hand, the chart, the HTML, the errors."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: expensive
rules:
  - name: short
    when:
      query.chars: {lt: 5}
    route: cheap
"""
# Record i (1..10) has a query of i characters; scores (gpt-4o, gpt-4o-mini); the last is unlabeled.
SCORES = [(8, 8), (9, 5), (7, 7), (10, 6), (6, 6), (8, 7), (9, 4), (5, 5), (7, 6), None]
PARAM = "short.query.chars=2:10:4"  # values 2, 6, 10; the rule file says 5, so 5 is run too
# Every request: 1,000 input and 100 output tokens, logged on gpt-4o and moved as it is.
EXPENSIVE_USD = 1000 * 2.50 / 1e6 + 100 * 10.00 / 1e6  # 0.0035
CHEAP_USD = 1000 * 0.15 / 1e6 + 100 * 0.60 / 1e6  # 0.00021


def record(i: int, scores: tuple[int, int] | None, **extra: object) -> str:
    rec: dict[str, object] = {
        "id": f"r{i}",
        "query": "q" * i,
        "timestamp": 1730678400 + i,
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
    }
    if scores:
        rec["scores"] = {"gpt-4o": scores[0], "gpt-4o-mini": scores[1]}
    return json.dumps({**rec, **extra})


@pytest.fixture
def logs(tmp_path, monkeypatch, write):
    monkeypatch.chdir(tmp_path)
    write("rules.yaml", RULES)
    write("log.jsonl", "".join(record(i, s) + "\n" for i, s in enumerate(SCORES, 1)))
    return tmp_path


def invoke(runner, *args):
    return runner.invoke(app, [*args])


def sweep_json(runner, *extra):
    result = invoke(runner, "sweep", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sweep_figures_per_value_by_hand(runner, logs):
    out = sweep_json(runner, "--format", "json")
    points = {p["value"]: p for p in out["points"]}
    assert list(points) == [2, 5, 6, 10]
    assert [p["current"] for p in points.values()] == [False, True, False, False]
    # value v sends queries shorter than v characters cheap: v - 1 of the 10 requests
    for v, cheap in ((2, 1), (5, 4), (6, 5), (10, 9)):
        p = points[v]
        assert p["expensive_share"] == pytest.approx((10 - cheap) / 10)
        assert p["daily_cost_usd"] == pytest.approx((cheap * CHEAP_USD + (10 - cheap) * EXPENSIVE_USD) / 2)
    # needed expensive (score gap >= 2): requests 2, 4 and 7; labeled requests sent cheap: 1..min(v-1, 9)
    assert points[2]["under_routing_rate"] == 0.0  # {1}
    assert points[5]["under_routing_rate"] == pytest.approx(2 / 4)  # {1, 2, 3, 4}
    assert points[6]["under_routing_rate"] == pytest.approx(2 / 5)
    assert points[10]["under_routing_rate"] == pytest.approx(3 / 9)
    # mean judge score over the 9 labeled requests: cheap score where sent cheap, else the expensive one
    assert out["quality"] == {
        "scale": "scores",
        "requests": 9,
        "all_cheap": 54 / 9,
        "all_expensive": pytest.approx(69 / 9),
    }
    assert points[2]["mean_quality"] == pytest.approx((8 + 9 + 7 + 10 + 6 + 8 + 9 + 5 + 7) / 9)
    assert points[5]["mean_quality"] == pytest.approx((8 + 5 + 7 + 6 + 6 + 8 + 9 + 5 + 7) / 9)
    assert points[6]["mean_quality"] == pytest.approx((8 + 5 + 7 + 6 + 6 + 8 + 9 + 5 + 7) / 9)
    assert points[10]["mean_quality"] == pytest.approx(54 / 9)
    gap = 69 / 9 - 6
    assert points[5]["gap_recovered"] == pytest.approx((61 / 9 - 6) / gap) == pytest.approx(7 / 15)
    assert [p["labeled_expensive_share"] for p in points.values()] == pytest.approx([8 / 9, 5 / 9, 4 / 9, 0])


def test_apgr_and_cpt_by_hand(runner, logs):
    # (labeled expensive share, gap recovered): (0, 0), (4/9, 7/15), (5/9, 7/15), (8/9, 1), and the (1, 1) end
    metrics = sweep_json(runner, "--format", "json")["metrics"]
    area = 4 / 9 * (0 + 7 / 15) / 2 + 1 / 9 * 7 / 15 + 3 / 9 * (7 / 15 + 1) / 2 + 1 / 9 * 1
    assert metrics["apgr"] == pytest.approx(area) == pytest.approx(69 / 135)
    assert metrics["cpt50"] == pytest.approx(5 / 9 + (0.5 - 7 / 15) / (1 - 7 / 15) * 3 / 9)  # 83/144
    assert metrics["cpt80"] == pytest.approx(5 / 9 + (0.8 - 7 / 15) / (1 - 7 / 15) * 3 / 9)  # 55/72
    # measured from 0 to 8/9: both crossings inside; the APGR's last 1/9 is the straight line to (1, 1)
    assert metrics["share_range"] == pytest.approx([0, 8 / 9])
    assert metrics["apgr_measured"] == pytest.approx((area - 1 / 9 * 1) / (8 / 9)) == pytest.approx(0.45)
    assert (metrics["apgr_extrapolated"], metrics["cpt50_extrapolated"], metrics["cpt80_extrapolated"]) == (
        True,
        False,
        False,
    )


NARROW = "short.query.chars=6:10:4"  # values 6, 10 and the current 5: labeled shares 4/9, 0 and 5/9


def test_a_narrow_sweep_marks_what_is_extrapolated(runner, logs):
    # (labeled expensive share, gap recovered): (0, 0), (4/9, 7/15), (5/9, 7/15), then the added (1, 1)
    args = ["sweep", "log.jsonl", "--rules", "rules.yaml", "--param", NARROW, "--days", "2"]
    metrics = json.loads(invoke(runner, *args, "--format", "json").stdout)["metrics"]
    assert metrics["share_range"] == pytest.approx([0, 5 / 9])
    measured = 4 / 9 * (0 + 7 / 15) / 2 + 1 / 9 * (7 / 15 + 7 / 15) / 2  # 14/135 + 7/135
    assert metrics["apgr_measured"] == pytest.approx(measured / (5 / 9)) == pytest.approx(0.28)
    assert metrics["apgr"] == pytest.approx(measured + 4 / 9 * (7 / 15 + 1) / 2) == pytest.approx(13 / 27)
    # both on the line from (5/9, 7/15) to (1, 1)
    assert metrics["cpt50"] == pytest.approx(5 / 9 + (0.5 - 7 / 15) / (1 - 7 / 15) * 4 / 9) == pytest.approx(7 / 12)
    assert metrics["cpt80"] == pytest.approx(5 / 9 + (0.8 - 7 / 15) / (1 - 7 / 15) * 4 / 9) == pytest.approx(5 / 6)
    assert (metrics["cpt50_extrapolated"], metrics["cpt80_extrapolated"]) == (True, True)
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:4] == [
        "Measured expensive share 0.0%–55.6% of the labeled requests; APGR over that span 0.280 "
        "(the mean gap recovered there).",
        "APGR 0.481 (0–100%, including extrapolated ends), "
        "CPT(50%) 58.3% (extrapolated: beyond the measured 0.0%–55.6%), "
        "CPT(80%) 83.3% (extrapolated: beyond the measured 0.0%–55.6%).",
    ]


def test_sweep_table_marks_the_current_value_and_defines_the_metrics(runner, logs):
    result = invoke(runner, "sweep", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "short.query.chars swept over 3 values (now 5) on 10 requests over 2.00 days; rules: rules.yaml.",
        "Mean judge score over 9 labeled requests: all cheap 6.000, all expensive 7.667.",
        "Measured expensive share 0.0%–88.9% of the labeled requests; APGR over that span 0.450 "
        "(the mean gap recovered there).",
        "APGR 0.511 (0–100%, including extrapolated ends), CPT(50%) 57.6%, CPT(80%) 76.4%.",
    ]
    row = next(line for line in lines if "5 (current)" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")] == [
        "5 (current)", "60.0%", "$0.01", "50.0%", "tighten the rules", "6.778", "46.7%",
    ]  # fmt: skip
    text = result.stdout
    assert (
        "under-routing: of the labeled requests sent to the cheap tier, the share that needed the expensive one" in text
    )
    assert "APGR: average gap recovered: the area under gap recovered against expensive share from 0 to 1" in text
    assert "APGR over that span: the area under gap recovered between the lowest and highest measured" in text
    assert "; extrapolated when it falls outside the measured span" in text
    assert (
        "CPT(50%), CPT(80%): the expensive share at which the policy first recovers 50% (80%) of the quality gap"
        in text
    )
    assert result.stderr == ""


def test_sweep_csv(runner, logs):
    result = invoke(
        runner, "sweep", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "value,current,expensive_share,daily_cost_usd,under_routing_rate,mean_quality,gap_recovered,"
        "labeled_expensive_share,rule_requests"
    )
    assert lines[1] == "2,False,0.9,0.015855,0.0,7.66666666666667,1.0,0.888888888888889,1"  # the rule decides r1
    assert len(lines) == 5


def test_calibrate_to_an_expensive_share_prints_the_rule_file_line(runner, logs):
    args = ["calibrate", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2"]
    result = invoke(runner, *args, "--target-expensive-share", "0.5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "For an expensive share of at most 50.0%: set short.query.chars to 6 (now 5)."
    assert any("6 (chosen)" in line and "50.0%" in line for line in lines)
    assert lines[-2:] == ["rules.yaml:7: in rule 'short':", "      query.chars: {lt: 6}"]
    assert not any(line.startswith("note:") for line in lines)


LONG = RULES.replace("default: expensive", "default: cheap").replace("name: short", "name: long")
LONG = LONG.replace("{lt: 5}", "{gt: 5}").replace("route: cheap", "route: expensive")


def test_calibrate_warns_when_the_chosen_value_switches_the_rule_off(runner, logs, write):
    # long queries go expensive; no query is longer than 10 characters, so at 10 the rule decides nothing
    write("long.yaml", LONG)
    args = ["calibrate", "log.jsonl", "--rules", "long.yaml", "--param", "long.query.chars=8:10:1", "--days", "2"]
    result = invoke(runner, *args, "--target-expensive-share", "0.05")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "For an expensive share of at most 5.0%: set long.query.chars to 10 (now 5).",
        "note: at 10 rule 'long' decides no request: the value switches the rule off",
    ]
    out = json.loads(invoke(runner, *args, "--target-expensive-share", "0.05", "--format", "json").stdout)
    assert (out["chosen"]["value"], out["chosen"]["rule_requests"], out["chosen_switches_rule_off"]) == (10, 0, True)
    assert out["chosen_by"] == "the highest mean quality at or under the cap"
    # under 20%: 8 sends requests 9 and 10 expensive and request 9 gains (7 against 6), so 8 beats 9 and 10
    out = json.loads(invoke(runner, *args, "--target-expensive-share", "0.2", "--format", "json").stdout)
    assert (out["chosen"]["value"], out["chosen"]["rule_requests"], out["chosen_switches_rule_off"]) == (8, 2, False)


def test_calibrate_to_a_share_without_labels_says_how_it_chose(runner, logs, write):
    write("plain.jsonl", "".join(record(i, None) + "\n" for i in range(1, 11)))
    args = ["calibrate", "plain.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2"]
    result = invoke(runner, *args, "--target-expensive-share", "0.55")
    assert result.exit_code == 0, result.output
    # shares 90%, 50%, 10% for 2, 6, 10: the largest at or under 55% is 6
    assert result.stdout.splitlines()[:3] == [
        "For an expensive share of at most 55.0%: set short.query.chars to 6 (now 5).",
        "note: no quality labels, so the value with the largest expensive share at or under 55.0%",
        "No quality figures: " + json.loads(invoke(runner, "sweep", *args[1:], "--format", "json").stdout)["note"],
    ]
    out = json.loads(invoke(runner, *args, "--target-expensive-share", "0.55", "--format", "json").stdout)
    assert out["chosen"]["value"] == 6
    assert out["chosen_by"] == "the largest expensive share at or under the cap (no quality labels)"


@pytest.mark.parametrize(
    ("limit", "chosen"),
    [
        ("0.35", 10),  # 2 (0%) and 10 (33.3%) qualify; 10 is cheaper
        ("0.2", 2),  # only 2 (0%)
        ("0.4", 10),  # 6 (40%) qualifies too, but 10 costs less
    ],
)
def test_calibrate_to_a_maximum_under_routing_takes_the_cheapest_value(runner, logs, limit, chosen):
    args = ["calibrate", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2", "--format", "json"]
    result = invoke(runner, *args, "--max-under-routing", limit)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["chosen"]["value"] == chosen
    assert out["now"]["value"] == 5
    assert out["target"] == {"expensive_share": None, "under_routing": float(limit)}
    assert out["yaml"] == f"      query.chars: {{lt: {chosen}}}"
    assert out["chosen_by"] == "the lowest daily cost within the under-routing limit"


def test_calibrate_when_no_value_meets_the_target(runner, logs):
    args = ["calibrate", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2"]
    result = invoke(runner, *args, "--target-expensive-share", "0.05")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no value of short.query.chars keeps the expensive share at or below 5.0%; the lowest is 10.0% (at 10)\n"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["calibrate", "--param", PARAM],
            2,
            "error: give exactly one of --target-expensive-share and --max-under-routing\n",
        ),
        (
            ["calibrate", "--param", PARAM, "--target-expensive-share", "0.3", "--max-under-routing", "0.1"],
            2,
            "error: give exactly one of --target-expensive-share and --max-under-routing\n",
        ),
        (
            ["calibrate", "--param", PARAM, "--target-expensive-share", "30"],
            2,
            "error: --target-expensive-share is a share from 0 to 1 or 0% to 100%, got 30 (for 30% write 0.3 or 30%)\n",
        ),
        (
            ["calibrate", "--param", PARAM, "--max-under-routing", "a tenth"],
            2,
            "error: --max-under-routing takes a share, a fraction (0.4) or a percent (40%), got 'a tenth'\n",
        ),
        (
            ["sweep", "--param", "short.query.chars"],
            2,
            "error: --param 'short.query.chars': expected RULE.FIELD=START:STOP:STEP, "
            "e.g. short-no-code.query.chars=100:400:50\n",
        ),
        (
            ["sweep", "--param", "shrot.query.chars=1:2:1"],
            2,
            "error: unknown rule 'shrot' (did you mean 'short'?); rules: short\n",
        ),
        (
            ["sweep", "--param", PARAM, "--chart", "nowhere/sweep.png"],
            2,
            "error: nowhere/sweep.png: no such directory\n",
        ),
    ],
)
def test_misuse_and_bad_parameters(runner, logs, args, code, message):
    result = invoke(runner, args[0], "log.jsonl", "--rules", "rules.yaml", "--days", "2", *args[1:])
    assert result.exit_code == code
    assert result.stderr == message


def test_without_labels_the_sweep_still_reports_spend(runner, logs, write):
    write("plain.jsonl", "".join(record(i, None) + "\n" for i in range(1, 11)))
    base = ["plain.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2"]
    result = invoke(runner, "sweep", *base, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["quality"] is None and out["metrics"] is None
    assert out["note"].startswith("no request has quality labels; give records a top-level field")
    assert [p["expensive_share"] for p in out["points"]] == pytest.approx([0.9, 0.6, 0.5, 0.1])
    assert {p["under_routing_rate"] for p in out["points"]} == {None}

    chart = invoke(runner, "sweep", *base, "--chart", "sweep.png")
    assert chart.exit_code == 1
    assert chart.stderr.startswith("error: --chart plots spend against mean quality, which needs labels: no request")

    calibrated = invoke(runner, "calibrate", *base, "--max-under-routing", "0.1")
    assert calibrated.exit_code == 1
    assert calibrated.stderr == (
        "error: --max-under-routing needs quality labels in the logs; no sweep point has an under-routing\n"
    )


def test_a_bad_label_is_skipped_and_named(runner, logs, write):
    write("bad.jsonl", record(1, None, needed="premium") + "\n")
    result = invoke(runner, "sweep", "bad.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "1")
    assert result.exit_code == 0
    assert result.stderr == (
        "skipped the malformed outcome labels of 1 requests; first: request 'r1': "
        "label 'needed' is 'premium'; expected one of: cheap, expensive\n"
    )


def test_chart_and_html(runner, logs):
    pytest.importorskip("matplotlib")
    result = invoke(
        runner, "sweep", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2",
        "--chart", "sweep.png", "--html", "report.html",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote sweep.png\nwrote report.html\n"
    png = (logs / "sweep.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20], "big") == 800 and int.from_bytes(png[20:24], "big") == 500
    page = (logs / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert '<img alt="llmroute sweep: short.query.chars" src="data:image/png;base64,' in page
    assert '<tr class="current"><td>5 (current)</td><td>60.0%</td>' in page
    assert "<dt>APGR</dt>" in page
    assert "http" not in page  # self-contained


def test_html_without_labels_has_the_table_and_no_chart(runner, logs, write):
    write("plain.jsonl", "".join(record(i, None) + "\n" for i in range(1, 11)))
    result = invoke(
        runner, "sweep", "plain.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2", "--html", "r.html"
    )
    assert result.exit_code == 0, result.output
    page = (logs / "r.html").read_text(encoding="utf-8")
    assert "<img" not in page and "<td>5 (current)</td>" in page


def test_chart_without_matplotlib_is_a_clear_error(runner, logs, monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = invoke(
        runner, "sweep", "log.jsonl", "--rules", "rules.yaml", "--param", PARAM, "--days", "2", "--chart", "s.png"
    )
    assert result.exit_code == 1
    assert result.stderr == "error: charts need matplotlib; install it with: pip install matplotlib\n"
    assert not (logs / "s.png").exists()


def test_sweep_on_the_sample_log_agrees_with_simulate(runner, root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log, rules = str(root / "sample_data" / "chat_logs_small.jsonl"), str(root / "routes.yaml")
    swept = runner.invoke(
        app, ["sweep", log, "--rules", rules, "--param", "short-no-code.query.chars=100:300:100", "--format", "json"]
    )
    assert swept.exit_code == 0, swept.output
    out = json.loads(swept.stdout)
    assert [p["value"] for p in out["points"]] == [100, 200, 300]
    shares = [p["expensive_share"] for p in out["points"]]
    assert shares == sorted(shares, reverse=True)  # a longer "short" sends more requests cheap
    assert out["quality"]["scale"] == "correct" and out["metrics"]["apgr"] is not None
    simulated = runner.invoke(app, ["simulate", log, "--rules", rules, "--format", "json", "--bootstrap", "0"])
    assert simulated.exit_code == 0, simulated.output
    report = json.loads(simulated.stdout)
    now = next(p for p in out["points"] if p["current"])
    assert now["value"] == 200
    assert now["daily_cost_usd"] == pytest.approx(report["routed"]["daily_cost_usd"], rel=1e-12)
    assert now["expensive_share"] == pytest.approx(report["tiers"]["expensive"]["share"], rel=1e-12)


def test_sweep_takes_simulates_pricing_options(runner, root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log, rules = str(root / "sample_data" / "chat_logs_small.jsonl"), str(root / "routes.yaml")
    extra = ["--sample-rate", "0.25", "--cold-cache", "--output-ratio", "gpt-4o-mini=1.2"]
    swept = runner.invoke(
        app,
        [
            "sweep",
            log,
            "--rules",
            rules,
            "--param",
            "short-no-code.query.chars=200:200:100",
            "--format",
            "json",
            *extra,
        ],
    )
    assert swept.exit_code == 0, swept.output
    now = next(p for p in json.loads(swept.stdout)["points"] if p["current"])
    simulated = runner.invoke(app, ["simulate", log, "--rules", rules, "--format", "json", "--bootstrap", "0", *extra])
    assert now["daily_cost_usd"] == pytest.approx(json.loads(simulated.stdout)["routed"]["daily_cost_usd"], rel=1e-12)
    plain = runner.invoke(app, ["simulate", log, "--rules", rules, "--format", "json", "--bootstrap", "0"])
    assert now["daily_cost_usd"] != pytest.approx(json.loads(plain.stdout)["routed"]["daily_cost_usd"])
