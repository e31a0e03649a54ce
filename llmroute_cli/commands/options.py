"""Options several commands share: how logs are read, how output is estimated, and the checks of both.

The core checks the values themselves (``SimulateOptions``, ``check_scale``, ``Gates``) and names
the parameter; here they are only parsed from the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.api.options import (  # noqa: F401 - re-exported: the commands take their options from here
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    Engine,
    UnknownModels,
    check_max_line,
    check_models,
    metadata_fields,
    reading,
    simulate_options,
    unknown_models,
)
from llmroute_cli.errors import UsageError

LogsArg = Annotated[
    list[str], typer.Argument(help="Log files (JSONL, .jsonl.gz, CSV, Parquet), globs, or - for stdin.")
]
RulesOpt = Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")]
PricesOpt = Annotated[
    Path | None,
    typer.Option(help="Price file: a LiteLLM price map or a saved OpenRouter /api/v1/models response."),
]
ProviderOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Price models at this provider's entries where several match (azure, bedrock, openrouter...) "
        "[default: each model's own provider].",
    ),
]
DaysOpt = Annotated[float | None, typer.Option(help="Days the logs cover [default: first to last timestamp].")]
SampleRateOpt = Annotated[float, typer.Option(help="Share of all traffic the logs hold, e.g. 0.1.")]
StrictOpt = Annotated[bool, typer.Option(help="Stop at the first malformed record (exit 1).")]
JobsOpt = Annotated[
    int, typer.Option(help="Processes for large plain JSONL logs [default: 0 = one per core; 1 = serial].")
]
MaxLineOpt = Annotated[
    int,
    typer.Option(
        "--max-line-bytes", help="A longer JSONL line is a malformed record, read past (with --strict an error)."
    ),
]
QuietOpt = Annotated[bool, typer.Option(help="No progress bar.")]
EngineOpt = Annotated[str, typer.Option(help="Where to read and route: local (this machine) or dask (a Dask cluster).")]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="With --engine dask: the scheduler's address [default: a LocalCluster].")
]
WorkersOpt = Annotated[int, typer.Option(help="With --engine dask and no --scheduler: LocalCluster worker processes.")]
PartitionOpt = Annotated[
    int, typer.Option(help="With --engine dask: plain JSONL larger than this many bytes is cut into byte ranges.")
]
SchedulerTimeoutOpt = Annotated[
    float, typer.Option(help="With --scheduler: seconds to reach the scheduler before giving up.")
]
FieldOpt = Annotated[str | None, typer.Option(help="Dotted path overriding detection (see README, 'Logs it reads').")]
MetadataFieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metadata-field",
        metavar="NAME=PATH",
        help="Read the dotted PATH of each record as metadata.NAME (plan=user_api_key_metadata.plan). Repeatable.",
    ),
]
ColdCacheOpt = Annotated[bool, typer.Option(help="Price requests moved to another model without cache reads.")]
BatchOpt = Annotated[bool, typer.Option(help="Price every request at Batch API prices.")]
RatioOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="R|MODEL=R",
        help="R: output tokens per input token when not logged [default: 0.25]. "
        "MODEL=R: output length of requests moved to MODEL, relative to the logged one. Repeatable.",
    ),
]



def share(option: str, text: str | None) -> float | None:
    """A share of requests given as a fraction (``0.4``) or a percent with its sign (``40%``)."""
    if text is None:
        return None
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise UsageError(f"{option} takes a share, a fraction (0.4) or a percent (40%), got {text!r}") from None
    value = value / 100 if percent else value
    if not 0 <= value <= 1:
        hint = f" (for {value:g}% write {value / 100:g} or {value:g}%)" if not percent and 1 < value <= 100 else ""
        raise UsageError(f"{option} is a share from 0 to 1 or 0% to 100%, got {text}{hint}")
    return value


def share_opt(help_text: str) -> Any:
    """An option taking a share (read by ``share``), shown as SHARE."""
    return typer.Option(metavar="SHARE", help=f"{help_text} A fraction (0.3) or a percent (30%).")


UnknownPriceOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="MODEL=IN/OUT|MODEL=skip",
        help="MODEL=IN/OUT: price a model the table lacks, in USD per 1M input/output tokens (o1=15/60). "
        "MODEL=skip: leave out the requests logged on it, counted and reported. Repeatable.",
    ),
]
def to_stderr(line: str) -> None:
    """A notice for the user (the Dask dashboard's address), on stderr."""
    print(line, file=sys.stderr)


def warn_models(totals: Any) -> None:
    """Requests left out by ``--unknown-model-price MODEL=skip`` and fine-tunes priced as their base, on stderr."""
    from llmroute_cli.reports.simulate import model_warnings

    for line in model_warnings(totals):
        print(f"warning: {line}", file=sys.stderr)


def warn_skipped(stats: Any) -> None:
    """The malformed records a read skipped, on stderr, for commands whose report has no room for them."""
    from llmroute_cli.render.report import alerts
    from llmroute_cli.reports.simulate import ignored_warnings

    summary = stats.summary()
    for line in alerts({"warnings": ignored_warnings(summary), "input": summary}):
        print(line, file=sys.stderr)
