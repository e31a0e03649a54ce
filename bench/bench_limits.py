"""Hostile-input timings: a gzip of ~10^9 blank lines, and a 50 MB line (plain and gzip), read through `simulate`.

Run: PYTHONPATH=. python bench/bench_limits.py [--newlines 1000000000]
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time

GOOD = (
    b'{"messages":[{"role":"user","content":"hi"}],"model":"gpt-4o",'
    b'"usage":{"prompt_tokens":5,"completion_tokens":3}}\n'
)


def blank_gzip(path: str, newlines: int) -> None:
    """GOOD, ``newlines`` newlines, GOOD, gzipped a piece at a time (never held whole)."""
    piece = b"\n" * (1 << 24)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as out:
        out.write(GOOD)
        left = newlines
        while left:
            n = min(left, len(piece))
            out.write(piece[:n])
            left -= n
        out.write(GOOD)


def long_line(path: str, size: int, gz: bool) -> None:
    opener = gzip.open if gz else open
    with opener(path, "wb") as out:
        out.write(GOOD)
        out.write(b'{"messages":[{"role":"user","content":"' + b"a" * size + b'"}]}\n')
        out.write(GOOD)


def run(path: str) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "llmroute_cli", "simulate", path, "--days", "1", "--quiet", "--bootstrap", "0"]
    cmd += ["--jobs", "1", "--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, check=False)
    took = time.perf_counter() - start
    peak = done.stderr.decode().strip().splitlines()[-1]
    return took, f"exit {done.returncode}, peak RSS {int(peak) // 1024} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--newlines", type=int, default=10**9)
    args = parser.parse_args()
    tmp = os.environ.get("BENCH_DIR", tempfile.gettempdir())
    blanks = os.path.join(tmp, f"blank-{args.newlines}.jsonl.gz")
    if not os.path.exists(blanks):
        blank_gzip(blanks, args.newlines)
    took, how = run(blanks)
    print(f"{args.newlines:,} blank lines, {os.path.getsize(blanks) / 1e6:.1f} MB gzip: {took:.1f} s ({how})")
    for gz in (False, True):
        path = os.path.join(tmp, "long-line.jsonl" + ".gz" * gz)
        long_line(path, 50 << 20, gz)
        took, how = run(path)
        print(f"one 50 MB line ({'gzip' if gz else 'plain'}): {took:.1f} s ({how})")


if __name__ == "__main__":
    main()
