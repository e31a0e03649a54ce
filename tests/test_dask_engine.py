"""``--engine dask``: a LocalCluster of two workers gives the local run's report, field by field."""

from __future__ import annotations

import gzip
import json
import logging
import os
import sys

import pytest

from llmroute_cli.cli import app

distributed = pytest.importorskip("distributed")

BAD = {"queries": "{broken", "tail": '{"id": 5'}


def chat(i: int, model: str | None = None) -> dict:
    query = ("Please debug this class. " * 12) if i % 3 == 0 else f"What is {i} plus {i}?"
    rec = {
        "id": f"r{i}",
        "created": 1_767_225_600 + i * 600,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": query}],
        "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10 + i % 7},
    }
    if model is not None:
        rec["model"] = model
    if i % 5 == 0:
        rec["needed"] = "expensive" if i % 10 == 0 else "cheap"
    return rec


def write_jsonl(path, start, n, bad_at=()):
    lines = [BAD["queries"] if i in bad_at else json.dumps(chat(i, "gpt-4o" if i % 2 else "gpt-4o-mini"))
             for i in range(start, start + n)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def scheduler():
    """One LocalCluster of two worker processes for the module (starting one costs seconds)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(2, timeout=60)
        yield cluster.scheduler_address


def run(runner, *args):
    result = runner.invoke(app, [*map(str, args)])
    return result


def without_dashboard(stderr):
    first, _, rest = stderr.partition("\n")
    assert first.startswith("Dask dashboard: http://")
    return rest


def report(runner, *args):
    result = run(runner, "simulate", *args, "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_jsonl_files_and_byte_ranges_of_a_big_one_give_the_local_report(runner, tmp_path, root, scheduler):
    from llmroute_cli.cluster.partitions import plan_partitions

    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(logs / "a-big.jsonl", 0, 300, bad_at=(7, 211))
    write_jsonl(logs / "b.jsonl", 300, 40, bad_at=(333,))
    with gzip.open(logs / "c.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(chat(i, "gpt-4o")) + "\n" for i in range(340, 360)))
    glob, rules = f"{logs}/*", root / "routes.yaml"
    parts = plan_partitions([glob], 20_000)
    assert [p.byte_range is not None for p in parts].count(True) >= 3  # the big file cut into byte ranges
    assert len(parts) >= 5

    local, _ = report(runner, glob, "--rules", rules, "--jobs", "1")
    dask, stderr = report(runner, glob, "--rules", rules, "--engine", "dask", "--scheduler", scheduler,
                          "--partition-bytes", 20_000)  # fmt: skip
    assert dask == local  # the whole report, to the last digit
    assert local["queries"] == 360 - 3
    assert local["input"]["skipped"] == 3
    named = [e.split(": ")[0] for e in local["input"]["errors"]]
    assert named == [f"{logs}/a-big.jsonl:8", f"{logs}/a-big.jsonl:212", f"{logs}/b.jsonl:34"]
    assert "Dask dashboard: http://" in stderr


def test_a_hive_partitioned_parquet_dataset_gives_the_local_report(runner, tmp_path, root, scheduler):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "dataset"
    for model, start in (("gpt-4o", 0), ("gpt-4o-mini", 100)):
        folder = data / f"model={model}"
        folder.mkdir(parents=True)
        for part in range(2):
            recs = [chat(i) for i in range(start + part * 50, start + part * 50 + 50)]
            recs[3]["usage"] = {"prompt_tokens": -5, "completion_tokens": 3}  # malformed, named by file and row
            table = pa.Table.from_pylist([{**r, "messages": json.dumps(r["messages"])} for r in recs])
            pq.write_table(table, folder / f"part-{part}.parquet")
    rules = root / "routes.yaml"
    local, _ = report(runner, data, "--rules", rules)
    dask, _ = report(runner, data, "--rules", rules, "--engine", "dask", "--scheduler", scheduler)
    assert dask == local
    assert local["queries"] == 200 - 4
    assert local["input"]["skipped"] == 4
    files = [f"{data}/model={m}/part-{p}.parquet" for m in ("gpt-4o-mini", "gpt-4o") for p in (0, 1)]
    assert local["input"]["files"] == files  # sorted paths: "-" sorts before "/"
    assert [e.split(": ")[0] for e in local["input"]["errors"]] == [f"{f}:4" for f in files]
    # the model comes from the directory: 100 requests logged on each model
    assert local["baseline"] == dask["baseline"]


def test_diff_and_compare_run_on_the_cluster_alike(runner, tmp_path, root, scheduler):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 200, bad_at=(50,))
    rules = root / "routes.yaml"
    on = ("--engine", "dask", "--scheduler", scheduler, "--partition-bytes", 10_000)
    for command in (["diff", rules, rules, "--logs", log], ["compare", log, "--rules", rules]):
        local = run(runner, *command, "--format", "json")
        dask = run(runner, *command, "--format", "json", *on)
        assert local.exit_code == dask.exit_code == 0, dask.output
        assert json.loads(dask.stdout) == json.loads(local.stdout)


def test_the_python_api_runs_on_the_cluster_as_the_command_does(runner, tmp_path, root, scheduler):
    import llmroute_cli as lr

    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 200, bad_at=(50,))
    rules = root / "routes.yaml"
    told = []
    on = {"engine": "dask", "scheduler": scheduler, "partition_bytes": 10_000}
    dask = lr.simulate(log, rules, bootstrap=0, **on, notify=told.append)
    cli, _ = report(runner, log, "--rules", rules, "--engine", "dask", "--scheduler", scheduler)
    assert dask.to_dict() == cli == lr.simulate(log, rules, bootstrap=0, jobs=1).to_dict()
    assert told and told[0].startswith("Dask dashboard: http://")  # told, not printed
    assert lr.sweep(log, rules, param="short-no-code.query.chars=100:300:100", **on).to_dict() == lr.sweep(
        log, rules, param="short-no-code.query.chars=100:300:100", jobs=1
    ).to_dict()
    with pytest.raises(lr.OptionError) as exc:
        lr.simulate(log, rules, decisions=True, **on)
    assert exc.value.option == "decisions"


def test_a_partition_that_fails_to_parse_is_named_as_the_local_run_names_it(runner, tmp_path, root, scheduler):
    good, broken = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    write_jsonl(good, 0, 30)
    broken.write_bytes(gzip.compress(b"".join(json.dumps(chat(i, "gpt-4o")).encode() + b"\n" for i in range(9)))[:-30])
    local = run(runner, "simulate", good, broken, "--rules", root / "routes.yaml")
    dask = run(runner, "simulate", good, broken, "--rules", root / "routes.yaml", "--engine", "dask",
               "--scheduler", scheduler)  # fmt: skip
    assert local.exit_code == dask.exit_code == 1
    assert without_dashboard(dask.stderr) == local.stderr
    assert local.stderr.startswith(f"error: {broken}: corrupt gzip data")


def test_strict_names_the_first_bad_record_in_log_order(runner, tmp_path, root, scheduler):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 200, bad_at=(20, 190))
    args = ("simulate", log, "--rules", root / "routes.yaml", "--strict")
    dask = run(runner, *args, "--engine", "dask", "--scheduler", scheduler, "--partition-bytes", 5_000)
    assert dask.exit_code == 1
    assert without_dashboard(dask.stderr) == run(runner, *args).stderr
    assert without_dashboard(dask.stderr).startswith(f"error: {log}:21: ")


class KillOnce:
    """An accumulator maker whose partition 1 ends its worker process the first time it is read."""

    def __init__(self, make, marker):
        self.make, self.marker = make, str(marker)

    def __call__(self, part):
        return _Killing(self.make(part), self.marker if part == 1 else None)


class _Killing:
    def __init__(self, inner, marker):
        self.inner, self.marker = inner, marker

    def add(self, chunk):
        if self.marker is not None and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)  # the worker dies mid-run; its nanny starts another, the scheduler retries
        self.inner.add(chunk)

    def merge(self, other):
        self.inner.merge(other.inner if isinstance(other, _Killing) else other)

    def result(self):
        return self.inner.result()


def test_a_worker_that_dies_mid_run_is_retried_and_the_totals_stay_exact(tmp_path, root, scheduler):
    import cloudpickle

    from llmroute_cli.cluster.engine import DaskRunner
    from llmroute_cli.commands._common import load_router
    from llmroute_cli.commands.options import reading, simulate_options, unknown_models
    from llmroute_cli.reports.simulate import build_report, period_of
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.simulate.simulation import Simulations

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 200, bad_at=(9,))
    router, book = load_router(root / "routes.yaml", None, unknown_models(None))
    make = Simulations(router, book, simulate_options(None, bootstrap=0))
    read = reading([str(log)], jobs=1)
    marker = tmp_path / "killed-once"
    seen = []
    dask_read = read.__class__(read.inputs, read.options, 1, DaskRunner(scheduler, partition_bytes=6_000))
    killed, killed_stats = read_and_route(dask_read, KillOnce(make, marker), [router], lambda d, t: seen.append((d, t)))
    assert marker.exists()  # partition 1 did end its worker once
    whole, stats = read_and_route(read, make, [router])

    def built(sim, st):
        result = sim.result()
        return build_report(result, period_of(result, None), 1.0, st.summary())

    assert built(killed.inner, killed_stats) == built(whole, stats)
    assert seen[-1][0] == seen[-1][1] == log.stat().st_size  # progress fed by completed partitions, to the end


def test_urls_with_credentials_are_never_shown(runner, tmp_path, root):
    import fsspec

    secret_url = "memory://bucket/logs.jsonl?token=SECRET123"
    with fsspec.open(secret_url, "wb") as f:
        f.write((json.dumps(chat(1, "gpt-4o")) + "\n{broken\n" + json.dumps(chat(2, "gpt-4o")) + "\n").encode())
    shown = "memory://bucket/logs.jsonl?token=***"
    for fmt in ("json", "table", "markdown", "csv"):
        result = run(runner, "simulate", secret_url, "--rules", root / "routes.yaml", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "SECRET123" not in result.stdout + result.stderr
    data = json.loads(run(runner, "simulate", secret_url, "--rules", root / "routes.yaml", "--format", "json").stdout)
    assert data["input"]["files"] == [shown]
    assert len(data["input"]["errors"]) == 1
    assert data["input"]["errors"][0].startswith(f"{shown}:2: ")
    result = run(runner, "simulate", "memory://bucket/missing.jsonl?sig=SECRET123")
    assert (result.exit_code, result.stderr) == (2, "error: memory://bucket/missing.jsonl?sig=***: no files match\n")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "s3://KEY:SECRET@bucket/logs/*.jsonl",
            "s3://***@bucket/logs/*.jsonl: reading s3:// needs s3fs: pip install s3fs",
        ),
        (
            "gs://bucket/logs.parquet?token=SECRET",
            "gs://bucket/logs.parquet?token=***: reading gs:// needs gcsfs: pip install gcsfs",
        ),
    ],
)
def test_a_scheme_without_its_filesystem_is_one_line_naming_the_package(runner, url, message, root):
    pytest.importorskip("fsspec")
    for engine in ("local", "dask"):
        result = run(runner, "simulate", url, "--rules", root / "routes.yaml", "--engine", engine)
        assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")
        assert "SECRET" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "tcp://h:8786"], "--scheduler needs --engine dask"),
        (["--engine", "spark"], "--engine takes local or dask, got 'spark'"),
        (["--engine", "dask", "--workers", "0"], "--workers must be at least 1, got 0"),
        (
            ["--engine", "dask", "--scheduler-timeout", "0"],
            "--scheduler-timeout must be above 0 and at most 3600, got 0.0",
        ),
        (
            ["--engine", "dask", "--decisions", "d.jsonl"],
            "--decisions are written here, in log order: leave out --engine dask to write them",
        ),
    ],
)
def test_engine_misuse_is_a_usage_error(runner, tmp_path, root, args, message):
    log = tmp_path / "a.jsonl"
    write_jsonl(log, 0, 3)
    result = run(runner, "simulate", log, "--rules", root / "routes.yaml", *args)
    assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")


def test_stdin_is_refused_on_a_cluster(runner, root):
    result = runner.invoke(
        app, ["simulate", "-", "--rules", str(root / "routes.yaml"), "--engine", "dask"], input="{}\n"
    )
    assert (result.exit_code, result.stderr) == (2, "error: --engine dask reads files and URLs, not stdin (-)\n")


def test_the_core_never_imports_dask():
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "llmroute_cli"
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("dask", "distributed") for n in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"cluster/engine.py"}


def test_without_a_scheduler_the_command_starts_a_local_cluster_and_gives_the_local_report(runner, tmp_path, root):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 120, bad_at=(17,))
    local, _ = report(runner, log, "--rules", root / "routes.yaml")
    dask, stderr = report(runner, log, "--rules", root / "routes.yaml", "--engine", "dask", "--workers", "2",
                          "--partition-bytes", 8_000)  # fmt: skip
    assert dask == local
    assert (local["queries"], local["input"]["skipped"]) == (119, 1)
    assert local["input"]["errors"][0].startswith(f"{log}:18: ")
    assert stderr.startswith("Dask dashboard: http://127.0.0.1:")  # its own cluster's, not the module's


def test_sweep_on_the_cluster_gives_the_local_sweep(runner, tmp_path, root, scheduler):
    log = tmp_path / "big.jsonl"
    write_jsonl(log, 0, 150, bad_at=(40,))
    args = ["sweep", log, "--rules", root / "routes.yaml", "--param", "short-no-code.query.chars=50:250:100"]
    local = run(runner, *args, "--format", "json")
    dask = run(runner, *args, "--format", "json", "--engine", "dask", "--scheduler", scheduler,
               "--partition-bytes", 6_000)  # fmt: skip
    assert local.exit_code == dask.exit_code == 0, dask.output
    swept = json.loads(local.stdout)
    assert json.loads(dask.stdout) == swept
    assert swept["requests"] == 150 - 1
    assert [p["value"] for p in swept["points"]] == [50, 150, 200, 250]  # and the file's own 200
    # the 50 requests i % 3 == 0 ask to debug a class: expensive at every value; the short ones cheap
    assert [p["expensive_share"] for p in swept["points"]] == [pytest.approx(50 / 149, abs=1e-12)] * 4


def test_an_unreachable_scheduler_is_one_line_within_its_timeout(runner, tmp_path, root):
    import socket
    import time

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "a.jsonl"
    write_jsonl(log, 0, 3)
    started = time.monotonic()
    result = run(runner, "simulate", log, "--rules", root / "routes.yaml", "--engine", "dask",
                 "--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1")  # fmt: skip
    assert time.monotonic() - started < 8
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: "
        f"Timed out trying to connect to tcp://127.0.0.1:{port} after 1 s\n"
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("nonsense", "--scheduler nonsense: missing port number in address 'nonsense'; expected tcp://HOST:PORT"),
        (
            "udp://h:1",
            "--scheduler udp://h:1: unknown address scheme 'udp' (known schemes: "
            "['inproc', 'tcp', 'tls', 'ucx', 'ws', 'wss']); expected tcp://HOST:PORT",
        ),
        (
            "tcp://KEY:SECRET@h:1",
            "--scheduler tcp://***@h:1: invalid address '***@h:1'; maybe: ipv6 needs brackets like [::1]; "
            "expected tcp://HOST:PORT",
        ),
    ],
)
def test_a_malformed_scheduler_address_is_a_usage_error_with_credentials_hidden(runner, tmp_path, root, address,
                                                                               message):  # fmt: skip
    log = tmp_path / "a.jsonl"
    write_jsonl(log, 0, 3)
    result = run(runner, "simulate", log, "--rules", root / "routes.yaml", "--engine", "dask", "--scheduler", address)
    assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")
    assert "SECRET" not in result.output
