"""`llmroute check` on big generated rule files: 1k, 5k and 10k rules of keywords, words, sizes and metadata.

Run: PYTHONPATH=. python bench/bench_check.py [N ...]
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rule_file(n: int, seed: int = 0) -> str:
    """``n`` rules of the kinds real files have, some shadowing others, two tiers."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))) for _ in range(n)]
    lines = ["tiers:", "  cheap: gpt-4o-mini", "  expensive: gpt-4o", "default: cheap", "rules:"]
    for i in range(n):
        kind = i % 10
        if kind < 5:
            when = f'query: {{contains: ["{words[i]}", "{words[i - 1]}x"], ignore_case: true}}'
        elif kind < 7:
            when = f'query: {{words: ["{words[i]}"]}}'
        elif kind == 7:
            when = f"query.chars: {{gt: {rng.randint(10, 100000)}}}"
        elif kind == 8:
            when = f'metadata.team{i % 50}: {{eq: "t{i}"}}'
        else:
            size = f"{{context.chars: {{lt: {rng.randint(1, 9999)}}}}}"
            when = f'all: [{{query: {{contains: ["{words[i]}"]}}}}, {size}]'
        tier = "cheap" if i % 2 else "expensive"
        lines += [f"  - name: r{i}", f"    when: {{{when}}}", f"    route: {tier}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000, 10000]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"rules-{n}.yaml"
            path.write_text(rule_file(n))
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "llmroute_cli", "check", str(path)], capture_output=True)
            took = time.perf_counter() - start
            problems = len(done.stdout.decode().splitlines())
            print(f"{n:>6,} rules: {took:5.2f} s (exit {done.returncode}, {problems} lines of problems)")


if __name__ == "__main__":
    main()
