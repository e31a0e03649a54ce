"""The classifier's model file (plain JSON, validated) and its predictions, against scikit-learn fitted directly."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from llmroute_cli.classifier.fit import FitSettings, fit
from llmroute_cli.classifier.model import load_model, model_from_json, model_to_json, vectors_archive
from llmroute_cli.classifier.predict import probabilities, probability
from llmroute_cli.errors import LlmrouteError


@pytest.fixture(scope="module")
def data(mmlu_sample):
    rows = mmlu_sample
    texts = [r["messages"][0]["content"] for r in rows]
    needed = [r["correct"]["gpt-4o"] and not r["correct"]["gpt-4o-mini"] for r in rows]
    return texts, needed


def test_logistic_probabilities_are_scikit_learns_own_pipeline(data):
    """The model file rebuilt into TfidfVectorizer + LogisticRegression gives what sklearn fitted gives."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, needed = data
    model = fit(texts, needed, FitSettings(features=("word", "char")))
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=20000)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2, max_features=20000)
    x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
    expected = LogisticRegression(max_iter=5000).fit(x, needed).predict_proba(x)[:, 1]
    reloaded = model_from_json(model_to_json(model), "router.json")
    assert np.allclose(probabilities(reloaded, texts), expected, rtol=0, atol=1e-9)


def test_one_query_gets_the_probability_the_batch_gives(data):
    texts, needed = data
    model = fit(texts, needed, FitSettings())
    batch = probabilities(model, texts[:25])
    assert [probability(model, t) for t in texts[:25]] == batch.tolist()


def test_knn_round_trip_through_json_and_npz(tmp_path, data):
    texts, needed = data
    model = fit(texts, needed, FitSettings(kind="knn", neighbors=7))
    archive = vectors_archive(model)
    (tmp_path / "router.npz").write_bytes(archive)
    (tmp_path / "router.json").write_bytes(model_to_json(model, "router.npz", hashlib.sha256(archive).hexdigest()))
    loaded = load_model(tmp_path / "router.json")
    got = probabilities(loaded, texts[:40])
    assert np.array_equal(got, probabilities(model, texts[:40]))
    assert set(np.round(got * 7).astype(int)) <= set(range(8))  # a share of 7 neighbours


def test_a_router_needs_both_kinds_of_query():
    with pytest.raises(LlmrouteError, match="every one of the 3 training queries needed the cheap tier"):
        fit(["a b", "c d", "e f"], [False, False, False], FitSettings())


@pytest.fixture
def model_file(tmp_path, data):
    texts, needed = data
    path = tmp_path / "router.json"
    path.write_bytes(model_to_json(fit(texts[:60], needed[:60], FitSettings(features=("word", "length")))))
    return path


def edit(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["logistic"]["coef"].pop(), r"logistic\.coef: has \d+ numbers; expected \d+"),
        (lambda d: d["logistic"].__setitem__("intercept", "1"), r"logistic\.intercept: expected a number, got str"),
        (lambda d: d.__setitem__("threshold", 1.5), r"threshold: expected a probability between 0 and 1, got 1\.5"),
        (lambda d: d.__setitem__("format", "other"), r"format: expected 'llmroute-classifier'"),
        (lambda d: d["features"]["text"][0]["idf"].append(1.0), r"features\.text\[0\]"),
        (lambda d: d["logistic"]["coef"].__setitem__(0, None), r"logistic\.coef: expected a list of finite numbers"),
    ],
)
def test_a_tampered_model_file_gives_a_located_error(model_file, change, message):
    edit(model_file, change)
    with pytest.raises(LlmrouteError, match=rf"^{model_file}: {message}.*retrain with `llmroute train`"):
        load_model(model_file)


def test_a_truncated_model_file_says_so_with_line_and_column(model_file):
    cut = model_file.read_bytes()[:5000]
    model_file.write_bytes(cut)
    line = cut.count(b"\n") + 1
    with pytest.raises(LlmrouteError, match=rf"^{model_file}:{line}:\d+: not valid JSON \(the file looks truncated\)"):
        load_model(model_file)


def test_a_newer_schema_asks_for_a_newer_llmroute(model_file):
    edit(model_file, lambda d: d.__setitem__("schema_version", 99))
    with pytest.raises(LlmrouteError, match="schema_version 99: written by a newer llmroute; upgrade llmroute"):
        load_model(model_file)


@pytest.mark.parametrize("suffix", [".pkl", ".joblib", ".pt", ".pickle"])
def test_pickles_are_refused_by_name_without_being_read(tmp_path, suffix):
    path = tmp_path / f"router{suffix}"
    path.write_bytes(b"\x80\x04not read")
    with pytest.raises(LlmrouteError, match=rf"refusing to load a \{suffix} file: pickles can run code"):
        load_model(path)


def test_knn_vectors_that_do_not_match_their_hash_are_refused(tmp_path, data):
    texts, needed = data
    model = fit(texts, needed, FitSettings(kind="knn", neighbors=3))
    archive = vectors_archive(model)
    (tmp_path / "router.json").write_bytes(model_to_json(model, "router.npz", hashlib.sha256(archive).hexdigest()))
    (tmp_path / "router.npz").write_bytes(archive[:-10] + b"0123456789")
    with pytest.raises(
        LlmrouteError, match=r"router\.json: its kNN vectors router\.npz do not match the sha256 it records"
    ):
        load_model(tmp_path / "router.json")


def test_a_missing_model_file_says_how_to_make_one(tmp_path):
    with pytest.raises(LlmrouteError, match=r"router\.json: model file not found; train one with `llmroute train`"):
        load_model(tmp_path / "router.json")
