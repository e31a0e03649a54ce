"""Metadata from where each log shape keeps it, ``--metadata-field NAME=PATH``, and ``check --logs`` on absent paths."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llmroute_cli.cli import app
from llmroute_cli.logs import ReadOptions, ReadStats, read_logs
from llmroute_cli.logs import reader as reader_module
from llmroute_cli.logs.chat_columns import chat_columns

RULES = """\
version: 1
tiers:
  cheap: gpt-4o-mini
  expensive: gpt-4o
default: cheap
rules:
  - name: premium
    when:
      metadata.plan: {eq: premium}
    route: expensive
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "routes.yaml"
    path.write_text(RULES)
    return path


def premium_hits(runner, rules, log, *args):
    result = runner.invoke(app, ["simulate", str(log), "--rules", str(rules), "--format", "json", "--days", "1", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rules"].get("premium", {}).get("queries", 0)


def chat(i, plan):
    return {
        "id": f"c{i}",
        "created": 1_767_225_600 + i,
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": f"question {i}"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2},
        "user": {"plan": plan, "seats": i},
    }


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_chat_log_field_mapped_to_metadata(runner, rules, tmp_path):
    log = write_jsonl(tmp_path / "chat.jsonl", [chat(i, "premium" if i % 3 == 0 else "free") for i in range(9)])
    assert premium_hits(runner, rules, log) == 0
    assert premium_hits(runner, rules, log, "--metadata-field", "plan=user.plan") == 3


def read(path, columnar, monkeypatch, fields):
    used: list[bool] = []

    def counted(block, given=(), sized_only=frozenset()):
        columns = chat_columns(block, given, sized_only)
        used.append(columns is not None)
        return columns

    with monkeypatch.context() as patch:
        patch.setattr(reader_module, "chat_columns", counted if columnar else lambda *args: None)
        frames = list(read_logs([str(path)], ReadOptions(metadata_fields=fields), ReadStats()))
    return pd.concat(frames, ignore_index=True), used


ODD = {**chat(9, "premium"), "user": {"plan": ["premium"]}}  # a list: the columns cannot give it exactly


@pytest.mark.parametrize(
    ("records", "columnar", "plans"),
    [
        ([chat(i, "premium" if i % 2 else "free") for i in range(4)], True, ["free", "premium", "free", "premium"]),
        (
            [
                chat(0, "premium"),
                {**chat(1, "x"), "user": None},
                {k: v for k, v in chat(2, "x").items() if k != "user"},
            ],
            True,
            ["premium", None, None],
        ),
        ([chat(0, "premium"), ODD], False, ["premium", ["premium"]]),
    ],
)
def test_the_columnar_reader_maps_fields_as_the_record_reader_does(tmp_path, monkeypatch, records, columnar, plans):
    path = write_jsonl(tmp_path / "chat.jsonl", records)
    fields = (("plan", "user.plan"), ("seats", "user.seats"))
    fast, used = read(path, True, monkeypatch, fields)
    slow, _ = read(path, False, monkeypatch, fields)
    pd.testing.assert_frame_equal(fast, slow)
    assert used == [columnar]
    assert [m and m["plan"] for m in fast["metadata"]] == plans


def spend_log(i, plan):
    return {
        "request_id": f"chatcmpl-{i}",
        "call_type": "acompletion",
        "spend": 0.0001,
        "startTime": "2025-05-01T12:00:00Z",
        "endTime": "2025-05-01T12:00:01Z",
        "model": "gpt-4o-mini",
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "user": "u-1",
        "team_id": "team-search",
        "metadata": {"user_api_key_alias": "web", "user_api_key_metadata": {"plan": plan}},
        "messages": [{"role": "user", "content": "hello"}],
    }


def test_litellm_reads_the_keys_metadata_and_its_columns(runner, rules, tmp_path):
    log = write_jsonl(tmp_path / "spend.jsonl", [spend_log(0, "premium"), spend_log(1, "free")])
    assert premium_hits(runner, rules, log) == 1
    assert premium_hits(runner, rules, log, "--metadata-field", "plan=metadata.user_api_key_metadata.plan") == 1
    frame = pd.concat(read_logs([str(log)]))
    assert frame.iloc[0]["metadata"]["team_id"] == "team-search" and frame.iloc[0]["metadata"]["user"] == "u-1"


def test_csv_metadata_columns_and_parquet_fields(runner, rules, tmp_path):
    csv = tmp_path / "log.csv"
    csv.write_text(
        "query,model,prompt_tokens,completion_tokens,metadata.plan\nhi,gpt-4o-mini,5,1,premium\nyo,gpt-4o-mini,5,1,free\n"
    )
    assert premium_hits(runner, rules, csv) == 1
    parquet = tmp_path / "log.parquet"
    data = {"query": ["a", "b", "c"], "model": ["gpt-4o-mini"] * 3, "input_tokens": [5] * 3, "output_tokens": [1] * 3}
    pd.DataFrame({**data, "plan_name": ["premium", "premium", None]}).to_parquet(parquet)
    assert premium_hits(runner, rules, parquet) == 0
    assert premium_hits(runner, rules, parquet, "--metadata-field", "plan=plan_name") == 2


SPAN = {
    "name": "chat gpt-4o-mini",
    "context": {"trace_id": "0x5b8aa5a2d2c872e8321cf37308d69df2", "span_id": "0x051581bf3cb55c13"},
    "start_time": "2025-05-01T12:00:00Z",
    "end_time": "2025-05-01T12:00:01Z",
    "attributes": {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Count orders per day.",
        "gen_ai.usage.input_tokens": 25,
        "gen_ai.usage.output_tokens": 40,
        "user.id": "u-9",
        "app.plan": "premium",
    },
}


def test_otel_span_attributes_are_metadata(runner, rules, tmp_path):
    log = write_jsonl(tmp_path / "spans.jsonl", [SPAN])
    frame = pd.concat(read_logs([str(log)]))
    assert frame.iloc[0]["metadata"] == {
        "gen_ai": {
            "system": "openai",
            "request": {"model": "gpt-4o-mini"},
            "usage": {"input_tokens": 25, "output_tokens": 40},
        },
        "user": {"id": "u-9"},
        "app": {"plan": "premium"},
    }
    assert premium_hits(runner, rules, log) == 0
    assert premium_hits(runner, rules, log, "--metadata-field", "plan=attributes.app.plan") == 1


def check(runner, rules, log, *args):
    return runner.invoke(app, ["check", str(rules), "--logs", str(log), *args])


def test_check_logs_warns_at_a_condition_on_a_path_no_request_has(runner, rules, tmp_path):
    records = [{**chat(i, "x"), "metadata": {"tier": "gold", "account": {"id": f"a{i}"}}} for i in range(3)]
    log = write_jsonl(tmp_path / "chat.jsonl", records)
    result = check(runner, rules, log)
    assert result.exit_code == 0, result.output
    assert (
        f"{rules}:9:22: warning: rule 'premium' tests metadata.plan, which no logged request has; the logs have: "
        "metadata.account, metadata.account.id, metadata.tier (map a field with --metadata-field NAME=PATH)"
    ) in result.stdout.splitlines()
    mapped = check(runner, rules, log, "--metadata-field", "plan=user.plan")
    assert "tests metadata.plan" not in mapped.stdout and mapped.exit_code == 0
    assert check(runner, rules, log, "--strict").exit_code == 1


def test_check_logs_says_when_the_logs_carry_no_metadata(runner, rules, tmp_path):
    log = write_jsonl(tmp_path / "chat.jsonl", [{k: v for k, v in chat(0, "x").items() if k != "user"}])
    lines = check(runner, rules, log).stdout.splitlines()
    assert f"{rules}:9:22: warning: rule 'premium' tests metadata.plan, which no logged request has; the logs carry " \
        "no metadata (map a field with --metadata-field NAME=PATH)" in lines  # fmt: skip


def test_diff_takes_metadata_fields(runner, rules, tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(RULES.split("rules:")[0] + "rules: []\n")
    log = write_jsonl(tmp_path / "chat.jsonl", [chat(i, "premium" if i < 2 else "free") for i in range(5)])
    args = ["diff", str(old), str(rules), "--logs", str(log), "--format", "json", "--days", "1"]
    args += ["--metadata-field", "plan=user.plan"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    moved = {"from": "cheap", "to": "expensive", "queries": 2, "share": 0.4}
    assert moved in json.loads(result.stdout)["transitions"]


COMMANDS = [["simulate"], ["diff"], ["compare"], ["sweep"], ["calibrate"], ["check"], ["sample"], ["train"]]
COMMANDS += [["batch", kind] for kind in ("answers", "confidence", "classify", "judge")]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_that_reads_logs_takes_metadata_field(runner, command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "--metadata-field" in result.stdout


@pytest.mark.parametrize("value", ["plan", "=user.plan", "plan=", "my.plan=user.plan"])
def test_a_malformed_metadata_field_is_a_usage_error(runner, rules, tmp_path, value):
    log = write_jsonl(tmp_path / "chat.jsonl", [chat(0, "premium")])
    result = runner.invoke(app, ["simulate", str(log), "--rules", str(rules), "--metadata-field", value])
    assert result.exit_code == 2
    assert (
        f"--metadata-field takes NAME=DOTTED.PATH (e.g. plan=user_api_key_metadata.plan), got '{value}'"
        in result.output
    )


def test_a_metadata_name_given_twice_is_a_usage_error(runner, rules, tmp_path):
    log = write_jsonl(tmp_path / "chat.jsonl", [chat(0, "premium")])
    args = ["simulate", str(log), "--rules", str(rules), "--metadata-field", "plan=a", "--metadata-field", "plan=b"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--metadata-field names 'plan' twice" in result.output
