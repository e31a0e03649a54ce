"""``llmroute train``: fit a router on labeled logs, judge it on held-out queries, write it as plain JSON."""

from __future__ import annotations

import enum
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, progress_bar, refuse_overwrite, stdout_console
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    LogsArg,
    MaxLineOpt,
    MetadataFieldOpt,
    QuietOpt,
    RulesOpt,
    StrictOpt,
    reading,
    share,
    share_opt,
)
from llmroute_cli.errors import LlmrouteError, OptionError, UsageError
from llmroute_cli.render.jsonout import report_json


class Kind(enum.StrEnum):
    logistic = "logistic"
    knn = "knn"


class TrainFormat(enum.StrEnum):
    table = "table"
    json = "json"


@handle_errors
def train(
    logs: LogsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The model file to write (JSON).")],
    group_by: Annotated[
        str | None,
        typer.Option(
            help="Hold out whole groups: metadata.KEY, file, or time (the latest queries); random rows if you must "
            "[default: time when every record has a timestamp, else file when there are several files]."
        ),
    ] = None,
    test: Annotated[
        list[str] | None,
        typer.Option("--test", metavar="LOGS", help="Labeled logs to test on instead of a held-out part. Repeatable."),
    ] = None,
    kind: Annotated[Kind, typer.Option(help="logistic regression, or k nearest neighbours.")] = Kind.logistic,
    features: Annotated[str, typer.Option(help="Feature blocks: word, char, length, comma-separated.")] = "word,length",
    neighbors: Annotated[int, typer.Option(help="k of the kNN router.")] = 50,
    target_expensive_share: Annotated[
        str | None, share_opt("Threshold for this share of validation queries expensive.")
    ] = None,
    max_under_routing: Annotated[
        str | None, share_opt("Threshold keeping under-routing on validation at most this.")
    ] = None,
    test_share: Annotated[float, typer.Option(help="Share of rows held out for test (whole groups).")] = 0.25,
    validation_share: Annotated[float, typer.Option(help="Share of the rest held out to choose the threshold.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the split, the bootstrap and random routing.")] = 0,
    rules: RulesOpt = None,
    fmt: Annotated[TrainFormat, typer.Option("--format", help="table or json.")] = TrainFormat.table,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: QuietOpt = False,
) -> None:
    """Train a router on labeled logs (needed, correct, scores or judge labels) and judge it on held-out queries.

    Example: llmroute train sample_data/mmlu_labeled.jsonl.gz --group-by metadata.subject -o router.json
    """
    from llmroute_cli.classifier.fit import FitSettings
    from llmroute_cli.classifier.model import REFUSED_SUFFIXES
    from llmroute_cli.training.threshold import Target
    from llmroute_cli.training.train import TrainOptions
    from llmroute_cli.training.train import train as fit_and_judge

    if output.suffix.lower() in REFUSED_SUFFIXES or output.suffix.lower() == ".npz":
        raise UsageError(f"--output {output}: the model is JSON; name it like router.json")
    refuse_overwrite({"--output": output, "--output vectors": _vectors_path(output)}, [*logs, *(test or []), rules])
    settings = FitSettings(kind.value, tuple(f.strip() for f in features.split(",") if f.strip()), neighbors=neighbors)
    settings.check()
    router, book = load_router(rules)
    if group_by is not None:
        _check_group(group_by)
    started = time.perf_counter()
    read = {"strict": strict, "max_line_bytes": max_line_bytes, "metadata_field": metadata_field}
    gathered, stats = _gather(logs, router, book, group_by, read, quiet)
    how = group_by or _default_group(gathered, stats)
    examples, no_group = gathered.examples(how)
    extra = tuple((name, _test_set(name, router, book, read, quiet)) for name in test or [])
    target = Target(
        share("--target-expensive-share", target_expensive_share), share("--max-under-routing", max_under_routing)
    )
    options = TrainOptions(how, test_share, validation_share, seed, target)
    trained = fit_and_judge(_enough(examples, logs, how, no_group), settings, options, extra)
    seconds = time.perf_counter() - started
    _write(output, trained.model)
    _report(output, trained, target, how, (gathered, no_group), stats, seconds, fmt)


def _gather(logs: list[str], router: Any, book: Any, group_by: str | None, read: dict[str, Any], quiet: bool) -> Any:
    from llmroute_cli.quality.labels import QualitySpec
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.training.examples import LabeledQueries

    key = group_by if group_by and group_by.startswith("metadata.") else None
    spec = QualitySpec.from_policy(router.policy, book)
    with progress_bar(quiet) as progress:
        return read_and_route(reading(logs, **read), lambda part: LabeledQueries(spec, key), [router], progress)


def _check_group(how: str) -> None:
    if how in ("file", "time", "random") or (how.startswith("metadata.") and len(how) > len("metadata.")):
        return
    raise OptionError("group_by", f"{{option}}: expected metadata.KEY, file, time or random, got {how!r}")


def _default_group(gathered: Any, stats: Any) -> str:
    """Time when every labeled record has a timestamp, else file when there are several, else ask."""
    import math

    if gathered.times and not any(math.isnan(t) for t in gathered.times):
        return "time"
    if len(stats.files) > 1:
        return "file"
    raise OptionError(
        "group_by",
        "{option}: the labeled records have no timestamps and come from one file: name how to hold queries out, "
        "e.g. {option} metadata.task (a field whose values are whole tasks, subjects or users)",
    )


def _test_set(name: str, router: Any, book: Any, read: dict[str, Any], quiet: bool) -> Any:
    examples = _gather([name], router, book, None, read, quiet)[0].examples()[0]
    if len(examples) == 0:
        raise LlmrouteError(f"--test {name}: no labeled queries (needed, correct, scores or judge) to test on")
    return examples


def _enough(examples: Any, logs: list[str], how: str, no_group: int) -> Any:
    if len(examples) < 20 and no_group:
        raise LlmrouteError(
            f"{', '.join(logs)}: {no_group} labeled queries have no {how} to hold them out by "
            f"and {len(examples)} have one; training needs at least 20 (choose another --group-by)"
        )
    if len(examples) < 20:
        raise LlmrouteError(
            f"{', '.join(logs)}: {len(examples)} labeled queries (needed, correct, scores or judge); "
            "training needs at least 20"
        )
    return examples


def _vectors_path(output: Path) -> Path:
    return output.with_name(output.stem + ".npz")


def _write(output: Path, model: Any) -> None:
    """The model JSON (and a kNN model's vectors beside it), each written atomically; vectors first."""
    import hashlib

    from llmroute_cli.classifier.model import model_to_json, vectors_archive
    from llmroute_cli.commands.output import write_atomic_bytes

    if str(output) == "-":
        raise UsageError("--output -: the model goes to a file (a kNN model writes its vectors beside it)")
    if model.kind == "knn":
        archive = vectors_archive(model)
        vectors = _vectors_path(output)
        write_atomic_bytes(vectors, archive)
        write_atomic_bytes(output, model_to_json(model, vectors.name, hashlib.sha256(archive).hexdigest()))
        return
    write_atomic_bytes(output, model_to_json(model))


def _report(
    output: Path, trained: Any, target: Any, how: str, gathered: Any, stats: Any, seconds: float, fmt: TrainFormat
) -> None:
    from llmroute_cli.commands.options import warn_skipped
    from llmroute_cli.render.train import render_table
    from llmroute_cli.reports.train import TrainReport, gathered_counts

    report = TrainReport(
        trained, target, how, str(output), stats.summary(), **gathered_counts(*gathered), seconds=seconds
    )
    if fmt is TrainFormat.json:
        print(report_json(report.to_dict()))
    else:
        render_table(report, stdout_console())
    warn_skipped(stats)
    if fmt is TrainFormat.json:
        for warning in report.warnings():
            print(f"warning: {warning}", file=sys.stderr)
