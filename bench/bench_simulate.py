"""Benchmark `llmroute simulate` against the two limits of this machine (not a test).

Generates a realistic N-row chat log (OpenAI chat shape: repeated system prompts, user
messages from short questions to 2 KB documents, some code, some non-ASCII), then prints,
all measured in this run on this machine:

- the parse limit: orjson over the file line by line, nothing else;
- the tokenisation limit: tiktoken (o200k_base) encoding every message text, on all cores;
- `llmroute simulate` with usage logged, and without (tokens counted), with rows/s, MB/s
  and peak memory (proportional set size summed over its processes, from a separate run).

With --repeat N each limit and each run is timed N times and the best kept, alike for both.

With --shape rotating the log is the one the speed issue measured: five long system prompts in
turn and a unique user query each (about 2.4 KB a row).

Usage: python bench/bench_simulate.py --rows 1000000 [--keep DIR] [--modes usage,counted] [--repeat 3]
       [--shape rotating]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a support agent for Acme Cloud. Answer briefly and link to the docs when you can. " * 6,
    "Classify the user's message into one of: billing, bug, feature-request, other. Reply with the label only.",
    "You are a senior Python engineer. Review code for bugs, security issues and style; be specific. " * 4,
    "Extract the fields name, date, amount and currency from the text as JSON.",
] + [f"You are assistant #{i} of the internal tools team. Follow the style guide v{i}. " * 8 for i in range(35)]
# The vocabulary of real MMLU and MT-Bench prompts, plus some non-ASCII as real logs carry.
WORDS = [
    *(ROOT / "llmroute_cli" / "data" / "common_words.txt").read_text("utf-8").split(),
    *["résumé", "naïve", "café", "東京", "データ", "🚀", "—", "“quoted”"] * 50,
]


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def _user(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return _text(rng, rng.randint(5, 30)) + "?"
    if kind < 0.65:
        return "Fix this:\n```python\ndef f(x):\n    return x / 0\n```\n" + _text(rng, rng.randint(20, 80))
    return _text(rng, rng.randint(150, 400))


# The shape: five long system prompts (about 2 KB each) in turn, a unique user query each; 2.4 KB a row.
ROTATING_PROMPTS = [
    f"You are agent {name}. " + "Follow the policy handbook, cite the section, and keep a friendly tone. " * 28
    for name in ("billing", "support", "sales", "legal", "onboarding")
]
SHAPES = ("readme", "rotating")


def _messages(rng: random.Random, i: int, shape: str) -> list[dict[str, str]]:
    if shape == "rotating":
        system, user = ROTATING_PROMPTS[i % 5], f"Request {i}: " + _text(rng, rng.randint(20, 80)) + "?"
    else:
        system, user = rng.choice(SYSTEM_PROMPTS), _user(rng)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def generate(path: Path, rows: int, usage: bool, seed: int = 1, shape: str = "readme") -> None:
    rng = random.Random(seed)
    t0 = 1_767_225_600  # 2026-01-01
    with path.open("wb") as f:
        for i in range(rows):
            messages = _messages(rng, i, shape)
            record: dict = {
                "id": f"chatcmpl-{i}",
                "created": t0 + i * 604_800 // rows,
                "model": rng.choice(["gpt-4o", "gpt-4o-mini"]),
                "messages": messages,
            }
            if usage:
                chars = sum(len(m["content"]) for m in messages)
                record["usage"] = {"prompt_tokens": chars // 4 + 10, "completion_tokens": rng.randint(5, 400)}
            f.write(orjson.dumps(record) + b"\n")


def parse_limit(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in f:
            orjson.loads(line)
    return time.perf_counter() - start


def token_limit(path: Path) -> float:
    """Encode every message text with the fastest method measured here: a pool of threads over slices."""
    sys.path.insert(0, str(ROOT))
    from llmroute_cli.tokens.encodings import encoding

    enc = encoding("o200k_base")
    texts = [m["content"] for line in path.open("rb") for m in orjson.loads(line)["messages"]]
    cores = os.cpu_count() or 1
    start = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        list(
            pool.map(lambda part: [len(enc.encode_ordinary(t)) for t in part], [texts[i::cores] for i in range(cores)])
        )
    return time.perf_counter() - start


def _pss_kib(pid: int) -> int:
    """Proportional set size of a process and its descendants (shared pages counted once)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _descendants(pid: int) -> list[int]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def run_simulate(path: Path, sample_memory: bool) -> tuple[float, float]:
    """Seconds and peak memory (MB, PSS summed over the simulate process and its workers; 0 unless sampled).

    Sampling /proc every 0.1 s takes CPU from the run it measures (2 cores here), so time and
    memory come from separate runs.
    """
    cmd = [
        sys.executable,
        "-m",
        "llmroute_cli",
        "simulate",
        str(path),
        "--rules",
        str(ROOT / "routes.yaml"),
        "--format",
        "json",
        "--quiet",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        if sample_memory:
            peak = max(peak, _pss_kib(proc.pid))
        time.sleep(0.1 if sample_memory else 0.01)
    if proc.returncode:
        raise SystemExit(f"simulate failed with exit code {proc.returncode}")
    return time.perf_counter() - start, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the generated logs in this directory")
    parser.add_argument("--modes", default="usage,counted", help="usage, counted, or both (comma-separated)")
    parser.add_argument("--repeat", type=int, default=1, help="time each limit and run this many times; keep the best")
    parser.add_argument("--shape", choices=SHAPES, default="readme", help="README's log, or the rotating one")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="llmroute-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    n = args.rows
    print(f"{n:,} rows, {args.shape} shape, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    modes = args.modes.split(",")
    for usage in [m == "usage" for m in ("usage", "counted") if m in modes]:
        suffix = "" if args.shape == "readme" else "_rotating"
        path = folder / f"chat_{n}_{'usage' if usage else 'nousage'}{suffix}.jsonl"
        if not path.exists():
            generate(path, n, usage, shape=args.shape)
        mb = path.stat().st_size / 1e6
        label = "usage logged" if usage else "tokens counted"
        limit = min(parse_limit(path) if usage else token_limit(path) for _ in range(args.repeat))
        limit_name = "parse limit (orjson)" if usage else "tokenise limit (tiktoken, all cores)"
        seconds = min(run_simulate(path, sample_memory=False)[0] for _ in range(args.repeat))
        peak = run_simulate(path, sample_memory=True)[1]
        print(f"[{label}] {mb:,.0f} MB")
        print(f"  {limit_name:<38} {limit:7.1f} s  {n / limit:10,.0f} rows/s  {mb / limit:7.1f} MB/s")
        print(
            f"  {'llmroute simulate':<38} {seconds:7.1f} s  {n / seconds:10,.0f} rows/s  {mb / seconds:7.1f} MB/s"
            f"  peak {peak:,.0f} MB  ({seconds / limit:.2f}x the limit)"
        )
    print("peak memory: proportional set size of simulate and its workers, sampled every 0.1 s in a separate run")


if __name__ == "__main__":
    main()
