"""Cascade tiers: the cheap model first, the expensive one when the logged escalation signal says so."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.errors import ConfigError
from llmroute_cli.rules.policy import load_policy

PRICE = {"gpt-4o": (2.50, 10.00), "gpt-4o-mini": (0.15, 0.60)}  # USD per 1M input / output tokens
RULES = """\
tiers:
  cheap: gpt-4o-mini
  expensive: gpt-4o
  try-cheap: {cascade: [cheap, expensive], escalate: {metadata.confidence: {lt: 8}}}
default: try-cheap
rules:
  - name: code
    when: {query: {contains: "def "}}
    route: expensive
"""
# (query, prompt tokens, completion tokens, confidence or None, gpt-4o correct, gpt-4o-mini correct)
REQUESTS = [
    ("hello", 100, 50, 9, True, True),
    ("a hard one", 1000, 200, 3, True, False),
    ("def f(x): ...", 500, 100, None, True, True),
    ("no signal", 300, 30, None, False, False),
    ("unsure but fine", 200, 40, 7, True, True),
]


def cost(model: str, tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * PRICE[model][0] + tokens_out * PRICE[model][1]) / 1e6


@pytest.fixture
def files(tmp_path):
    (tmp_path / "r.yaml").write_text(RULES)
    records = []
    for i, (q, pin, pout, conf, e, c) in enumerate(REQUESTS):
        r = {"id": f"r{i}", "model": "gpt-4o", "messages": [{"role": "user", "content": q}]}
        r |= {"usage": {"prompt_tokens": pin, "completion_tokens": pout}, "correct": {"gpt-4o": e, "gpt-4o-mini": c}}
        if conf is not None:
            r["metadata"] = {"confidence": conf}
        records.append(r)
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path


def simulate(runner, files, *extra):
    args = ["simulate", str(files / "log.jsonl"), "--rules", str(files / "r.yaml"), "--days", "1", "--format", "json"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_escalated_requests_pay_for_both_calls(runner, files):
    report = simulate(runner, files)
    rules = report["rules"]
    # Escalated (confidence < 8): "a hard one" and "unsure but fine": the cheap call, then the expensive one.
    escalated = sum(cost("gpt-4o-mini", p, o) + cost("gpt-4o", p, o) for _, p, o, c, *_ in REQUESTS if c and c < 8)
    kept = cost("gpt-4o-mini", 100, 50) + cost("gpt-4o-mini", 300, 30)  # confident, or no signal: cheap only
    assert rules["(default) (escalated)"]["queries"] == 2 and rules["(default)"]["queries"] == 2
    assert rules["(default) (escalated)"]["cost_usd"] == pytest.approx(escalated, rel=1e-12)
    assert rules["(default)"]["cost_usd"] == pytest.approx(kept, rel=1e-12)
    assert report["routed"]["cost_usd"] == pytest.approx(escalated + kept + cost("gpt-4o", 500, 100), rel=1e-12)


def test_quality_is_the_escalated_tiers_outcome_on_escalated_requests(runner, files):
    quality = simulate(runner, files)["quality"]["quality"]["correct"]
    # Routed: hello cheap (right), hard expensive (right), code expensive (right), no signal cheap (wrong),
    # unsure expensive (right): 4 of 5. All cheap 3 of 5, all expensive 4 of 5.
    assert quality["routed"] == pytest.approx(4 / 5)
    assert quality["all_cheap"] == pytest.approx(3 / 5) and quality["all_expensive"] == pytest.approx(4 / 5)


def test_the_escalation_threshold_sweeps_like_any_other(runner, files):
    args = ["sweep", str(files / "log.jsonl"), "--rules", str(files / "r.yaml"), "--days", "1", "--format", "json"]
    result = runner.invoke(app, [*args, "--param", "(default) (escalated).metadata.confidence=2:10:4"])
    assert result.exit_code == 0, result.output
    shares = [p["expensive_share"] for p in json.loads(result.stdout)["points"]]
    # Values 2, 6, 8 (the file's own) and 10; code always goes expensive; confidence below 2 escalates none,
    # below 6 the 3, below 8 the 3 and the 7, below 10 the 9 as well.
    assert shares == [1 / 5, 2 / 5, 3 / 5, 4 / 5]


def test_route_explains_the_cascade(runner, files):
    result = runner.invoke(app, ["route", "hi", "--rules", str(files / "r.yaml"), "--metadata", '{"confidence": 5}'])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("expensive → gpt-4o   rule: (default) (escalated)")
    assert "cascade 'try-cheap': cheap first; escalate to expensive when metadata.confidence < 8" in result.stdout
    calm = runner.invoke(app, ["route", "hi", "--rules", str(files / "r.yaml"), "--metadata", '{"confidence": 9}'])
    assert calm.stdout.startswith("cheap → gpt-4o-mini")


def test_a_rule_routed_to_a_cascade_is_expanded_in_place():
    text = RULES.replace("default: try-cheap", "default: cheap").replace("route: expensive", "route: try-cheap")
    policy = load_policy(text, "r.yaml")
    assert [(r.name, r.tier, r.first) for r in policy.rules] == [
        ("code (escalated)", "expensive", "cheap"),
        ("code", "cheap", None),
    ]
    assert policy.default == "cheap" and set(policy.tiers) == {"cheap", "expensive"}


@pytest.mark.parametrize(
    ("cascade", "message"),
    [
        ("{cascade: [cheap], escalate: {metadata.x: 1}}", "cascade tier 'try-cheap' needs 'cascade: [FIRST, THEN]'"),
        ("{cascade: [cheap, cheap], escalate: {metadata.x: 1}}", "two different model tiers of: cheap, expensive"),
        ("{cascade: [cheap, expensive]}", "cascade tier 'try-cheap' needs 'escalate'"),
        ("{cascade: [cheap, expensive], escalate: {qeury: x}}", "unknown field 'qeury' (did you mean 'query'?)"),
        (
            "{cascade: [cheap, expensive], escalate: {metadata.x: 1}, then: x}",
            "unknown key of cascade tier 'try-cheap' 'then'",
        ),
    ],
)
def test_bad_cascades_are_located(cascade, message):
    text = RULES.replace("{cascade: [cheap, expensive], escalate: {metadata.confidence: {lt: 8}}}", cascade)
    with pytest.raises(ConfigError) as err:
        load_policy(text, "r.yaml")
    found = [str(p) for p in err.value.problems]
    assert any(message in p and p.startswith("r.yaml:4:") for p in found), found


def test_the_schema_accepts_a_cascade_tier():
    import jsonschema
    import yaml

    from llmroute_cli.rules.schema import rule_file_schema

    jsonschema.validate(yaml.safe_load(RULES), rule_file_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(RULES.replace("escalate:", "escalates:")), rule_file_schema())


def test_spend_and_quality_under_assumed_verifier_error(runner, files):
    (cascade,) = simulate(runner, files, "--verifier-error", "0.1,0.4")["cascades"]
    assert (cascade["rule"], cascade["first"], cascade["then"], cascade["escalated"], cascade["kept"]) == (
        "(default)",
        "cheap",
        "expensive",
        2,
        2,
    )
    escalated = [(p, o) for _, p, o, c, *_ in REQUESTS if c and c < 8]  # "a hard one", "unsure but fine"
    kept = [(100, 50), (300, 30)]  # "hello" (confidence 9) and "no signal" (the code request has its own rule)
    first = sum(cost("gpt-4o-mini", p, o) for p, o in escalated + kept)
    then_escalated = sum(cost("gpt-4o", p, o) for p, o in escalated)
    then_kept = sum(cost("gpt-4o", p, o) for p, o in kept)
    code = cost("gpt-4o", 500, 100)
    for s in cascade["scenarios"]:
        e = s["verifier_error"]
        assert s["daily_cost_usd"] == pytest.approx(code + first + (1 - e) * then_escalated + e * then_kept, rel=1e-12)
    # Accuracy: measured 4/5 against all cheap 3/5 and all expensive 4/5 (gap recovered 1). A wrong escalation
    # leaves "a hard one" on the cheap model (right only on gpt-4o) with probability e: mean 4/5 - e/5.
    gaps = [s["gap_recovered"]["correct"] for s in cascade["scenarios"]]
    assert gaps == pytest.approx([(4 / 5 - e / 5 - 3 / 5) / (1 / 5) for e in (0.0, 0.1, 0.4)])


def test_verifier_error_must_be_shares(runner, files):
    args = ["simulate", str(files / "log.jsonl"), "--rules", str(files / "r.yaml"), "--days", "1"]
    bad = runner.invoke(app, [*args, "--verifier-error", "0.5,2"])
    assert bad.exit_code == 2 and "--verifier-error takes shares from 0 to 1, got 0.5,2" in bad.stderr
    worse = runner.invoke(app, [*args, "--verifier-error", "often"])
    assert worse.exit_code == 2 and "--verifier-error takes comma-separated shares" in worse.stderr
