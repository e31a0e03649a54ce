"""Timestamps out of range are named records, and a few stray ones that stretch the period are warned of."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmroute_cli.cli import app

MAY_1 = 1714521600  # 2024-05-01T00:00:00Z


def chat(when: object) -> dict:
    messages = [{"role": "user", "content": "hello"}]
    return {"model": "gpt-4o", "timestamp": when, "messages": messages, "usage": {"prompt_tokens": 7}}


def simulate(runner, tmp_path, stamps, *extra):
    log = tmp_path / "logs.jsonl"
    log.write_text("".join(json.dumps(chat(s)) + "\n" for s in stamps))
    result = runner.invoke(app, ["simulate", str(log), "--format", "json", "--bootstrap", "0", "--quiet", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result, log


def two_days(n: int = 96) -> list[int]:
    """``n`` requests from 2024-05-01T00:00Z, one every 30 minutes: 96 fill 2024-05-01 and 2024-05-02."""
    return [MAY_1 + 1800 * i for i in range(n)]


@pytest.mark.parametrize("stamp", ["3000-01-01T00:00:00", "9999-12-31T23:59:59+00:00", "0001-01-01"])
def test_an_iso_time_out_of_range_is_a_named_record(runner, tmp_path, stamp):
    result, log = simulate(runner, tmp_path, [MAY_1, stamp], "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {log}:2: 'timestamp' is out of range for a time (got '{stamp}')"]


def test_an_iso_time_in_2999_is_read(runner, tmp_path):
    result, _ = simulate(runner, tmp_path, [MAY_1, "2999-12-31T00:00:00Z"], "--strict")
    assert result.exit_code == 0, result.output


def test_stray_timestamps_at_both_ends_are_warned_of(runner, tmp_path):
    # 96 requests over two days, one at the epoch, one in 2999: 98 in all; the central 98% drops one (at least) at each end
    result, _ = simulate(runner, tmp_path, [0, *two_days(), "2999-01-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["days"] == 375_835.0  # 1970-01-01 to 2999-01-01: 1,029 years, 250 of them leap years
    assert report["warnings"] == [
        "the period (375,835.0 days) was set from the first timestamp to the last, but 2 requests lie far outside "
        "the days of the central 98% of timestamps (2024-05-01 to 2024-05-02): the earliest at 1970-01-01T00:00:00Z, "
        "the latest at 2999-01-01T00:00:00Z; pass --days to set the period"
    ]


def test_one_stray_timestamp_is_warned_of(runner, tmp_path):
    result, _ = simulate(runner, tmp_path, [*two_days(20), 86_400 * 10 + 1])  # 1970-01-11T00:00:01Z
    assert result.exit_code == 0, result.output
    days = (MAY_1 + 1800 * 19 - 864_001) / 86_400
    assert json.loads(result.stdout)["warnings"] == [
        f"the period ({days:,.1f} days) was set from the first timestamp to the last, but 1 request lies far outside "
        "the days of the central 98% of timestamps (2024-05-01 to 2024-05-01): at 1970-01-11T00:00:01Z; "
        "pass --days to set the period"
    ]


def test_no_warning_under_days_or_for_traffic_spread_evenly(runner, tmp_path):
    result, _ = simulate(runner, tmp_path, [0, *two_days()], "--days", "2")
    assert json.loads(result.stdout)["warnings"] == []
    result, _ = simulate(runner, tmp_path, [MAY_1 + 86_400 * i for i in range(365)])
    assert json.loads(result.stdout)["warnings"] == []


def test_no_warning_for_fewer_than_ten_timestamps(runner, tmp_path):
    result, _ = simulate(runner, tmp_path, [0, *two_days(8)])
    assert json.loads(result.stdout)["warnings"] == []


def test_timelines_of_shards_merge_to_the_timeline_of_the_whole():
    from llmroute_cli.simulate.timeline import Timeline

    stamps = np.array([0.0, *two_days(), 32_503_679_999.5, 1.5])
    whole, first, second = Timeline(), Timeline(), Timeline()
    whole.add(stamps)
    first.add(stamps[:37])
    second.add(stamps[37:])
    first.merge(second)
    assert first.days == whole.days
    assert whole.days[0] == (2, 0.0, 1.5)
    assert first.outliers() == whole.outliers()
