"""Build sample_data/mmlu_labeled.jsonl.gz: every RouteLLM MMLU question with both models' real correctness.

Usage: ``python scripts/make_mmlu_labeled.py [OUT] [--source DIR]``.

A dev script, not part of the installed tool. One chat record per question, in subject order:
the prompt as the user message, ``metadata.subject``, and ``correct`` for gpt-4o (standing in for
gpt-4-1106-preview) and gpt-4o-mini (for Mixtral-8x7B), the labels `llmroute train` learns from.
Deterministic: gzip with no timestamp, byte-identical output for the same inputs.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from make_sample_data import DEFAULT_SOURCE, ROOT, load_mmlu

OUT = ROOT / "sample_data" / "mmlu_labeled.jsonl.gz"


def records(source: Path) -> list[dict[str, object]]:
    out = []
    for subject, rows in load_mmlu(source).items():
        for i, (prompt, weak, strong) in enumerate(rows):
            out.append(
                {
                    "id": f"mmlu-{subject}-{i:04d}",
                    "model": "gpt-4o",
                    "messages": [{"role": "user", "content": prompt}],
                    "metadata": {"subject": subject},
                    "correct": {"gpt-4o": strong, "gpt-4o-mini": weak},
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=OUT)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(args.source))
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(lines.encode("utf-8"))
    print(f"{args.out}: {lines.count(chr(10))} questions")


if __name__ == "__main__":
    main()
