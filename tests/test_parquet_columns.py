"""Parquet is read by the columns a run needs only: the others are never decoded, and the report is unchanged."""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmroute_cli.cli import app
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs import ReadOptions, ReadStats, read_logs
from llmroute_cli.logs.fields import RECORD_FIELDS, columns_to_read, needed
from llmroute_cli.logs.model import BadRecord, Ignored
from llmroute_cli.logs.shaper import Shaper

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "llmroute_cli" / "logs"
RECEIVERS = {"rec", "record", "req", "body"}  # names the extractors give a record (or a body that may be it)
# Lookups by a variable key, each resolved by hand: the keys they can take are in RECORD_FIELDS (checked below).
DYNAMIC = {
    "shapes.py": {"k"},  # LITELLM_COLUMNS
    "values.py": {"k", "key"},  # LABEL_KEYS; first(record, *keys) is called with the keys listed
    "vendors.py": {"k"},  # the Langfuse and Helicone extras, SIGNS, LABEL_KEYS
    "messages.py": {"key"},  # tools, functions
    "otel.py": {"names[0]", "names[1]"},  # start/end times, nano or not
}
DYNAMIC_KEYS = ("userId", "sessionId", "traceId", "name", "request_user_id", "user_id", "provider", "tools",
                "functions", "startTimeUnixNano", "endTimeUnixNano", "start_time", "end_time")  # fmt: skip


def _lookups(tree: ast.AST) -> list[ast.expr]:
    """The keys looked up on a record: ``rec.get(K)``, ``first(rec, K...)``, ``rec[K]``, ``K in rec``."""
    keys: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func, args = node.func, node.args
            if isinstance(func, ast.Attribute) and func.attr == "get" and _receiver(func.value):
                keys += args[:1]
            elif isinstance(func, ast.Name) and func.id == "first" and args and _receiver(args[0]):
                keys += args[1:]
        elif isinstance(node, ast.Subscript) and _receiver(node.value):
            keys.append(node.slice)
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            keys += [node.left] if _receiver(node.comparators[0]) else []
    return keys


def _receiver(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in RECEIVERS


def test_every_field_the_shapes_look_up_is_read():
    constants, dynamic = set(), {}
    for name in ("shapes.py", "vendors.py", "otel.py", "litellm_payload.py", "usage.py", "values.py", "messages.py"):
        for key in _lookups(ast.parse((LOGS / name).read_text("utf-8"))):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                constants.add(key.value)
            else:
                dynamic.setdefault(name, set()).add(ast.unparse(key))
    assert constants - RECORD_FIELDS == set()
    assert dynamic == DYNAMIC  # a new lookup by a variable key: add the keys it takes to logs/fields.py
    assert set(DYNAMIC_KEYS) - RECORD_FIELDS == set()
    assert len(constants) > 60  # the scan does see the extractors


def _corpus() -> list[dict]:
    """Records of every shape: the shipped fixtures and samples (many with fields no shape reads), and more."""
    records = []
    files = [*(ROOT / "tests" / "fixtures").rglob("*.jsonl"), ROOT / "sample_data" / "mtbench_judge_log.jsonl"]
    for path in files:
        records += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    with gzip.open(ROOT / "sample_data" / "mmlu_labeled.jsonl.gz", "rt") as f:
        records += [json.loads(next(f)) for _ in range(20)]
    extra = {"raw": "x" * 50, "kind": "unused", "cost": 0.25, "blob": {"never": "read"}}
    span = {"attributes": {"gen_ai.prompt.0.content": "Hi", "gen_ai.request.model": "gpt-4o",
                           "gen_ai.usage.input_tokens": 5, "user.id": "u1"},
            "spanId": "s1", "startTimeUnixNano": 1_767_225_600_000_000_000,
            "endTimeUnixNano": 1_767_225_601_000_000_000}  # fmt: skip
    litellm = {"request_id": "l1", "startTime": "2026-01-01T00:00:00", "endTime": "2026-01-01T00:00:02",
               "spend": 0.1, "messages": [{"role": "user", "content": "Hey"}], "model": "gpt-4o", "user": "u",
               "team_id": "t", "metadata": {"usage_object": {"prompt_tokens": 9, "completion_tokens": 2}},
               "prompt_tokens": 9, "completion_tokens": 2}  # fmt: skip
    payload = {
        "trace_id": "t",
        "call_type": "completion",
        "startTime": 1_767_225_600,
        "endTime": 1_767_225_601,
        "id": "p1",
        "messages": '[{"role": "user", "content": "Yo"}]',
        "prompt_tokens": 3,
        "status": "success",
    }
    simple = {"query": "q", "context": "c", "created_at": "2026-01-01T00:00:00Z", "input_tokens": 4, "id": 7,
              "cache_read_tokens": 1, "cache_inside_input": "false", "latency_ms": 12, "needed": "cheap",
              "metadata": {"team": "a"}}  # fmt: skip
    nested = {
        "request": {
            "messages": [{"role": "user", "content": "N"}],
            "model": "gpt-4o",
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        },
        "response": {"usage": {"prompt_tokens": 8, "completion_tokens": 1}, "id": "x"},
        "timestamp": 1_767_225_600,
    }
    for rec in (span, {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}, litellm, payload, simple, nested,
                {"messages": [{"role": "user", "content": "T"}], "tools": [{"type": "function",
                 "function": {"name": "g", "parameters": {}}}], "scores": {"gpt-4o": 8}},
                {"prompt": "no known shape"}, {"query": 5}):  # fmt: skip
        records.append(rec)
    return [{**rec, **extra} for rec in records]


def _row(opts: ReadOptions, rec: dict) -> str:
    try:
        return repr(Shaper(opts, {}).row(rec))
    except (BadRecord, Ignored) as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize(
    "opts",
    [ReadOptions(), ReadOptions(query_field="raw", metadata_fields=(("k", "kind"), ("c", "cost")))],
    ids=["detected", "named-fields"],
)
def test_a_record_cut_to_the_fields_read_gives_the_same_row(opts):
    wanted = needed(opts)
    corpus = _corpus()
    assert len(corpus) > 60
    for rec in corpus:
        cut = {k: v for k, v in rec.items() if k in wanted}
        assert cut != rec  # each loses a field no read needs
        assert _row(opts, cut) == _row(opts, rec), rec


def test_dotted_columns_go_with_their_field_and_all_columns_read_is_said_as_none():
    wanted = needed(ReadOptions(metadata_fields=(("plan", "account.plan.tier"),)))
    names = ["query", "metadata.team", "account.plan.tier", "blob", "blob.part"]
    assert columns_to_read(names, wanted) == ["query", "metadata.team", "account.plan.tier"]
    assert columns_to_read(["query", "usage"], wanted) is None
    assert columns_to_read(names, None) is None
    assert columns_to_read(["blob"], wanted) == []  # the rows still come, as records of no known shape


BLOB = "lorem ipsum " * 4_000  # 48 kB a row, in a column no read needs


def wide_table(n: int) -> pa.Table:
    rows = []
    for i in range(n):
        rows.append({
            "id": f"r{i}",
            "query": ("Please refactor this function. " * 3) if i % 4 == 0 else f"What is {i} times 3?",
            "timestamp": dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=10 * i),
            "model": "gpt-4o",
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100} if i != 5 else {"prompt_tokens": -1,
                                                                                      "completion_tokens": 1},
            "metadata": {"team": "search" if i % 2 else "ads"},
            "tenant": f"t{i % 3}",
            "raw_response": BLOB,
            "expires": dt.datetime(2026, 1, 2),
        })  # fmt: skip
    return pa.Table.from_pylist(rows)


@pytest.fixture
def spy(monkeypatch):
    """The ``columns`` each Parquet read asked pyarrow for."""
    asked = []
    real = pq.ParquetFile.iter_batches

    def iter_batches(self, *args, **kwargs):
        asked.append(kwargs.get("columns"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", iter_batches)
    return asked


def simulate_json(runner, *args):
    result = runner.invoke(app, ["simulate", *map(str, args), "--format", "json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_unused_wide_column_is_never_read_and_the_report_is_unchanged(runner, tmp_path, spy, monkeypatch):
    log = tmp_path / "wide.parquet"
    pq.write_table(wide_table(40), log, row_group_size=16)
    args = (log, "--rules", ROOT / "routes.yaml", "--metadata-field", "tenant=tenant")
    pruned = simulate_json(runner, *args)
    assert spy == [["id", "query", "timestamp", "model", "usage", "metadata", "tenant"]]
    monkeypatch.setattr("llmroute_cli.logs.reader.needed", lambda opts: None)  # every column, as before
    assert simulate_json(runner, *args) == pruned
    assert spy[1] is None
    assert (pruned["queries"], pruned["input"]["skipped"]) == (39, 1)
    assert pruned["input"]["errors"] == [f"{log}:6: input token count -1 is out of range (0 to 1,000,000,000)"]
    # logged on gpt-4o: 39 * (1,000 * $2.50 + 100 * $10.00) / 1M
    assert pruned["baseline"]["as_logged"]["cost_usd"] == pytest.approx(39 * 0.0035, abs=1e-12)


def test_the_fields_named_on_the_command_line_are_read(tmp_path, spy):
    log = tmp_path / "wide.parquet"
    pq.write_table(wide_table(6), log)
    opts = ReadOptions(query_field="tenant", metadata_fields=(("blob", "raw_response"),))
    frame = next(read_logs([str(log)], opts, ReadStats()))
    assert spy == [["id", "query", "timestamp", "model", "usage", "metadata", "tenant", "raw_response"]]
    assert list(frame["query"]) == ["t0", "t1", "t2", "t0", "t1"]  # row 6 has the bad usage
    assert frame["metadata"][0] == {"team": "ads", "blob": BLOB}


def test_a_worker_reads_only_the_columns_it_needs(tmp_path, spy, root):
    from llmroute_cli.cluster.engine import read_partition
    from llmroute_cli.cluster.partitions import plan_partitions
    from llmroute_cli.commands._common import load_router
    from llmroute_cli.commands.options import simulate_options, unknown_models
    from llmroute_cli.simulate.simulation import Simulations

    log = tmp_path / "wide.parquet"
    pq.write_table(wide_table(10), log)
    router, book = load_router(root / "routes.yaml", None, unknown_models(None))
    make = Simulations(router, book, simulate_options(None, bootstrap=0))
    (part,) = plan_partitions([str(log)])
    partial = read_partition(0, part, make, ReadOptions())
    assert partial.failures == []
    assert (partial.stats.rows, partial.stats.skipped) == (9, 1)
    assert spy == [["id", "query", "timestamp", "model", "usage", "metadata"]]


def test_a_value_python_cannot_hold_spoils_its_row_only_in_a_column_that_is_read(tmp_path):
    import pyarrow.compute as pc

    times = pa.array([dt.datetime(2026, 1, 1), dt.datetime(9999, 12, 31)], pa.timestamp("us"))
    beyond = pc.add(times, pa.scalar(dt.timedelta(days=400), pa.duration("us")))  # the second past year 9999
    pq.write_table(pa.table({"query": ["a", "b"], "expires": beyond}), tmp_path / "unused.parquet")
    pq.write_table(pa.table({"query": ["a", "b"], "timestamp": beyond}), tmp_path / "used.parquet")
    stats = ReadStats()
    frames = list(read_logs([str(tmp_path / "unused.parquet")], ReadOptions(), stats))
    assert (sum(map(len, frames)), stats.skipped) == (2, 0)
    stats = ReadStats()
    frames = list(read_logs([str(tmp_path / "used.parquet")], ReadOptions(), stats))
    assert (sum(map(len, frames)), stats.skipped) == (1, 1)
    assert stats.errors == [
        f"{tmp_path / 'used.parquet'}:2: 'timestamp' holds a timestamp[us] value past what Python can read "
        "(after year 9999)"
    ]
    assert not math.isnan(frames[0]["timestamp"][0])


def test_a_file_without_any_field_read_names_each_row_as_before(tmp_path):
    pq.write_table(pa.table({"prompt": ["a", "b"]}), tmp_path / "odd.parquet")
    with pytest.raises(LlmrouteError) as caught:
        list(read_logs([str(tmp_path / "odd.parquet")], ReadOptions(), ReadStats()))
    assert str(caught.value).startswith(f"{tmp_path / 'odd.parquet'}: no usable records (2 skipped; first: ")
