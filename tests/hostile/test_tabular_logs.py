"""CSV and Parquet logs whose columns or cells Python cannot hold: one-line errors or named records."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmroute_cli.cli import app

NOON = 1714564800 * 10**6  # 2024-05-01T12:00:00Z in µs
PAST_9999 = 253402300800 * 10**6  # 10000-01-01T00:00:00Z in µs


def simulate(runner, path, *extra):
    args = ["simulate", str(path), "--days", "1", "--format", "json", "--bootstrap", "0", "--quiet", *extra]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("header", ["query,metadata.plan,metadata.plan", "query,plan,plan"], ids=["dotted", "plain"])
def test_a_csv_column_named_twice_is_a_one_line_error(runner, tmp_path, header):
    log = tmp_path / "logs.csv"
    log.write_text(f"{header}\nhello,free,pro\n")
    result = simulate(runner, log)
    assert result.exit_code == 1
    column = header.split(",")[-1]
    assert result.stderr.splitlines() == [
        f"error: {log}:1: column '{column}' appears twice in the header; rename or drop one"
    ]


def test_a_parquet_column_named_twice_is_a_one_line_error(runner, tmp_path):
    log = tmp_path / "logs.parquet"
    table = pa.Table.from_arrays([pa.array(["hello"]), pa.array(["free"]), pa.array(["pro"])],
                                 names=["query", "metadata.plan", "metadata.plan"])  # fmt: skip
    pq.write_table(table, log)
    result = simulate(runner, log)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {log}: column 'metadata.plan' appears twice in the header; rename or drop one"
    ]


def parquet_past_9999(tmp_path):
    log = tmp_path / "logs.parquet"
    stamps = pa.array([NOON, PAST_9999, NOON], type=pa.timestamp("us"))
    pq.write_table(pa.table({"query": ["one", "two", "three"], "timestamp": stamps}), log)
    return log


def test_a_parquet_time_past_year_9999_is_a_skipped_named_record(runner, tmp_path):
    log = parquet_past_9999(tmp_path)
    result = simulate(runner, log)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["input"]["skipped"] == 1
    assert report["input"]["errors"] == [
        f"{log}:2: 'timestamp' holds a timestamp[us] value past what Python can read (after year 9999)"
    ]


def test_a_parquet_time_past_year_9999_under_strict_is_a_one_line_error(runner, tmp_path):
    log = parquet_past_9999(tmp_path)
    result = simulate(runner, log, "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {log}:2: 'timestamp' holds a timestamp[us] value past what Python can read (after year 9999)"
    ]
