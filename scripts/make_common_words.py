"""Build llmroute_cli/data/common_words.txt: English words common in real prompts.

`llmroute check` warns when a substring keyword also matches inside one of these words
("class" in "classic"). The corpus is the real MMLU and MT-Bench questions in ../shared/data
(lm-sys/RouteLLM, Apache-2.0). Run: python scripts/make_common_words.py [SHARED_DIR]
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

MIN_COUNT = 3
WORD = re.compile(r"[a-z]{3,}")


def corpus(shared: Path) -> list[str]:
    data = shared / "data" / "routellm"
    texts = []
    for path in sorted((data / "mmlu").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            texts.extend(row["prompt"] for row in csv.DictReader(f))
    for line in (data / "mt_bench" / "question.jsonl").read_text("utf-8").splitlines():
        texts.extend(json.loads(line)["turns"])
    return texts


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared"
    counts = Counter(w for text in corpus(shared) for w in WORD.findall(text.lower()))
    words = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    out = root / "llmroute_cli" / "data" / "common_words.txt"
    out.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{out}: {len(words)} words")


if __name__ == "__main__":
    main()
