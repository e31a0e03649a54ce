"""The options every run shares, as values: how logs are read, priced and estimated, and their checks.

Each mistake is an ``OptionError`` naming the parameter (``jobs``), which the command line spells
as its flag (``--jobs``). Values come as Python gives them (a dict, a float) or as the command
line does (``MODEL=IN/OUT`` strings).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmroute_cli.errors import LlmrouteError, OptionError

MAX_LINE_BYTES = 16 << 20
PARTITION_BYTES = 64 << 20
SCHEDULER_TIMEOUT = 10.0
VERIFIER_ERRORS = (0.1, 0.2, 0.4)
UNKNOWN_PRICE_USAGE = "{option} takes MODEL=IN/OUT (USD per 1M input/output tokens, e.g. o1=15/60) or MODEL=skip"
METADATA_FIELD_USAGE = "{option} takes NAME=DOTTED.PATH (e.g. plan=user_api_key_metadata.plan)"

PathLike = str | os.PathLike[str]
Logs = PathLike | Sequence[PathLike]


def lit(value: Any) -> str:
    """``value`` as text inside an ``OptionError`` template (its braces kept)."""
    return str(value).replace("{", "{{").replace("}", "}}")


def log_inputs(logs: Any) -> list[str]:
    """A path, or a list of paths, globs and URLs, as the reader's inputs."""
    if isinstance(logs, str | os.PathLike):
        return [os.fspath(logs)]
    if isinstance(logs, Sequence) and logs and all(isinstance(p, str | os.PathLike) for p in logs):
        return [os.fspath(p) for p in logs]
    raise OptionError("logs", f"{{option}} takes a path or a list of paths, got {lit(type(logs).__name__)}")


def _entries(value: Any, name: str) -> list[str]:
    """``KEY=VALUE`` strings from a mapping, a list of such strings, or one string."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [f"{k}={_joined(v)}" for k, v in value.items()]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    raise OptionError(name, f"{{option}} takes a dict or a list of strings, got {lit(type(value).__name__)}")


def _joined(value: Any) -> str:
    return "/".join(str(v) for v in value) if isinstance(value, tuple | list) else str(value)


@dataclass(frozen=True, slots=True)
class UnknownModels:
    """What ``unknown_model_price`` says: prices to add, and models whose logged requests to leave out."""

    prices: dict[str, Any] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()


def unknown_models(values: Any) -> UnknownModels:
    """``{MODEL: (IN, OUT) | "skip"}`` or ``MODEL=IN/OUT`` and ``MODEL=skip`` strings; a malformed one, or a
    model given twice, is an error."""
    from llmroute_cli.pricing.prices import Price

    prices: dict[str, Any] = {}
    skip: set[str] = set()
    for value in _entries(values, "unknown_model_price"):
        model, _, price = (part.strip() for part in value.rpartition("="))
        if not model:
            raise OptionError("unknown_model_price", f"{UNKNOWN_PRICE_USAGE}, got '{lit(value)}'")
        if model in prices or model in skip:
            raise OptionError("unknown_model_price", f"{{option}} names '{lit(model)}' twice")
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
        raise OptionError("unknown_model_price", f"{UNKNOWN_PRICE_USAGE}, got '{lit(value)}'")
    return rates[0], rates[1]


@dataclass(frozen=True, slots=True)
class Engine:
    """Where to read and route: ``local``, or ``dask`` with its scheduler, workers and partition size."""

    name: str = "local"
    scheduler: str | None = None
    workers: int = 2
    partition_bytes: int = PARTITION_BYTES
    notify: Callable[[str], None] | None = None  # told the Dask dashboard's address
    scheduler_timeout: float = SCHEDULER_TIMEOUT

    def runner(self) -> Any:
        """None to read here; for ``dask``, the runner (the dask module is imported only now)."""
        if self.name == "local":
            if self.scheduler is not None:
                raise OptionError("scheduler", "{option} needs --engine dask")
            return None
        if self.name != "dask":
            raise OptionError("engine", f"{{option}} takes local or dask, got '{lit(self.name)}'")
        from llmroute_cli.cluster.engine import DaskRunner

        if self.workers < 1:
            raise OptionError("workers", f"{{option}} must be at least 1, got {self.workers}")
        if self.partition_bytes < 1:
            raise OptionError("partition_bytes", f"{{option}} must be at least 1, got {self.partition_bytes}")
        if not 0 < self.scheduler_timeout <= 3600:  # also refuses NaN
            raise OptionError(
                "scheduler_timeout", f"{{option}} must be above 0 and at most 3600, got {self.scheduler_timeout}"
            )
        return DaskRunner(self.scheduler, self.workers, self.partition_bytes, self.notify, self.scheduler_timeout)


def reading(
    logs: list[str],
    *,
    strict: bool = False,
    jobs: int = 1,
    query_field: str | None = None,
    context_field: str | None = None,
    time_field: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    metadata_field: Any = None,
    engine: Engine | None = None,
    texts: frozenset[str] | None = None,
) -> Any:
    """What to read and how, for ``pipeline.read_and_route``; ``jobs`` 0 is one process per core.

    ``texts``: what the run reads of the texts besides what its rules test (None: every text)."""
    from llmroute_cli.logs import ReadOptions
    from llmroute_cli.simulate.parallel import default_jobs
    from llmroute_cli.simulate.pipeline import Reading

    if jobs < 0:
        raise OptionError("jobs", f"{{option}} must be 0 (one per core) or more, got {jobs}")
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
    return Reading(logs, options, jobs or default_jobs(), runner, texts)


def check_max_line(max_line_bytes: int) -> None:
    """``max_line_bytes`` must allow a line."""
    if max_line_bytes < 1:
        raise OptionError("max_line_bytes", f"{{option}} must be at least 1, got {max_line_bytes}")


def metadata_fields(values: Any) -> tuple[tuple[str, str], ...]:
    """``{NAME: PATH}`` or ``NAME=PATH`` entries; a NAME is a metadata key (letters, digits, ``_``, ``-``), once."""
    pairs: list[tuple[str, str]] = []
    for value in _entries(values, "metadata_field"):
        name, sep, path = (part.strip() for part in value.partition("="))
        if not sep or not name or not path or not all(c.isalnum() or c in "_-" for c in name):
            raise OptionError("metadata_field", f"{METADATA_FIELD_USAGE}, got '{lit(value)}'")
        if name in dict(pairs):
            raise OptionError("metadata_field", f"{{option}} names '{lit(name)}' twice")
        pairs.append((name, path))
    return tuple(pairs)


def output_ratios(value: Any) -> list[str]:
    """``output_ratio`` as ``R`` and ``MODEL=R`` strings: a number, ``{MODEL: R}``, or such strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [repr(float(value))]
    return _entries(value, "output_ratio")


def parse_output_ratios(values: list[str]) -> tuple[float | None, dict[str, float]]:
    """``R`` (the estimate for unlogged output) and ``MODEL=R`` entries (moved requests)."""
    plain: float | None = None
    per_model: dict[str, float] = {}
    for value in values:
        model, sep, number = value.rpartition("=")
        try:
            ratio = float(number)
        except ValueError:
            raise OptionError("output_ratio", f"{{option}} takes R or MODEL=R, got '{lit(value)}'") from None
        if sep and not model.strip():
            raise OptionError("output_ratio", f"{{option}} takes R or MODEL=R, got '{lit(value)}'")
        if model:
            per_model[model] = ratio
        else:
            plain = ratio
    return plain, per_model


def verifier_shares(value: Any) -> tuple[float, ...]:
    """``verifier_error`` as numbers: ``0.1,0.2,0.4`` or a list; the core checks their range."""
    if not isinstance(value, str):
        return tuple(float(v) for v in value)
    try:
        return tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        template = f"{{option}} takes comma-separated shares like 0.1,0.2,0.4, got {lit(repr(value))}"
        raise OptionError("verifier_error", template) from None


def simulate_options(ratios: Any, **given: Any) -> Any:
    """SimulateOptions from ``output_ratio`` (as ``output_ratios`` reads it) and the other options as given."""
    from llmroute_cli.simulate.simulation import DEFAULT_OUTPUT_RATIO, SimulateOptions

    ratio, per_model = parse_output_ratios(output_ratios(ratios))
    return SimulateOptions(
        output_ratio=DEFAULT_OUTPUT_RATIO if ratio is None else ratio,
        output_ratio_given=ratio is not None,
        model_output_ratios=per_model,
        **given,
    )


def check_models(book: Any, options: Any, tiers: dict[str, str]) -> None:
    """Options that name a tier or a model must name a known one."""
    if options.baseline_tier is not None and options.baseline_tier not in tiers:
        known = ", ".join(tiers)
        raise OptionError(
            "baseline_tier", f"{{option}} '{lit(options.baseline_tier)}' is not a tier; expected one of: {lit(known)}"
        )
    for model in options.model_output_ratios:
        try:
            book.price(model)
        except LlmrouteError as exc:
            raise OptionError("output_ratio", f"{{option}} {lit(model)}=…: {lit(exc)}") from None
