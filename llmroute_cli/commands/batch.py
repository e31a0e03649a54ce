"""``llmroute batch``: the Batch round trip: write requests for what the logs lack, then join the results back.

``batch answers|confidence|classify`` route the logs, sample requests reproducibly as ``sample``
does, and write OpenAI Batch API lines asking a model for an answer, an answer with a self-rated
confidence, or a SIMPLE/COMPLEX label, with the batch's cost stated first; ``batch judge`` is
``sample``. ``batch join`` merges the Batch output files into the log records by ``custom_id``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmroute_cli.commands import sample as sample_command
from llmroute_cli.commands._common import handle_errors, load_router, read_text, refuse_overwrite
from llmroute_cli.commands.helpstyle import Command
from llmroute_cli.commands.options import MAX_LINE_BYTES, MaxLineOpt, MetadataFieldOpt, StrictOpt, check_max_line
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.render.fmt import count, money, percent

if TYPE_CHECKING:
    from llmroute_cli.quality.batch_requests import Item

app = typer.Typer(
    help="Batch API files for what the logs lack (answers, confidence, labels, judge verdicts), and their join.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

LogsArg = Annotated[list[str], typer.Argument(help="JSONL log files (.jsonl, .jsonl.gz) or globs.")]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Write the Batch API input lines here.")]
RulesOpt = Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")]
PricesOpt = Annotated[Path | None, typer.Option(help="Price file (LiteLLM map or OpenRouter models).")]
ProviderOpt = Annotated[str | None, typer.Option(metavar="NAME", help="Prefer this provider's price entries.")]
TierOpt = Annotated[
    str | None, typer.Option(help="Sample requests routed here, or 'all' [default: the cheapest tier; classify: all].")
]
RateOpt = Annotated[float, typer.Option(help="Share of those requests to send.")]
SeedOpt = Annotated[int, typer.Option(help="Seed of the sample.")]
StratifyOpt = Annotated[bool, typer.Option(help="Sample each rule's requests at the same rate.")]
ModelOpt = Annotated[str | None, typer.Option(help="The model to ask [default: the cheapest tier's model].")]
TemplateOpt = Annotated[Path | None, typer.Option(help="Prompt template holding {question} [default: built-in].")]
MaxTokensOpt = Annotated[int | None, typer.Option(help="max_tokens of each reply [default: 1024; classify 16].")]


def _requests(kind_name: str, **options: Any) -> None:
    """Route, sample, read the sampled records again, write the lines atomically, and say what they cost."""
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.quality.batch_requests import KINDS, request_lines
    from llmroute_cli.quality.judge_batch import judge_cost
    from llmroute_cli.quality.labels import QualitySpec

    kind = KINDS[kind_name]
    output: Path = options["output"]
    refuse_overwrite({"--output": output}, [*options["logs"], options["rules"], options["prices"], options["template"]])
    sample_command._check_options(options["rate"], options["max_tokens"] or 1, output)
    sources = sample_command._jsonl_sources(options["logs"])
    router, book = load_router(options["rules"], options["prices"], provider=options["provider"])
    spec = QualitySpec.from_policy(router.policy, book)
    model = options["model"] or router.policy.tiers[spec.cheap_tier]
    price = book.price(model)
    template = _template(options["template"], kind_name)
    tier = options["tier"] or ("all" if kind_name == "classify" else spec.cheap_tier)
    longest, fields = options["max_line_bytes"], options["metadata_field"]
    routed = sample_command._route(options["logs"], router, options["strict"], options["quiet"], longest, fields)
    picked = _sample(routed, tier, router.policy.tiers, options)
    items = _items(routed.iloc[picked], sources, longest)
    lines = request_lines(kind, items, model, template, options["max_tokens"])
    cost = judge_cost(lines, price)
    write_atomic(output, "".join(line + "\n" for line in lines))
    reply = options["max_tokens"] or kind.max_tokens
    print(
        "\n".join(
            [
                f"Routed {count(len(routed))} requests; sampled {count(len(picked))} of {_pool(routed, tier)} "
                f"(rate {percent(options['rate'])}, seed {options['seed']}"
                f"{', stratified by rule' if options['stratify'] else ''}).",
                f"Wrote {count(len(lines))} {kind_name} requests to {output} (model {model}).",
                f"Cost at most {money(cost.total_usd)} at Batch API prices: {count(cost.prompt_tokens)} prompt tokens "
                f"({money(cost.input_usd)}) and at most {count(cost.max_output_tokens)} output tokens "
                f"({money(cost.output_usd)}, every reply at --max-tokens {reply}).",
                f"Next: run {output} with the OpenAI Batch API, then: "
                f"llmroute batch join RESULTS.jsonl --logs {' '.join(options['logs'])} -o enriched.jsonl",
            ]
        )
    )


def _pool(routed: Any, tier: str) -> str:
    if tier == "all":
        return f"all {count(len(routed))}"
    return f"the {count(int((routed['tier'] == tier).sum()))} routed to {tier}"


def _template(path: Path | None, kind: str) -> str | None:
    from llmroute_cli.quality.batch_requests import check_template

    if path is None:
        return None
    text = read_text(path, "template")
    try:
        check_template(text, kind)
    except LlmrouteError as exc:
        raise LlmrouteError(f"{path}: {exc}") from None
    return text


def _sample(routed: Any, tier: str, tiers: dict[str, str], options: dict[str, Any]) -> list[int]:
    from llmroute_cli.quality.judge_batch import sample_requests

    if tier != "all" and tier not in tiers:
        raise UsageError(f"--tier: unknown tier '{tier}'; expected all or one of: {', '.join(tiers)}")
    tiers_of = ["all"] * len(routed) if tier == "all" else routed["tier"].tolist()
    return sample_requests(
        tiers_of,
        routed["rule"].tolist(),
        tier=tier,
        rate=options["rate"],
        seed=options["seed"],
        stratify=options["stratify"],
        keys=routed["id"].tolist(),
    )


def _items(chosen: Any, sources: dict[str, Any], longest: int) -> list[Item]:
    """Each chosen request's messages as logged (else its query and context as chat messages)."""
    from llmroute_cli.logs.answers import records_at
    from llmroute_cli.quality.batch_requests import Item
    from llmroute_cli.tokens.chat import request_messages

    where = [(str(name), int(line)) for name, line in zip(chosen["source"], chosen["line"], strict=True)]
    found = {
        (name, line): (row, raw)
        for name in sorted({n for n, _ in where})
        for line, row, raw in records_at(sources[name], {n for s, n in where if s == name}, longest)
    }
    items = []
    for (name, line), rid in zip(where, chosen["id"], strict=True):
        row, raw = found[name, line]
        query, context = (row.query, row.context) if row is not None else ("", "")
        messages = _logged_messages(raw) or request_messages(query, context)
        question = f"{context}\n\n{query}" if context else query
        items.append(Item(str(rid), tuple(messages), question))
    return items


def _logged_messages(raw: dict[str, Any]) -> list[dict[str, str]] | None:
    """The request's chat messages when logged as plain text messages (the reply left out)."""
    messages = raw.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    if not all(isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") for m in messages):
        return None
    return [{"role": str(m["role"]), "content": m["content"]} for m in messages]


@app.command("answers", cls=Command)
@handle_errors
def answers(
    logs: LogsArg,
    output: OutputOpt,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    tier: TierOpt = None,
    rate: RateOpt = 0.05,
    seed: SeedOpt = 0,
    stratify: StratifyOpt = False,
    model: ModelOpt = None,
    max_tokens: MaxTokensOpt = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Ask a model (the cheap tier's by default) to answer sampled requests as logged: the answer the logs lack.

    Example: llmroute batch answers sample_data/chat_logs.jsonl --rate 0.1 -o answers.jsonl
    """
    _requests("answers", **locals(), template=None)


@app.command("confidence", cls=Command)
@handle_errors
def confidence(
    logs: LogsArg,
    output: OutputOpt,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    tier: TierOpt = None,
    rate: RateOpt = 0.05,
    seed: SeedOpt = 0,
    stratify: StratifyOpt = False,
    model: ModelOpt = None,
    template: TemplateOpt = None,
    max_tokens: MaxTokensOpt = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Ask a model to answer and rate its confidence 1-10 (a cascade's escalation signal).

    Example: llmroute batch confidence sample_data/chat_logs.jsonl --rate 0.1 -o confidence.jsonl
    """
    _requests("confidence", **locals())


@app.command("classify", cls=Command)
@handle_errors
def classify(
    logs: LogsArg,
    output: OutputOpt,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    tier: TierOpt = None,
    rate: RateOpt = 0.05,
    seed: SeedOpt = 0,
    stratify: StratifyOpt = False,
    model: ModelOpt = None,
    template: TemplateOpt = None,
    max_tokens: MaxTokensOpt = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Ask an LLM classifier to label sampled requests SIMPLE or COMPLEX (metadata.llm_label after the join).

    Example: llmroute batch classify sample_data/chat_logs.jsonl --rate 1 -o classify.jsonl
    """
    _requests("classify", **locals())


app.command("judge", cls=Command)(sample_command.sample)


@app.command("join", cls=Command)
@handle_errors
def join(
    results: Annotated[list[Path], typer.Argument(help="Batch API output files (JSONL).")],
    logs: Annotated[
        list[str], typer.Option("--logs", metavar="LOGS", help="The JSONL logs the requests were written from.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the enriched log here (JSONL).")],
    strict: Annotated[
        bool, typer.Option(help="Exit 1 when any result line failed or matched no request, or a log line is too long.")
    ] = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
) -> None:
    """Merge Batch API results into the log records by custom_id: answers, confidence, llm_label, judge verdicts.

    Example: llmroute batch join results.jsonl --logs sample_data/chat_logs.jsonl -o enriched.jsonl
    """
    from llmroute_cli.quality.batch_join import read_results

    refuse_overwrite({"--output": output}, [*logs, *results])
    check_max_line(max_line_bytes)
    outcomes, failures = [], []
    read = 0
    for path in results:
        got, failed = read_results(str(path), _result_lines(path))
        outcomes += got
        failures += failed
        read += len(got) + len(failed)
    by_id: dict[str, list[Any]] = {}
    for o in outcomes:
        by_id.setdefault(o.request_id, []).append(o)
    written, joined, long = _write_joined(logs, by_id, output, (max_line_bytes, strict))
    failures += _unmatched(by_id, joined)
    _summary(read, outcomes, failures, written, joined, output)
    _warn_long(long, max_line_bytes)
    if strict and failures:
        raise typer.Exit(1)


def _result_lines(path: Path) -> list[str]:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    return read_text(path, "Batch output file").splitlines()


def _write_joined(
    logs: list[str], by_id: dict[str, list[Any]], output: Path, limit: tuple[int, bool]
) -> tuple[int, set[str], list[str]]:
    """Every log record to ``output``, enriched where results name it; (records written, ids joined, the
    ``file:line`` of each line over ``--max-line-bytes``, left out; with ``--strict`` the first is an error)."""
    from llmroute_cli.commands.output import atomic_writer
    from llmroute_cli.logs.answers import raw_records
    from llmroute_cli.logs.jsonl import too_long
    from llmroute_cli.quality.batch_join import enriched

    (longest, strict), sources = limit, sample_command._jsonl_sources(logs)
    joined: set[str] = set()
    written, long = 0, []
    with atomic_writer(output, binary=True) as out:
        for source in sources.values():
            for rid, raw, line in raw_records(source, longest):
                if line is None:
                    if strict:
                        raise LlmrouteError(f"{rid}: {too_long(longest)}")
                    long.append(rid)
                    continue
                if rid in by_id and raw is not None:
                    line = json.dumps(enriched(raw, by_id[rid]), ensure_ascii=False).encode("utf-8", "surrogatepass")
                    joined.add(rid)
                out.write(line + b"\n")  # type: ignore[arg-type]
                written += 1
    return written, joined, long


def _warn_long(long: list[str], longest: int) -> None:
    from llmroute_cli.logs.jsonl import too_long

    for where in long[:10]:
        print(f"skipped: {where}: {too_long(longest)}; not written", file=sys.stderr)
    if len(long) > 10:
        print(f"... and {len(long) - 10} more lines over --max-line-bytes, not written", file=sys.stderr)


def _unmatched(by_id: dict[str, list[Any]], joined: set[str]) -> list[Any]:
    from llmroute_cli.quality.batch_join import Failure

    return [
        Failure(o.where, None, f"request '{rid}' is not in the logs")
        for rid, found in by_id.items()
        if rid not in joined
        for o in found
    ]


def _summary(read: int, outcomes: list[Any], failures: list[Any], written: int, joined: set[str], output: Path) -> None:
    from collections import Counter

    kinds = Counter(o.kind for o in outcomes if o.request_id in joined)
    got = ", ".join(f"{k} {count(n)}" for k, n in sorted(kinds.items())) or "none"
    print(f"Read {count(read)} results: joined {got}; {count(len(failures))} unusable (below, on stderr).")
    print(f"Wrote {count(written)} records to {output}, {count(len(joined))} of them enriched.")
    for failure in failures[:10]:
        print(f"unusable: {failure}", file=sys.stderr)
    if len(failures) > 10:
        print(f"... and {len(failures) - 10} more unusable results", file=sys.stderr)
