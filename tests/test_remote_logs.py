"""Logs at URLs on a cluster: a large JSONL cut into line-aligned byte ranges like a local file; credentials hidden."""

from __future__ import annotations

import json
import logging

import pytest
from test_dask_engine import report, write_jsonl

from llmroute_cli.cli import app

distributed = pytest.importorskip("distributed")
fsspec = pytest.importorskip("fsspec")


@pytest.fixture(scope="module")
def threads():
    """A LocalCluster of two worker threads in this process: they see what tests put in ``memory://``."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        distributed.Client(cluster),
    ):
        yield cluster.scheduler_address


def test_a_large_jsonl_at_a_url_is_cut_into_numbered_byte_ranges(tmp_path):
    from llmroute_cli.cluster.partitions import count_lines, numbered, plan_partitions, to_count

    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 200)
    data = log.read_bytes()
    url = "memory://bucket/big.jsonl?token=SECRET1"
    with fsspec.open(url, "wb") as f:
        f.write(data)
    parts = plan_partitions([url], 5_000)
    assert len(parts) == -(-len(data) // 5_000) >= 4
    assert [p.first_line for p in parts] == [None] * len(parts)  # numbered on the workers, not here
    assert all(p.label.startswith("memory://bucket/big.jsonl?token=*** bytes ") for p in parts)
    starts = [p.byte_range[0] for p in parts]
    assert starts[0] == 0 and all(data[s - 1 : s] == b"\n" for s in starts[1:])  # each range starts a line
    assert [p.byte_range[1] for p in parts] == [*starts[1:], len(data)]
    counting = to_count(parts)
    assert counting == list(range(len(parts) - 1))  # the last range numbers no other
    lines = numbered(parts, {i: count_lines(parts[i]) for i in counting})
    assert [p.first_line for p in lines] == [data[:s].count(b"\n") + 1 for s in starts]


def test_a_url_read_in_byte_ranges_on_the_cluster_gives_the_local_report(runner, tmp_path, root, threads):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 240, bad_at=(3, 101, 230))
    url = "memory://bucket/ranges/big.jsonl?token=SECRET2"
    with fsspec.open(url, "wb") as f:
        f.write(log.read_bytes())
    rules = root / "routes.yaml"
    local, _ = report(runner, url, "--rules", rules)
    dask, stderr = report(runner, url, "--rules", rules, "--engine", "dask", "--scheduler", threads,
                          "--partition-bytes", 4_000)  # fmt: skip
    assert dask == local
    shown = "memory://bucket/ranges/big.jsonl?token=***"
    assert [e.split(": ")[0] for e in local["input"]["errors"]] == [f"{shown}:4", f"{shown}:102", f"{shown}:231"]
    assert (local["queries"], local["input"]["skipped"]) == (237, 3)
    assert "SECRET2" not in json.dumps(dask) + stderr


def test_a_file_url_in_byte_ranges_on_worker_processes_gives_the_local_report(runner, tmp_path, root):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 150, bad_at=(77,))
    url = f"file://{log}"
    rules = root / "routes.yaml"
    local, _ = report(runner, log, "--rules", rules)
    dask, _ = report(runner, url, "--rules", rules, "--engine", "dask", "--workers", "2", "--partition-bytes", 3_000)
    assert dask["input"]["errors"] == [f"{url}:78: " + local["input"]["errors"][0].split(": ", 1)[1]]
    assert {**dask, "input": None} == {**local, "input": None}
    assert dask["input"]["skipped"] == local["input"]["skipped"] == 1


def test_a_corrupt_parquet_at_a_url_is_one_line_without_its_credentials(runner, root):
    url = "memory://KEY:SECRET3@bucket/bad.parquet"
    with fsspec.open(url, "wb") as f:
        f.write(b"PAR1" + b"garbage" * 20 + b"PAR1")
    result = runner.invoke(app, ["simulate", url, "--rules", str(root / "routes.yaml")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: memory://***@bucket/bad.parquet: not a readable Parquet file: Parquet ")
    assert result.stderr.count("\n") == 1 and "SECRET3" not in result.output


def test_a_pyarrow_error_quoting_the_url_is_redacted(runner, root, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    url = "memory://bucket/x.parquet?X-Amz-Signature=SIG4"
    with fsspec.open(url, "wb") as f:
        pq.write_table(pa.table({"query": ["a", "b"]}), f)

    def failing(self, *args, **kwargs):  # as pyarrow's own filesystems word it: the URL, credentials and all
        raise OSError("When reading s3://AKIAKEY:SECRET5@bucket/x.parquet: AWS Error ACCESS_DENIED")

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", failing)
    result = runner.invoke(app, ["simulate", url, "--rules", str(root / "routes.yaml")])
    assert (result.exit_code, result.stderr) == (
        1,
        "error: memory://bucket/x.parquet?X-Amz-Signature=***: cannot read Parquet after row 0: "
        "When reading s3://***@bucket/x.parquet: AWS Error ACCESS_DENIED\n",
    )


def test_a_range_that_cannot_be_read_is_named(tmp_path):
    from llmroute_cli.cluster.partitions import Partition, count_lines
    from llmroute_cli.errors import LlmrouteError

    path = tmp_path / "gone.jsonl"
    gone = Partition((f"file://{path}",), f"file://{path} bytes 0-10", 10, (0, 10))
    with pytest.raises(LlmrouteError) as caught:
        count_lines(gone)
    assert str(caught.value) == f"file://{path}: cannot read ([Errno 2] No such file or directory: '{path}')"
