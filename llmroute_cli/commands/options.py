"""Options several commands share: how logs are read, how output is estimated, and the checks of both.

The core checks the values themselves (``SimulateOptions``, ``check_scale``, ``Gates``) and names
the parameter; here they are only parsed from the command line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.errors import LlmrouteError, UsageError

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
MAX_LINE_BYTES = 16 << 20
QuietOpt = Annotated[bool, typer.Option(help="No progress bar.")]
EngineOpt = Annotated[str, typer.Option(help="Where to read and route: local (this machine) or dask (a Dask cluster).")]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="With --engine dask: the scheduler's address [default: a LocalCluster].")
]
WorkersOpt = Annotated[int, typer.Option(help="With --engine dask and no --scheduler: LocalCluster worker processes.")]
PartitionOpt = Annotated[
    int, typer.Option(help="With --engine dask: plain JSONL larger than this many bytes is cut into byte ranges.")
]
PARTITION_BYTES = 64 << 20
SchedulerTimeoutOpt = Annotated[
    float, typer.Option(help="With --scheduler: seconds to reach the scheduler before giving up.")
]
SCHEDULER_TIMEOUT = 10.0
FieldOpt = Annotated[str | None, typer.Option(help="Dotted path overriding detection (see README, 'Logs it reads').")]
MetadataFieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metadata-field",
        metavar="NAME=PATH",
        help="Read the dotted PATH of each record as metadata.NAME (plan=user_api_key_metadata.plan). Repeatable.",
    ),
]
METADATA_FIELD_USAGE = "--metadata-field takes NAME=DOTTED.PATH (e.g. plan=user_api_key_metadata.plan)"
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
UNKNOWN_PRICE_USAGE = (
    "--unknown-model-price takes MODEL=IN/OUT (USD per 1M input/output tokens, e.g. o1=15/60) or MODEL=skip"
)


@dataclass(frozen=True, slots=True)
class UnknownModels:
    """What ``--unknown-model-price`` says: prices to add, and models whose logged requests to leave out."""

    prices: dict[str, Any] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()


def unknown_models(values: list[str] | None) -> UnknownModels:
    """``MODEL=IN/OUT`` and ``MODEL=skip`` entries; a malformed one, or a model given twice, is a usage error."""
    from llmroute_cli.pricing.prices import Price

    prices: dict[str, Any] = {}
    skip: set[str] = set()
    for value in values or []:
        model, _, price = (part.strip() for part in value.rpartition("="))
        if not model:
            raise UsageError(f"{UNKNOWN_PRICE_USAGE}, got '{value}'")
        if model in prices or model in skip:
            raise UsageError(f"--unknown-model-price names '{model}' twice")
        if price.lower() == "skip":
            skip.add(model)
        else:
            rates = _rates(price, value)
            prices[model] = Price(*rates, source="--unknown-model-price")
    return UnknownModels(prices, frozenset(skip))


def _rates(text: str, value: str) -> tuple[float, float]:
    parts = text.split("/")
    try:
        rates = tuple(float(p) for p in parts)
    except ValueError:
        rates = ()
    if len(rates) != 2 or not all(0 <= r < float("inf") for r in rates):  # also refuses NaN
        raise UsageError(f"{UNKNOWN_PRICE_USAGE}, got '{value}'")
    return rates[0], rates[1]


def reading(
    logs: list[str],
    *,
    strict: bool = False,
    jobs: int = 1,
    query_field: str | None = None,
    context_field: str | None = None,
    time_field: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    metadata_field: list[str] | tuple[str, ...] | None = None,
    engine: Engine | None = None,
) -> Any:
    """What to read and how, for ``pipeline.read_and_route``; ``jobs`` 0 is one process per core."""
    from llmroute_cli.logs import ReadOptions
    from llmroute_cli.simulate.parallel import default_jobs
    from llmroute_cli.simulate.pipeline import Reading

    if jobs < 0:
        raise UsageError(f"--jobs must be 0 (one per core) or more, got {jobs}")
    check_max_line(max_line_bytes)
    options = ReadOptions(
        query_field=query_field,
        context_field=context_field,
        time_field=time_field,
        metadata_fields=metadata_fields(metadata_field),
        strict=strict,
        max_line_bytes=max_line_bytes,
    )
    runner = engine.runner() if engine is not None else None
    return Reading(logs, options, jobs or default_jobs(), runner)


@dataclass(frozen=True, slots=True)
class Engine:
    """``--engine`` and its options as given on the command line."""

    name: str = "local"
    scheduler: str | None = None
    workers: int = 2
    partition_bytes: int = PARTITION_BYTES
    scheduler_timeout: float = SCHEDULER_TIMEOUT

    def runner(self) -> Any:
        """None to read here; for ``dask``, the runner (the dask module is imported only now)."""
        if self.name == "local":
            if self.scheduler is not None:
                raise UsageError("--scheduler needs --engine dask")
            return None
        if self.name != "dask":
            raise UsageError(f"--engine takes local or dask, got '{self.name}'")
        from llmroute_cli.cluster.engine import DaskRunner

        if self.workers < 1:
            raise UsageError(f"--workers must be at least 1, got {self.workers}")
        if self.partition_bytes < 1:
            raise UsageError(f"--partition-bytes must be at least 1, got {self.partition_bytes}")
        if not 0 < self.scheduler_timeout <= 3600:  # also refuses NaN
            raise UsageError(f"--scheduler-timeout must be above 0 and at most 3600, got {self.scheduler_timeout}")
        return DaskRunner(self.scheduler, self.workers, self.partition_bytes, _to_stderr, self.scheduler_timeout)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def check_max_line(max_line_bytes: int) -> None:
    """``--max-line-bytes`` must allow a line."""
    if max_line_bytes < 1:
        raise UsageError(f"--max-line-bytes must be at least 1, got {max_line_bytes}")


def metadata_fields(values: list[str] | tuple[str, ...] | None) -> tuple[tuple[str, str], ...]:
    """``NAME=PATH`` entries; a NAME is a metadata key (letters, digits, ``_``, ``-``), given once."""
    pairs: list[tuple[str, str]] = []
    for value in values or ():
        name, sep, path = (part.strip() for part in value.partition("="))
        if not sep or not name or not path or not all(c.isalnum() or c in "_-" for c in name):
            raise UsageError(f"{METADATA_FIELD_USAGE}, got '{value}'")
        if name in dict(pairs):
            raise UsageError(f"--metadata-field names '{name}' twice")
        pairs.append((name, path))
    return tuple(pairs)


def parse_output_ratios(values: list[str]) -> tuple[float | None, dict[str, float]]:
    """``R`` (the estimate for unlogged output) and ``MODEL=R`` entries (moved requests)."""
    plain: float | None = None
    per_model: dict[str, float] = {}
    for value in values:
        model, sep, number = value.rpartition("=")
        try:
            ratio = float(number)
        except ValueError:
            raise UsageError(f"--output-ratio takes R or MODEL=R, got '{value}'") from None
        if sep and not model.strip():
            raise UsageError(f"--output-ratio takes R or MODEL=R, got '{value}'")
        if model:
            per_model[model] = ratio
        else:
            plain = ratio
    return plain, per_model


def simulate_options(ratios: list[str] | None, **given: Any) -> Any:
    """SimulateOptions from the command line's ``--output-ratio`` values and the other options as given."""
    from llmroute_cli.simulate.simulation import DEFAULT_OUTPUT_RATIO, SimulateOptions

    ratio, per_model = parse_output_ratios(ratios or [])
    return SimulateOptions(
        output_ratio=DEFAULT_OUTPUT_RATIO if ratio is None else ratio,
        output_ratio_given=ratio is not None,
        model_output_ratios=per_model,
        **given,
    )


def check_models(book: Any, options: Any, tiers: dict[str, str]) -> None:
    """Options that name a tier or a model must name a known one."""
    if options.baseline_tier is not None and options.baseline_tier not in tiers:
        raise UsageError(
            f"--baseline-tier '{options.baseline_tier}' is not a tier; expected one of: {', '.join(tiers)}"
        )
    for model in options.model_output_ratios:
        try:
            book.price(model)
        except LlmrouteError as exc:
            raise UsageError(f"--output-ratio {model}=…: {exc}") from None


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
