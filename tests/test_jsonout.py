"""Reports' JSON and CSV print floats at 15 significant digits: short decimals as themselves, no binary noise."""

from __future__ import annotations

import json
import math
import re

from llmroute_cli.cli import app
from llmroute_cli.render.jsonout import report_json, tidied, tidy


def test_binary_noise_goes_and_precision_stays():
    assert tidy(0.1 + 0.2) == 0.3 and repr(0.1 + 0.2) == "0.30000000000000004"
    assert tidy(113.42609280000003) == 113.4260928
    assert tidy(2920 / 7) == 417.142857142857  # a true repeating decimal keeps 15 digits
    assert abs(tidy(2920 / 7) - 2920 / 7) / (2920 / 7) < 1e-15
    assert math.isnan(tidy(math.nan)) and tidy(math.inf) == math.inf and tidy(1e-300) == 1e-300


def test_every_float_in_nested_reports_and_nothing_else_is_tidied():
    report = {"a": [0.1 + 0.2, {"b": (1.1 * 3,)}], "n": 3, "s": "0.30000000000000004", "t": True, "none": None}
    assert tidied(report) == {"a": [0.3, {"b": [3.3]}], "n": 3, "s": "0.30000000000000004", "t": True, "none": None}
    assert json.loads(report_json({"x": 0.1 + 0.2, "é": "ü"})) == {"x": 0.3, "é": "ü"}
    assert '"é": "ü"' in report_json({"é": "ü"})


def _digits(number: str) -> int:
    mantissa = number.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mantissa)


def test_simulate_json_and_csv_carry_no_float_past_15_digits(runner, root):
    log = str(root / "sample_data" / "chat_logs.jsonl")
    for fmt in ("json", "csv"):
        result = runner.invoke(app, ["simulate", log, "--rules", str(root / "routes.yaml"), "--format", fmt, "--quiet"])
        assert result.exit_code == 0, result.output
        floats = re.findall(r"(?<![\w.])-?\d+\.\d+(?:e-?\d+)?", result.stdout)
        assert len(floats) > 20
        assert max(_digits(f) for f in floats) <= 15
