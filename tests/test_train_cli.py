"""``llmroute train`` end to end: train, then route, simulate, sweep and check with the model it wrote."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import yaml
from routellm_reference import routellm_apgr

from llmroute_cli.classifier.model import load_model
from llmroute_cli.classifier.predict import probabilities
from llmroute_cli.cli import app

TIERS = {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, mmlu_sample):
    from typer.testing import CliRunner

    where = tmp_path_factory.mktemp("train")
    log = where / "labeled.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in mmlu_sample))
    rules = {"version": 1, "tiers": TIERS, "default": "cheap", "rules": []}
    (where / "base.yaml").write_text(yaml.safe_dump(rules))
    args = ["train", str(log), "--group-by", "metadata.subject", "-o", str(where / "router.json")]
    args += ["--rules", str(where / "base.yaml"), "--seed", "2"]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0, table.output
    report = CliRunner().invoke(app, [*args, "--format", "json"])
    assert report.exit_code == 0, report.output
    return where, table.stdout, json.loads(report.stdout)


def needed(r):
    return r["correct"]["gpt-4o"] and not r["correct"]["gpt-4o-mini"]


def test_the_report_compares_four_routers_on_held_out_subjects(trained, mmlu_sample):
    _, table, report = trained
    for name in ("classifier", "length rule", "random", "oracle", "all cheap"):
        assert name in table
    assert "Held out by metadata.subject" in table and "On test, the classifier " in table
    (test,) = report["evaluations"]
    held = set(report["training"]["split"]["test_groups"])
    rows = [r for r in mmlu_sample if r["metadata"]["subject"] in held]
    assert test["rows"] == len(rows) and test["needed_expensive"] == sum(map(needed, rows))
    assert set(report["training"]["split"]["validation_groups"]).isdisjoint(held)
    assert report["train_rows"] + report["training"]["split"]["rows"]["validation"] + len(rows) == len(mmlu_sample)


def test_the_classifiers_apgr_is_recomputed_from_the_model_file(trained, mmlu_sample):
    where, _, report = trained
    held = set(report["training"]["split"]["test_groups"])
    rows = [r for r in mmlu_sample if r["metadata"]["subject"] in held]
    model = load_model(where / "router.json")
    p = probabilities(model, [r["messages"][0]["content"] for r in rows])
    qc = [float(r["correct"]["gpt-4o-mini"]) for r in rows]
    qe = [float(r["correct"]["gpt-4o"]) for r in rows]
    shown = report["evaluations"][0]["routers"]["classifier"]
    assert shown["apgr"]["value"] == pytest.approx(routellm_apgr(qc, qe, p.tolist()), abs=1e-9)
    sent = p >= model.threshold
    assert shown["expensive_share"] == pytest.approx(sent.mean())
    flags = np.array([needed(r) for r in rows])
    assert shown["under_routing"] == pytest.approx((flags & ~sent).sum() / (~sent).sum())
    length = report["evaluations"][0]["routers"]["length rule"]
    chars = [len(r["messages"][0]["content"]) for r in rows]
    assert length["apgr"]["value"] == pytest.approx(routellm_apgr(qc, qe, chars), abs=1e-9)


def test_the_threshold_was_chosen_on_validation(trained, mmlu_sample):
    where, _, report = trained
    held = set(report["training"]["split"]["validation_groups"])
    rows = [r for r in mmlu_sample if r["metadata"]["subject"] in held]
    model = load_model(where / "router.json")
    p = probabilities(model, [r["messages"][0]["content"] for r in rows])
    assert model.threshold in p.tolist()  # one of the validation scores
    assert report["validation_expensive_share"] == pytest.approx((p >= model.threshold).mean())
    base = sum(map(needed, rows)) / len(rows)
    assert abs((p >= model.threshold).mean() - base) <= 1.5 / len(rows) + 1e-9 or len(set(p.tolist())) < len(p)


def test_the_model_file_records_its_data_and_its_held_out_metrics(trained):
    where, _, report = trained
    doc = json.loads((where / "router.json").read_text())
    assert doc["format"] == "llmroute-classifier" and doc["schema_version"] == 1 and doc["kind"] == "logistic"
    assert len(doc["training"]["sha256"]) == 64 and doc["training"]["rows"] == 240
    stored, shown = doc["metrics"]["test"]["routers"]["classifier"]["apgr"], report["evaluations"][0]["routers"]["classifier"]["apgr"]
    assert stored.keys() == shown.keys()
    assert all(stored[k] == pytest.approx(shown[k], rel=1e-14) for k in stored)  # the report prints 15 digits
    assert doc["threshold"] == pytest.approx(report["threshold"], rel=1e-14)


def test_route_simulate_sweep_and_check_use_the_model(trained, runner, mmlu_sample):
    where, _, _ = trained
    rules = {
        "version": 1,
        "tiers": TIERS,
        "default": "cheap",
        "rules": [{"name": "hard", "when": {"classifier": {"model": "router.json", "gt": 0.3}}, "route": "expensive"}],
    }
    path = where / "clf.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    query = mmlu_sample[0]["messages"][0]["content"]
    p = probabilities(load_model(where / "router.json"), [query])[0]
    routed = runner.invoke(app, ["route", query, "--rules", str(path)])
    assert routed.exit_code == 0, routed.output
    assert "router.json: P(expensive) > 0.3" in routed.stdout and f"P(expensive) = {p:.3f}" in routed.stdout
    assert routed.stdout.startswith("expensive" if p > 0.3 else "cheap")

    log = where / "labeled.jsonl"
    sim = runner.invoke(app, ["simulate", str(log), "--rules", str(path), "--format", "json", "--days", "1"])
    assert sim.exit_code == 0, sim.output
    hits = {name: r["queries"] for name, r in json.loads(sim.stdout)["rules"].items()}
    all_p = probabilities(load_model(where / "router.json"), [r["messages"][0]["content"] for r in mmlu_sample])
    assert hits["hard"] == int((all_p > 0.3).sum())

    swept = runner.invoke(
        app,
        [
            "sweep",
            str(log),
            "--rules",
            str(path),
            "--param",
            "hard.classifier=0.1:0.5:0.2",
            "--format",
            "json",
            "--days",
            "1",
        ],
    )
    assert swept.exit_code == 0, swept.output
    shares = [point["expensive_share"] for point in json.loads(swept.stdout)["points"]]
    assert shares == pytest.approx([(all_p > t).mean() for t in (0.1, 0.3, 0.5)])

    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0 and f"{path}: ok (1 rule" in checked.stdout


def test_check_locates_a_tampered_model_in_the_rule_file(trained, runner, tmp_path):
    where, _, _ = trained
    shutil.copy(where / "router.json", tmp_path / "router.json")
    doc = json.loads((tmp_path / "router.json").read_text())
    doc["logistic"]["coef"] = doc["logistic"]["coef"][:-3]
    (tmp_path / "router.json").write_text(json.dumps(doc))
    rules = {
        "tiers": TIERS,
        "default": "cheap",
        "rules": [{"name": "hard", "when": {"classifier": {"model": "router.json"}}, "route": "expensive"}],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    result = runner.invoke(app, ["check", str(tmp_path / "r.yaml")])
    assert result.exit_code == 1
    line = next(i for i, t in enumerate((tmp_path / "r.yaml").read_text().splitlines(), 1) if "model: router.json" in t)
    assert f"{tmp_path / 'r.yaml'}:{line}:" in result.stdout
    assert "router.json: logistic.coef: has" in result.stdout and "retrain with `llmroute train`" in result.stdout
    assert "Traceback" not in result.output


def test_knn_writes_its_vectors_beside_the_model(trained, runner, tmp_path):
    where, _, _ = trained
    out = tmp_path / "knn.json"
    args = ["train", str(where / "labeled.jsonl"), "--group-by", "metadata.subject", "-o", str(out)]
    result = runner.invoke(app, [*args, "--kind", "knn", "--neighbors", "5", "--rules", str(where / "base.yaml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "knn.npz").is_file()
    model = load_model(out)
    assert model.kind == "knn" and model.neighbours.k == 5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--group-by: the labeled records have no timestamps and come from one file"),
        (["--group-by", "subject"], "--group-by: expected metadata.KEY, file, time or random, got 'subject'"),
        (
            ["--group-by", "metadata.subject", "--target-expensive-share", "1.5"],
            "--target-expensive-share is a share from 0 to 1 or 0% to 100%, got 1.5",
        ),
        (["--group-by", "metadata.subject", "--features", "length"], "--features: expected word and/or char"),
    ],
)
def test_train_explains_bad_options(trained, runner, tmp_path, extra, message):
    where, _, _ = trained
    args = ["train", str(where / "labeled.jsonl"), "-o", str(tmp_path / "m.json"), "--rules", str(where / "base.yaml")]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert message in result.stderr
    assert not (tmp_path / "m.json").exists()


def test_train_refuses_pickle_names_and_overwriting_its_input(trained, runner, tmp_path):
    where, _, _ = trained
    log = str(where / "labeled.jsonl")
    pkl = runner.invoke(app, ["train", log, "-o", str(tmp_path / "m.pkl"), "--group-by", "metadata.subject"])
    assert pkl.exit_code == 2 and "the model is JSON; name it like router.json" in pkl.stderr
    over = runner.invoke(app, ["train", log, "-o", log, "--group-by", "metadata.subject"])
    assert over.exit_code == 2 and "would overwrite an input file" in over.stderr


def test_logs_without_labels_are_too_few_to_train_on(runner, root, tmp_path):
    log = tmp_path / "plain.jsonl"
    log.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    result = runner.invoke(app, ["train", str(log), "-o", str(tmp_path / "m.json"), "--group-by", "metadata.app"])
    assert result.exit_code == 1
    assert "0 labeled queries (needed, correct, scores or judge); training needs at least 20" in result.stderr


def test_a_group_field_no_record_has_is_named(trained, runner, tmp_path):
    where, _, _ = trained
    args = ["train", str(where / "labeled.jsonl"), "-o", str(tmp_path / "m.json"), "--group-by", "metadata.task"]
    result = runner.invoke(app, [*args, "--rules", str(where / "base.yaml")])
    assert result.exit_code == 1
    assert "240 labeled queries have no metadata.task to hold them out by and 0 have one" in result.stderr


def test_a_test_file_without_labels_is_refused(trained, runner, tmp_path):
    where, _, _ = trained
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    args = ["train", str(where / "labeled.jsonl"), "-o", str(tmp_path / "m.json"), "--group-by", "metadata.subject"]
    result = runner.invoke(app, [*args, "--test", str(plain), "--rules", str(where / "base.yaml")])
    assert result.exit_code == 1
    assert f"--test {plain}: no labeled queries (needed, correct, scores or judge) to test on" in result.stderr
    assert not (tmp_path / "m.json").exists()
