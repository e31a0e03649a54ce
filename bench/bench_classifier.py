"""Benchmark the classifier router (not a test): training time, and `simulate` rows/s with a classifier rule.

Prints, all measured in this run on this machine:

- `llmroute train` on the shipped labeled MMLU log (9,454 real questions), held out by subject:
  wall time of the command, and its held-out APGR beside the length rule, for each of --seeds seeds
  (each seed holds out other subjects);
- `llmroute simulate` over a generated N-row chat log (bench_simulate.py's generator) with the
  shipped rules, and with the same rules plus a `classifier:` rule first, with rows/s for both.

Usage: python bench/bench_classifier.py [--rows 100000] [--seeds 3] [--features word,length]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_simulate import generate  # noqa: E402

LABELED = ROOT / "sample_data" / "mmlu_labeled.jsonl.gz"


def llmroute(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "llmroute_cli", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"llmroute {' '.join(args)}: exit {out.returncode}\n{out.stderr}")
    return time.perf_counter() - start, out.stdout


def train(where: Path, seed: int, features: str) -> Path:
    model = where / f"router-{seed}.json"
    seconds, out = llmroute(
        "train",
        str(LABELED),
        "--group-by",
        "metadata.subject",
        "-o",
        str(model),
        "--seed",
        str(seed),
        "--features",
        features,
        "--format",
        "json",
        "--quiet",
    )
    report = json.loads(out)
    routers = report["evaluations"][0]["routers"]
    figures = ", ".join(
        f"{name} {r['apgr']['value']:.3f} ({r['apgr']['low']:.3f}-{r['apgr']['high']:.3f})"
        for name, r in routers.items()
    )
    print(
        f"train seed {seed}: {seconds:.1f} s wall ({report['seconds']:.1f} s reading, fitting and judging); "
        f"held-out APGR {figures}; CPT(50%) {routers['classifier']['cpt50']:.1%}"
    )
    return model


def with_classifier(where: Path, model: Path) -> Path:
    doc = yaml.safe_load((ROOT / "routes.yaml").read_text())
    rule = {"name": "classifier", "when": {"classifier": {"model": model.name, "gt": 0.3}}, "route": "expensive"}
    doc["rules"] = [rule, *doc["rules"]]
    doc.pop("cases", None)
    path = where / "routes-classifier.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--features", default="word,length")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmroute-bench-") as tmp:
        where = Path(tmp)
        models = [train(where, seed, args.features) for seed in range(args.seeds)]
        log = where / "logs.jsonl"
        generate(log, args.rows, usage=True)
        rules = with_classifier(where, models[0])
        for name, path in (("shipped rules", ROOT / "routes.yaml"), ("+ classifier rule", rules)):
            seconds, _ = llmroute("simulate", str(log), "--rules", str(path), "--format", "json", "--quiet")
            print(f"simulate {args.rows:,} rows, {name}: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
