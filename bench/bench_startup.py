"""Benchmark start-up (not a test): whole-process times of short commands, medians of --runs runs.

Prints, measured in this run on this machine, for this checkout (and, with --baseline REV, for
that revision checked out into a temporary git worktree, run alternately with this one):

- ``route "What is the capital of France?"`` with its token count and per-tier cost, and with
  ``--no-tokens``; ``route --help``;
- ``simulate`` on a one-line log (its fixed cost);
- the floors: ``python -c pass`` and a bare Typer app with route's six options.

Bytecode is written and warmed first (an installed package has its .pyc files; without them
Python compiles every module on every run), so PYTHONDONTWRITEBYTECODE is dropped.

Usage: python bench/bench_startup.py [--runs 9] [--baseline d46f4db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = "What is the capital of France?"
TYPER_FLOOR = """
from pathlib import Path
from typing import Annotated
import typer
app = typer.Typer()
@app.callback()
def main(): pass
@app.command()
def route(query: str, context: str | None = None,
          context_file: Annotated[Path | None, typer.Option(exists=True)] = None,
          metadata: str | None = None, rules: Path | None = None,
          as_json: Annotated[bool, typer.Option("--json")] = False):
    print(query)
app()
"""


def cases(log: Path) -> dict[str, list[str]]:
    llmroute = [sys.executable, "-m", "llmroute_cli"]
    return {
        "route (tokens and costs)": [*llmroute, "route", QUERY, "--rules", "routes.yaml"],
        "route --no-tokens": [*llmroute, "route", QUERY, "--rules", "routes.yaml", "--no-tokens"],
        "route --help": [*llmroute, "route", "--help"],
        "simulate, one-line log": [*llmroute, "simulate", str(log), "--rules", "routes.yaml", "--days", "1"],
    }


def seconds(argv: list[str], tree: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    start = time.perf_counter()
    subprocess.run(argv, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def medians(trees: dict[str, Path], argv: list[str], runs: int) -> dict[str, float]:
    for tree in trees.values():
        seconds(argv, tree)  # warm bytecode and the page cache
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():  # alternate, so both see the same moments of the machine
            times[name].append(seconds(argv, tree))
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--baseline", help="a git revision to time beside this checkout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this checkout": ROOT}
        if args.baseline:
            base = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base), args.baseline], cwd=ROOT, check=True)
            trees[args.baseline] = base
        try:
            run(trees, Path(tmp), args.runs)
        finally:
            if args.baseline:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(trees[args.baseline])], cwd=ROOT, check=False
                )


def run(trees: dict[str, Path], tmp: Path, runs: int) -> None:
    log = tmp / "one.jsonl"
    log.write_text((ROOT / "sample_data" / "chat_logs.jsonl").read_text().splitlines()[0] + "\n")
    floor = tmp / "typer_floor.py"
    floor.write_text(TYPER_FLOOR)
    print(f"medians of {runs} runs, seconds, whole process ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)")
    print(f"{'':28}" + "".join(f"{name:>16}" for name in trees))
    for label, argv in cases(log).items():
        got = medians(trees, argv, runs)
        print(f"{label:28}" + "".join(f"{got[name]:>16.3f}" for name in trees))
    for label, argv in {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bare Typer app, 6 options": [sys.executable, str(floor), "route", QUERY],
    }.items():
        print(f"{label:28}{medians({'': ROOT}, argv, runs)['']:>16.3f}")


if __name__ == "__main__":
    main()
