"""LiteLLM's S3/GCS per-request JSON files (StandardLoggingPayload): a directory, one file, or a glob."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

S3 = "tests/fixtures/litellm_s3"
ONE = f"{S3}/2026-12-01/time-11-00-00-500000_chatcmpl-2.json"
# gpt-4o-mini $0.15/$0.60 and gpt-4o $2.50/$10.00 per 1M input/output tokens; each call stays on its model.
CHEAP = 28 * 0.15 / 1e6 + 41 * 0.60 / 1e6  # "How do I reset my password?" (short-no-code)
CODE = 36 * 2.50 / 1e6 + 212 * 10.00 / 1e6  # a ```python fence (code)
REFACTOR = 61 * 2.50 / 1e6 + 480 * 10.00 / 1e6  # "Please refactor ..." (code)


def simulate(runner, root, monkeypatch, *logs):
    monkeypatch.chdir(root)
    result = runner.invoke(
        app, ["simulate", *logs, "--days", "1", "--rules", "routes.yaml", "--format", "json", "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("given", [S3, f"{S3}/", f"{S3}/**/*.json"])
def test_a_directory_or_glob_of_payload_files_is_simulated_with_exact_costs(runner, root, monkeypatch, given):
    report = simulate(runner, root, monkeypatch, given)
    assert report["queries"] == 3
    assert report["tiers"]["cheap"]["cost_usd"] == pytest.approx(CHEAP, rel=1e-12)
    assert report["tiers"]["expensive"]["cost_usd"] == pytest.approx(CODE + REFACTOR, rel=1e-12)
    assert (report["tiers"]["cheap"]["input_tokens"], report["tiers"]["expensive"]["output_tokens"]) == (28, 692)
    assert report["period"]["start"] == "2026-12-01T10:00:00.250000Z"
    assert report["period"]["end"] == "2026-12-01T12:00:00.250000Z"
    assert report["input"]["ignored"] == {"LiteLLM logged a failed call (status: failure)": 1}
    assert len(report["input"]["files"]) == 4


def test_one_payload_file_is_one_request(runner, root, monkeypatch):
    report = simulate(runner, root, monkeypatch, ONE)
    assert report["queries"] == 1
    assert report["rules"]["code"]["cost_usd"] == pytest.approx(CODE, rel=1e-12)


def test_messages_as_json_text_and_a_payload_without_messages(runner, tmp_path, root):
    record = json.loads((root / ONE).read_text("utf-8"))
    record["messages"] = json.dumps(record["messages"])
    bare = {**record, "id": "chatcmpl-9", "messages": None}
    (tmp_path / "a.json").write_text(json.dumps(record) + "\n" + json.dumps(bare) + "\n", encoding="utf-8")
    args = [
        "simulate",
        str(tmp_path / "a.json"),
        "--rules",
        str(root / "routes.yaml"),
        "--format",
        "json",
        "--days",
        "1",
    ]
    result = runner.invoke(app, [*args, "--bootstrap", "0", "--strict"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 'a.json'}:2: no messages logged (LiteLLM leaves them out with turn_off_message_logging)\n"
    )
    report = json.loads(runner.invoke(app, [*args, "--bootstrap", "0"]).stdout)
    assert report["queries"] == 1
    assert report["rules"]["code"]["cost_usd"] == pytest.approx(CODE, rel=1e-12)


def test_an_empty_directory_is_named(runner, tmp_path):
    (tmp_path / "logs").mkdir()
    result = runner.invoke(app, ["simulate", str(tmp_path / "logs")])
    assert (result.exit_code, result.stderr) == (2, f"error: {tmp_path / 'logs'}: the directory holds no files\n")
