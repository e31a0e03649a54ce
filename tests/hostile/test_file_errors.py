"""Every file a command reads, broken every way a file breaks: one located line and the documented exit code.

Directories where a file is expected, missing files, dangling symlinks, invalid UTF-8, JSON nested
100,000 levels, OTLP fields of the wrong type, Batch lines in the wrong file, and ENOSPC on writing.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from llmroute_cli.cli import app

RULES = "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules: []\n"
CHAT = {"id": "a", "messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o"}
SIM = ["--days", "1", "--quiet", "--jobs", "1", "--format", "json"]
CHAT_LINE = json.dumps({**CHAT, "answers": {"gpt-4o": "x", "gpt-4o-mini": "y"}}) + "\n"


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A directory holding a rule file, a one-request log, a directory, a dangling link and a non-UTF-8 file."""
    monkeypatch.chdir(tmp_path)
    Path("rules.yaml").write_text(RULES, encoding="utf-8")
    Path("log.jsonl").write_text(CHAT_LINE, encoding="utf-8")
    Path("dir").mkdir()
    os.symlink("nothing-here.yaml", "dangling")
    Path("bad.bin").write_bytes(b"ok\n\xff\xfe\n")
    return tmp_path


def run(runner, *args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines() or result.stdout.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# --- the rule file ------------------------------------------------------------------------------------

RULE_FILE = [
    ("dir", 2, "error: dir: is a directory; give the rule file"),
    ("missing.yaml", 2, "error: missing.yaml: no such rule file; pass --rules PATH or create routes.yaml"),
    ("dangling", 2, "error: dangling: no such rule file; pass --rules PATH or create routes.yaml"),
    ("bad.bin", 1, "bad.bin:2:1: not UTF-8 text; save the rule file as UTF-8"),
]


@pytest.mark.parametrize(("name", "code", "message"), RULE_FILE, ids=["dir", "missing", "dangling", "utf8"])
@pytest.mark.parametrize("command", ["simulate", "route", "compare"])
def test_a_broken_rule_file(runner, here, name, code, message, command):
    args = {"simulate": ["simulate", "log.jsonl", *SIM], "route": ["route", "hi"], "compare": ["compare", "log.jsonl"]}
    result = run(runner, *args[command], "--rules", name)
    if command == "route" and name == "dir":  # route's --rules is checked by Typer: a usage error all the same
        assert result.exit_code == 2 and "is a directory" in result.stderr
        return
    assert (result.exit_code, one_line(result)) == (code, message)


def test_check_a_rule_file_that_is_a_directory(runner, here):
    result = run(runner, "check", "dir")
    assert (result.exit_code, one_line(result)) == (2, "error: dir: is a directory; give the rule file")


def test_a_rule_file_whose_prices_nest_20000_levels(runner, here):
    Path("deep.yaml").write_text(RULES + "prices:\n  gpt-4o: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n")
    result = run(runner, "simulate", "log.jsonl", *SIM, "--rules", "deep.yaml")
    assert (result.exit_code, one_line(result)) == (
        1,
        "deep.yaml:1:1: YAML nested too deeply to read; flatten the rule file",
    )


# --- a --prices map -----------------------------------------------------------------------------------

PRICES = [
    ("dir", 2, "error: dir: is a directory; give the price map file"),
    ("missing.json", 2, "error: missing.json: no such price map"),
    ("dangling", 2, "error: dangling: no such price map"),
    ("bad.bin", 1, "error: bad.bin: not UTF-8 text"),
    ("deep.json", 1, "error: deep.json: JSON nested too deeply to read; a price map is an object of models"),
    (
        "deep-objects.json",
        1,
        "error: deep-objects.json: JSON nested too deeply to read; a price map is an object of models",
    ),
]


@pytest.mark.parametrize(("name", "code", "message"), PRICES, ids=[p[0] for p in PRICES])
@pytest.mark.parametrize("command", ["simulate", "prices", "check"])
def test_a_broken_price_map(runner, here, name, code, message, command):
    Path("deep.json").write_text("[" * 100_000 + "]" * 100_000)
    Path("deep-objects.json").write_text('{"gpt-4o": ' * 100_000 + "{}" + "}" * 100_000)
    args = {"simulate": ["simulate", "log.jsonl", *SIM, "--rules", "rules.yaml"], "prices": ["prices"]}
    result = run(runner, *args.get(command, ["check", "rules.yaml"]), "--prices", name)
    assert (result.exit_code, one_line(result)) == (code, message)


# --- a cases: file ------------------------------------------------------------------------------------

CASES = [
    ("dir", "rules.yaml:5:8: cases file 'dir' is a directory; name a YAML file"),
    ("missing.yaml", "rules.yaml:5:8: cases file 'missing.yaml' not found (looked for missing.yaml)"),
    ("dangling", "rules.yaml:5:8: cases file 'dangling' not found (looked for dangling)"),
    ("bad.bin", "bad.bin:1:1: not UTF-8 text; save the cases file as UTF-8"),
]


@pytest.mark.parametrize(("name", "message"), CASES, ids=["dir", "missing", "dangling", "utf8"])
@pytest.mark.parametrize("command", ["test", "simulate"])
def test_a_broken_cases_file(runner, here, name, message, command):
    Path("rules.yaml").write_text(RULES + f"cases: {name}\n", encoding="utf-8")
    args = ["test", "rules.yaml"] if command == "test" else ["simulate", "log.jsonl", *SIM, "--rules", "rules.yaml"]
    result = run(runner, *args)
    assert (result.exit_code, one_line(result)) == (1, message)


# --- context, templates and results -------------------------------------------------------------------


def test_a_context_file_that_is_not_utf8_is_an_error_not_replaced(runner, here):
    result = run(runner, "route", "hi", "--rules", "rules.yaml", "--context-file", "bad.bin")
    assert (result.exit_code, one_line(result)) == (
        1,
        "error: bad.bin:2: not UTF-8 text (byte 0xff); save the context file as UTF-8",
    )


@pytest.mark.parametrize(
    ("name", "why"), [("dir", "is a directory"), ("missing.txt", "does not exist"), ("dangling", "does not exist")]
)
def test_a_context_file_that_is_not_a_file(runner, here, name, why):
    result = run(runner, "route", "hi", "--rules", "rules.yaml", "--context-file", name)
    assert result.exit_code == 2
    assert f"Error: Invalid value for '--context-file': File '{name}' {why}." in result.stderr


REQUESTS = ["--rules", "rules.yaml", "--rate", "1", "-o", "out.jsonl", "--quiet"]


@pytest.mark.parametrize(
    ("command", "what"),
    [(["sample", "log.jsonl"], "judge template"), (["batch", "confidence", "log.jsonl"], "template")],
)
@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        ("dir", 2, "error: dir: cannot read the {what} (Is a directory)"),
        ("dangling", 2, "error: dangling: cannot read the {what} (No such file or directory)"),
        ("bad.bin", 1, "error: bad.bin:2: not UTF-8 text (byte 0xff); save the {what} as UTF-8"),
    ],
    ids=["dir", "dangling", "utf8"],
)
def test_a_broken_template(runner, here, command, what, name, code, reason):
    result = run(runner, *command, *REQUESTS, "--template", name)
    assert (result.exit_code, one_line(result)) == (code, reason.format(what=what))
    assert not Path("out.jsonl").exists()


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("dir", 2, "error: dir: cannot read the Batch output file (Is a directory)"),
        ("dangling", 2, "error: dangling: no such file"),
        ("bad.bin", 1, "error: bad.bin:2: not UTF-8 text (byte 0xff); save the Batch output file as UTF-8"),
    ],
    ids=["dir", "dangling", "utf8"],
)
def test_broken_batch_results_for_join(runner, here, name, code, message):
    result = run(runner, "batch", "join", name, "--logs", "log.jsonl", "-o", "joined.jsonl")
    assert (result.exit_code, one_line(result)) == (code, message)
    assert not Path("joined.jsonl").exists()


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("dir", 2, "error: dir: cannot read (Is a directory)"),
        ("dangling", 2, "error: dangling: cannot read (No such file or directory)"),
        ("bad.bin", 1, "error: bad.bin:2: not UTF-8 text (byte 0xff)"),
    ],
    ids=["dir", "dangling", "utf8"],
)
def test_broken_results_for_judge_report(runner, here, name, code, message):
    result = run(runner, "judge-report", name, "--rules", "rules.yaml")
    assert (result.exit_code, one_line(result)) == (code, message)


@pytest.mark.parametrize(
    ("name", "message"),
    # A directory of logs is read file by file (LiteLLM's S3/GCS folders); an empty one has nothing to read.
    [("dir", "error: dir: the directory holds no files"), ("dangling", "error: dangling: no such file")],
    ids=["empty dir", "dangling"],
)
@pytest.mark.parametrize("command", ["simulate", "check", "join"])
def test_a_log_that_is_not_a_file(runner, here, name, message, command):
    args = {
        "simulate": ["simulate", name, *SIM, "--rules", "rules.yaml"],
        "check": ["check", "rules.yaml", "--logs", name],
        "join": ["batch", "join", "log.jsonl", "--logs", name, "-o", "joined.jsonl"],
    }
    result = run(runner, *args[command])
    assert (result.exit_code, one_line(result)) == (2, message)


# --- ENOSPC -------------------------------------------------------------------------------------------


@pytest.fixture
def full(here):
    """A /dev/full made in the test's own directory."""
    try:
        os.mknod("full", stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return "full"


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "log.jsonl", *SIM, "--rules", "rules.yaml", "--decisions"],
        ["sample", "log.jsonl", "--rules", "rules.yaml", "--rate", "1", "--quiet", "-o"],
        ["batch", "answers", "log.jsonl", "--rules", "rules.yaml", "--rate", "1", "--quiet", "-o"],
        ["batch", "join", "log.jsonl", "--logs", "log.jsonl", "-o"],
    ],
    ids=["decisions", "sample", "batch-answers", "batch-join"],
)
def test_writing_onto_a_full_device_is_a_one_line_error(runner, full, command):
    result = run(runner, *command, full)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "error: full: cannot write (No space left on device)"
    assert stat.S_ISCHR(os.stat(full).st_mode)


# --- OTLP exports with fields of the wrong type -------------------------------------------------------


def export(spans=None, *, resource_spans=None, scope_spans=None):
    span = {"name": "chat", "attributes": [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]}
    scopes = [{"spans": [span] if spans is None else spans}] if scope_spans is None else scope_spans
    return {"resourceSpans": [{"scopeSpans": scopes}] if resource_spans is None else resource_spans}


def attrs(*items):
    return export([{"name": "chat", "attributes": list(items) if items[0] != "whole" else items[1]}])


OTLP = [
    (export(resource_spans=5), "'resourceSpans' is not an array (got number)"),
    (export(resource_spans=["x"]), "a resourceSpans item is not an object (got string)"),
    (export(scope_spans="x"), "'scopeSpans' is not an array (got string)"),
    (export(scope_spans=[7]), "a scopeSpans item is not an object (got number)"),
    (export({"a": 1}), "'spans' is not an array (got object)"),
    (attrs("whole", "x"), "span chat: 'attributes' is not an object or a key/value list (got string)"),
    (attrs("x"), "span chat: an attribute is not an object with a string 'key' (got string)"),
    (
        attrs({"key": "gen_ai.usage.input_tokens", "value": {"intValue": [1]}}),
        "span chat: attribute intValue [1] is not an integer",
    ),
    (
        attrs({"key": "gen_ai.prompt", "value": {"arrayValue": 3}}),
        "span chat: attribute arrayValue is not an object (got number)",
    ),
    (
        attrs({"key": "gen_ai.x", "value": {"kvlistValue": "x"}}),
        "span chat: attribute kvlistValue is not an object (got string)",
    ),
]


@pytest.mark.parametrize(("record", "reason"), OTLP, ids=[str(i) for i in range(len(OTLP))])
def test_an_otlp_export_with_a_field_of_the_wrong_type_is_a_named_record(runner, here, record, reason):
    Path("otlp.jsonl").write_text(json.dumps(CHAT) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    skipped = run(runner, "simulate", "otlp.jsonl", *SIM, "--rules", "rules.yaml")
    assert skipped.exit_code == 0, skipped.output
    report = json.loads(skipped.stdout)
    assert (report["queries"], report["input"]["skipped"]) == (1, 1)
    assert report["input"]["errors"] == [f"otlp.jsonl:2: {reason}"]
    strict = run(runner, "simulate", "otlp.jsonl", *SIM, "--rules", "rules.yaml", "--strict")
    assert (strict.exit_code, one_line(strict)) == (1, f"error: otlp.jsonl:2: {reason}")


# --- Batch lines where a log was expected -------------------------------------------------------------

BATCH_INPUT = {"custom_id": "b1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}}  # fmt: skip
BATCH_OUTPUT = {"id": "r", "custom_id": "zz", "response": {"status_code": 200, "body": {"usage": {"prompt_tokens": 3}}}}


def test_a_batch_output_line_inside_a_batch_input_file_is_counted_and_named(runner, here):
    Path("in.jsonl").write_text(json.dumps(BATCH_INPUT) + "\n" + json.dumps(BATCH_OUTPUT) + "\n", encoding="utf-8")
    result = run(runner, "simulate", "in.jsonl", *SIM, "--rules", "rules.yaml")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 1
    assert report["input"]["ignored"] == {"OpenAI Batch output line (give its input file too)": 1}


def test_a_batch_input_line_in_a_chat_log_is_read_as_the_request_it_is(runner, here):
    Path("mixed.jsonl").write_text(json.dumps(CHAT) + "\n" + json.dumps(BATCH_INPUT) + "\n", encoding="utf-8")
    result = run(runner, "simulate", "mixed.jsonl", *SIM, "--rules", "rules.yaml", "--strict")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["queries"], report["input"]["skipped"]) == (2, 0)


def test_a_batch_output_file_given_as_the_log_is_one_line(runner, here):
    Path("out.jsonl").write_text(json.dumps(BATCH_OUTPUT) + "\n", encoding="utf-8")
    result = run(runner, "simulate", "out.jsonl", *SIM, "--rules", "rules.yaml")
    assert (result.exit_code, one_line(result)) == (
        1,
        "error: out.jsonl: no requests, only 1 × OpenAI Batch output line with no input line",
    )


def test_a_chat_line_in_a_batch_output_file_is_named(runner, here):
    Path("out.jsonl").write_text(json.dumps(BATCH_OUTPUT) + "\n" + json.dumps(CHAT) + "\n", encoding="utf-8")
    result = run(runner, "simulate", "out.jsonl", *SIM, "--rules", "rules.yaml", "--strict")
    assert (result.exit_code, one_line(result)) == (
        1,
        "error: out.jsonl:2: not an OpenAI Batch output line, unlike the first record",
    )


# --- a huge --bootstrap -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10001", "1000000000000", "100000000000000000000000"])
def test_a_huge_bootstrap_is_a_usage_error(runner, here, value):
    result = run(runner, "simulate", "log.jsonl", *SIM, "--rules", "rules.yaml", "--bootstrap", value)
    assert (result.exit_code, one_line(result)) == (2, f"error: --bootstrap must be at most 10,000, got {value}")
