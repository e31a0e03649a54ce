"""Benchmark `llmroute simulate` against what an expert would write instead: one DuckDB query (not a test).

On bench_simulate.py's generated chat log with usage logged, times in one run, best of --repeat:

- the parse limit (orjson over every line, one core);
- one DuckDB SQL query that reads the same JSONL (only the columns it needs), takes the last user
  message as the query and the other messages as context, applies the shipped routes.yaml's
  three rules and sums the cost at the routed tier's list price;
- `llmroute simulate LOG --format json`,

and prints the ratios, and both totals, which must agree (they are the same policy and prices).
DuckDB is not a dependency of llmroute: `pip install duckdb` to run this.

Usage: python bench/bench_duckdb.py --rows 100000 [--repeat 3] [--keep DIR] [--shape rotating]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_simulate import SHAPES, generate, parse_limit  # noqa: E402

# routes.yaml as SQL: short-no-code, then code, then long-context, else the default (cheap).
SQL = """
WITH requests AS (
    SELECT
        usage.prompt_tokens AS input_tokens,
        usage.completion_tokens AS output_tokens,
        list_filter(messages, lambda m: m.role = 'user')[-1].content AS query,
        list_sum(list_transform(messages, lambda m: length(m.content)))
            - length(list_filter(messages, lambda m: m.role = 'user')[-1].content) AS context_chars
    FROM read_json(?, format = 'newline_delimited', columns = {
        'messages': 'STRUCT(role VARCHAR, content VARCHAR)[]',
        'usage': 'STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT)'
    })
), routed AS (
    SELECT *,
        contains(query, '```') OR contains(query, 'def ') OR contains(query, 'function ') AS has_code,
        CASE
            WHEN length(query) < 200 AND NOT has_code THEN 'cheap'
            WHEN has_code OR regexp_matches(lower(query), 'debug|refactor|implement|algorithm|function|class|error')
                THEN 'expensive'
            WHEN context_chars > 8000 THEN 'expensive'
            ELSE 'cheap'
        END AS tier
    FROM requests
)
SELECT
    sum(CASE tier WHEN 'cheap' THEN input_tokens * 0.15 + output_tokens * 0.60
                  ELSE input_tokens * 2.50 + output_tokens * 10.00 END) / 1e6 AS cost_usd,
    count(*) AS requests
FROM routed
"""


def duckdb_query(path: Path) -> tuple[float, float]:
    import duckdb

    start = time.perf_counter()
    cost, _ = duckdb.connect().execute(SQL, [str(path)]).fetchone()
    return time.perf_counter() - start, float(cost)


def llmroute(path: Path) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "llmroute_cli", "simulate", str(path), "--rules", str(ROOT / "routes.yaml")]
    start = time.perf_counter()
    out = subprocess.run([*cmd, "--format", "json", "--quiet"], capture_output=True, text=True, cwd=ROOT, check=True)
    return time.perf_counter() - start, json.loads(out.stdout)["routed"]["cost_usd"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the generated log in this directory")
    parser.add_argument("--shape", choices=SHAPES, default="readme", help="bench_simulate's README or rotating log")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="llmroute-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"chat_{args.rows}_usage{'' if args.shape == 'readme' else '_' + args.shape}.jsonl"
    if not path.exists():
        generate(path, args.rows, usage=True, shape=args.shape)
    mb = path.stat().st_size / 1e6
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"{args.rows:,} rows, {args.shape} shape, {mb:,.0f} MB, {os.cpu_count()} cores, {when}")
    parse = min(parse_limit(path) for _ in range(args.repeat))
    duck = min(duckdb_query(path) for _ in range(args.repeat))
    ours = min(llmroute(path) for _ in range(args.repeat))
    print(f"  {'parse limit (orjson, one core)':<34} {parse:7.2f} s")
    print(f"  {'DuckDB SQL (all cores)':<34} {duck[0]:7.2f} s   total ${duck[1]:,.6f}")
    print(f"  {'llmroute simulate':<34} {ours[0]:7.2f} s   total ${ours[1]:,.6f}")
    print(f"  llmroute / DuckDB {ours[0] / duck[0]:.2f}x   llmroute / parse limit {ours[0] / parse:.2f}x")
    agree = abs(duck[1] - ours[1]) <= 1e-9 * max(1.0, ours[1])
    print(f"  totals {'agree' if agree else 'DIFFER: the SQL is not the same policy'}")


if __name__ == "__main__":
    main()
