"""The ``classifier:`` condition: parsed with located errors, the same decision on the scalar and the frame path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmroute_cli.classifier.fit import FitSettings, fit
from llmroute_cli.classifier.model import model_to_json
from llmroute_cli.classifier.predict import probabilities
from llmroute_cli.engine.router import Router
from llmroute_cli.errors import ConfigError
from llmroute_cli.rules.policy import load_policy

TIERS = {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mmlu_sample):
    rows = mmlu_sample
    texts = [r["messages"][0]["content"] for r in rows]
    needed = [r["correct"]["gpt-4o"] and not r["correct"]["gpt-4o-mini"] for r in rows]
    where = tmp_path_factory.mktemp("models")
    (where / "router.json").write_bytes(model_to_json(fit(texts, needed, FitSettings(), threshold=0.2)))
    return where


def rule_file(folder, when, name="routes.yaml") -> str:
    doc = {
        "version": 1,
        "tiers": TIERS,
        "default": "cheap",
        "rules": [{"name": "hard", "when": when, "route": "expensive"}],
    }
    path = folder / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def policy(folder, when):
    path = rule_file(folder, when)
    return load_policy(Path(path).read_text(), path)


def problems(folder, when) -> list[str]:
    with pytest.raises(ConfigError) as err:
        policy(folder, when)
    return [str(p) for p in err.value.problems]


def test_the_model_path_is_read_beside_the_rule_file(folder, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # not where the model is
    pol = policy(folder, {"classifier": {"model": "router.json", "gt": 0.6}})
    test = pol.rules[0].when
    assert test.label == "router.json: P(expensive) > 0.6"
    assert test.pred.path == str(folder / "router.json")


def test_without_a_comparison_the_models_own_threshold_holds(folder):
    test = policy(folder, {"classifier": {"model": "router.json"}}).rules[0].when
    assert (test.pred.op, test.pred.limit) == ("gte", 0.2)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"classifier": {"model": "router.json", "gt": 1.5}}, "'classifier' gt takes a probability between 0 and 1"),
        ({"classifier": {"model": "router.json", "gt": "high"}}, "takes a probability between 0 and 1, got a string"),
        (
            {"classifier": {"model": "router.json", "gtt": 0.5}},
            "unknown key 'gtt' for 'classifier' (did you mean 'gt'?)",
        ),
        ({"classifier": {"gt": 0.5}}, "'classifier' takes a mapping like {model: router.json, gt: 0.6}"),
        ({"classifier": {"model": "nope.json"}}, "nope.json: model file not found; train one with `llmroute train`"),
        ({"classifier": {"model": "router.pkl"}}, "refusing to load a .pkl file: pickles can run code"),
    ],
)
def test_bad_classifier_conditions_are_located(folder, when, message):
    found = problems(folder, when)
    assert len(found) == 1
    assert str(folder / "routes.yaml") + ":" in found[0]
    assert message in found[0] and "rule 'hard'" in found[0]


def test_a_tampered_model_is_a_rule_file_error_at_the_model_key(folder):
    bad = folder / "bad.json"
    bad.write_text((folder / "router.json").read_text().replace('"threshold"', '"thresh"'))
    (found,) = problems(folder, {"classifier": {"model": "bad.json", "gt": 0.5}})
    lines = (folder / "routes.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "model: bad.json" in text)
    assert found.startswith(f"{folder / 'routes.yaml'}:{line}:")
    assert "bad.json: top level: missing 'threshold'; retrain with `llmroute train`" in found


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80) | st.sampled_from(
    ["What is the capital of France?", "Prove that 2^n > n for every n", "def f(x): return x", ""]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=12), st.sampled_from(["gt", "gte", "lt", "lte"]), st.floats(0, 1))
def test_scalar_and_frame_paths_make_the_same_decision(folder, texts, op, limit):
    when = {"any": [{"classifier": {"model": "router.json", op: limit}}, {"query.chars": {"gt": 70}}]}
    router = Router(policy(folder, when))
    frame = router.route_frame(pd.DataFrame({"query": texts, "context": [None] * len(texts)}))
    scalar = [router.route(t).tier for t in texts]
    assert frame["tier"].astype(str).tolist() == scalar


def test_the_frame_path_predicts_in_one_batch_what_the_model_gives(folder):
    texts = ["What is 2+2?", "Derive the eigenvalues of a 3x3 rotation matrix.", "hi"] * 4
    router = Router(policy(folder, {"classifier": {"model": "router.json", "gte": 0.2}}))
    frame = router.route_frame(pd.DataFrame({"query": texts}))
    from llmroute_cli.classifier.model import load_model

    expected = probabilities(load_model(folder / "router.json"), texts) >= 0.2
    assert (frame["tier"].astype(str) == "expensive").tolist() == expected.tolist()


def test_the_explanation_shows_the_probability_and_the_threshold(folder):
    router = Router(policy(folder, {"classifier": {"model": "router.json", "gt": 0.25}}))
    query = "Derive the eigenvalues of a 3x3 rotation matrix."
    from llmroute_cli.classifier.model import load_model

    p = probabilities(load_model(folder / "router.json"), [query])[0]
    shown = router.explain(query).to_dict()
    text = repr(shown)
    assert "router.json: P(expensive) > 0.25" in text
    assert f"P(expensive) = {p:.3f}" in text


def test_shadowing_sees_a_narrower_probability_of_the_same_model(folder):
    from llmroute_cli.rules.implication import implies

    wide = policy(folder, {"classifier": {"model": "router.json", "gt": 0.3}}).rules[0].when
    narrow = policy(folder, {"classifier": {"model": "router.json", "gt": 0.6}}).rules[0].when
    assert implies(narrow, wide) and not implies(wide, narrow)
