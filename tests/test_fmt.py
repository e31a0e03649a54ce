"""Money as text: cents rounded half up from the decimal a user would write, sub-cent amounts never $0.00."""

from __future__ import annotations

import numpy as np
import pytest

from llmroute_cli.render.fmt import money


@pytest.mark.parametrize(
    ("usd", "text"),
    [
        (0.105, "$0.11"),  # the float is a hair under 0.105; a half cent still rounds up
        (5.105, "$5.11"),
        (2.675, "$2.68"),
        (8577.5, "$8,577.50"),
        (1_234_567.891, "$1,234,567.89"),
        (0.0, "$0.00"),
        (-3.5, "-$3.50"),
        (0.00123456, "$0.00123"),
        (0.0099949, "$0.00999"),
        (0.009995, "$0.01"),  # rounds up into cents
        (-0.004, "-$0.00400"),
        (1e-9, "$0.00000000100"),
        (np.float64(0.105), "$0.11"),
    ],
)
def test_money(usd, text):
    assert money(usd) == text


def test_a_money_column_prints_figures_that_differ_differently():
    from llmroute_cli.render.fmt import money_column

    assert money_column([0.66, 1.56, 0.53]) == ["$0.66", "$1.56", "$0.53"]  # cents already tell them apart
    assert money_column([0.0129, 0.0131, 1.5, None]) == ["$0.0129", "$0.0131", "$1.5000", None]
    assert money_column([0.011234, 0.011236, 0.011234]) == ["$0.01123", "$0.01124", "$0.01123"]
    assert money_column([2.0, 2.0]) == ["$2.00", "$2.00"]  # equal figures stay at cents


def test_a_sweep_of_a_four_tier_policy_shows_spend_moving(runner, tmp_path):
    import json

    from llmroute_cli.cli import app

    rules = """\
tiers: {nano: gpt-4.1-nano, mini: gpt-4o-mini, big: gpt-4o, top: gpt-4.1}
default: nano
rules:
  - name: long
    when: {query.chars: {gt: 40}}
    route: mini
"""
    (tmp_path / "r.yaml").write_text(rules)
    lines = [
        {"messages": [{"role": "user", "content": "x" * (10 + i)}], "usage": {"prompt_tokens": 5000 + i}}
        for i in range(60)
    ]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    args = ["sweep", str(tmp_path / "log.jsonl"), "--rules", str(tmp_path / "r.yaml"), "--days", "1"]
    result = runner.invoke(app, [*args, "--param", "long.query.chars=20:60:10"])
    assert result.exit_code == 0, result.output
    daily = [line.split("│")[3].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(daily) == 5 and len(set(daily)) == 5, daily  # every threshold moves spend, and it shows
