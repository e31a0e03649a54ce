"""Benchmark `llmroute simulate --engine dask` against the local engine on the same log (not a test).

Generates bench_simulate.py's chat log (usage logged), then prints, all measured in this run:

- the local engine: `llmroute simulate LOG` (one process per core), wall seconds;
- the Dask engine: `llmroute simulate LOG --engine dask --workers N` (its own LocalCluster), wall seconds,
  and the ratio to the local run; both reports compared field by field (they must be equal);
- where the Dask run's time goes, from a run on a cluster started here: cluster start-up, scheduling
  (as many no-op tasks as partitions, round trip), and the workers' compute per kind of task (reading
  and routing partitions, merging partials), from Dask's task stream.

Usage: python bench/bench_dask.py --rows 1000000 [--workers 2] [--partition-mb 64] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate import ROOT, generate


def simulate(log: Path, *extra: str) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "llmroute_cli", "simulate", str(log), "--rules", str(ROOT / "routes.yaml")]
    cmd += ["--format", "json", "--bootstrap", "0", "--quiet", *extra]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, json.loads(out.stdout)


def breakdown(log: Path, workers: int, partition_bytes: int) -> dict[str, float]:
    """Seconds of the Dask run's parts, on a cluster started here."""
    import distributed

    from llmroute_cli.cluster.engine import DaskRunner
    from llmroute_cli.cluster.partitions import plan_partitions
    from llmroute_cli.commands._common import load_router
    from llmroute_cli.commands.options import reading, simulate_options, unknown_models
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.simulate.simulation import Simulations

    times: dict[str, float] = {}
    start = time.perf_counter()
    parts = plan_partitions([str(log)], partition_bytes)
    times["planning (line numbers of the cuts)"] = time.perf_counter() - start
    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    client = distributed.Client(cluster)
    client.wait_for_workers(workers)
    times["cluster start-up"] = time.perf_counter() - start
    with cluster, client:
        start = time.perf_counter()
        client.gather([client.submit(int, i, pure=False) for i in range(len(parts))])
        times[f"scheduling ({len(parts)} no-op tasks)"] = time.perf_counter() - start
        router, book = load_router(ROOT / "routes.yaml", None, unknown_models(None))
        make = Simulations(router, book, simulate_options(None, bootstrap=0))
        read = reading([str(log)], jobs=1)
        runner = DaskRunner(cluster.scheduler_address, workers, partition_bytes)
        dask_read = read.__class__(read.inputs, read.options, 1, runner)
        with distributed.get_task_stream(client) as stream:
            start = time.perf_counter()
            read_and_route(dask_read, make, [router])
            times["whole run on the started cluster"] = time.perf_counter() - start
        for kind in ("read_partition", "merge_partials"):
            busy = sum(
                s["stop"] - s["start"]
                for task in stream.data
                if str(task["key"]).startswith(kind)
                for s in task["startstops"]
                if s["action"] == "compute"
            )
            times[f"worker compute in {kind} (summed over workers)"] = busy
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-mb", type=int, default=64)
    parser.add_argument("--keep", type=Path, help="Keep the generated log in this directory (reused if present).")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-dask-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"chat-{args.rows}.jsonl"
    if not log.exists():
        start = time.perf_counter()
        generate(log, args.rows, usage=True)
        took = time.perf_counter() - start
        print(f"generated {args.rows:,} rows ({log.stat().st_size / 1e6:,.0f} MB) in {took:.1f} s")
    partition = str(args.partition_mb << 20)
    local_s, local = simulate(log)
    dask_s, dask = simulate(log, "--engine", "dask", "--workers", str(args.workers), "--partition-bytes", partition)
    print(f"local engine:  {local_s:7.1f} s  ({args.rows / local_s:,.0f} rows/s)")
    print(f"dask engine:   {dask_s:7.1f} s  ({args.rows / dask_s:,.0f} rows/s), {dask_s / local_s:.2f}x the local time")
    print(f"reports equal field by field: {dask == local}")
    for name, seconds in breakdown(log, args.workers, args.partition_mb << 20).items():
        print(f"  {name}: {seconds:.2f} s")
    if dask != local:
        raise SystemExit("the Dask report differs from the local one")


if __name__ == "__main__":
    main()
