"""``llmroute prices``: the effective price table and where each price came from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, stdout_console
from llmroute_cli.commands.options import ProviderOpt
from llmroute_cli.render.jsonout import report_json

COLUMNS = [
    "input",
    "output",
    "cached_input",
    "cache_write",
    "batch_input",
    "batch_output",
    "batch_cached_input",
    "reasoning_output",
]


@handle_errors
def prices(
    models: Annotated[
        list[str] | None, typer.Argument(help="Models to show [default: built-in, rule file, tiers].")
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")] = None,
    prices_file: Annotated[
        Path | None,
        typer.Option("--prices", help="Price file: a LiteLLM price map or a saved OpenRouter /api/v1/models response."),
    ] = None,
    provider: ProviderOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the effective prices (USD per 1M tokens) and their source.

    Example: llmroute prices gpt-4o openai/gpt-4o-2024-08-06 --prices model_prices_and_context_window.json
    """
    from llmroute_cli.pricing.prices import BUILTIN_PRICES

    router, book = load_router(rules, prices_file, provider=provider)
    policy = router.policy
    table = book.table
    names = models or list(
        dict.fromkeys(
            [*BUILTIN_PRICES, *(m for m, p in table.items() if p.source == "rule file"), *policy.tiers.values()]
        )
    )
    for name in names:
        book.price(name)  # an unknown model is an error naming the closest known ones
    rows = [_row(name, book.key(name), book, policy) for name in names]
    if as_json:
        print(report_json(rows))
    else:
        _render(rows)


def _row(name: str, key: str, book: Any, policy: Any) -> dict[str, Any]:
    from llmroute_cli.pricing.prices import entry_provider

    price, base = book.at(key), book.at_base(key)
    tiers = [t for t, m in policy.tiers.items() if m in (name, key)]
    return {
        "model": name,
        "priced_as": key,
        **{c: getattr(price, c) for c in COLUMNS},
        "long_context": [{"above": lc.above, "input": lc.input, "output": lc.output} for lc in price.long_context],
        "source": _source(price, policy) + (f" (fine-tune priced as its base {base})" if base else ""),
        "provider": entry_provider(key.removeprefix("ft:") if base else key, price),
        "file": price.origin()[1],
        "entry": price.entry,
        "tiers": tiers,
    }


def _source(price: Any, policy: Any) -> str:
    return price.where() if price.source != "rule file" else f"rule file ({policy.source})"


def _render(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="USD per 1M tokens", title_justify="left")
    heads = ["model", "input", "output", "cache\nread", "cache\nwrite", "batch\nin", "batch\nout", "provider", "source"]
    for head in heads:
        text = head in ("model", "provider", "source")
        table.add_column(head, justify="left" if text else "right", overflow="fold", no_wrap=not text)
    for r in rows:
        name = r["model"] if r["priced_as"] == r["model"] else f"{r['model']} → {r['priced_as']}"
        if r["tiers"]:
            name += f" ({', '.join(r['tiers'])})"
        cells = [_num(r[c]) for c in ("input", "output", "cached_input", "cache_write", "batch_input", "batch_output")]
        table.add_row(name, *cells, r["provider"] or "-", _short_source(r))
    console = stdout_console()
    console.print(table)
    for file in dict.fromkeys(r["file"] for r in rows if r["file"]):
        kind = next(r["source"] for r in rows if r["file"] == file).split(f" {file}:")[0]
        console.print(f"{kind}: {file}", markup=False)
    for r in rows:
        for lc in r["long_context"]:
            console.print(
                f"{r['model']}: above {lc['above']:,} input tokens: {_num(lc['input'])} in, {_num(lc['output'])} out",
                markup=False,
            )


def _short_source(row: dict[str, Any]) -> str:
    """The source without its file (listed under the table): ``OpenRouter openai/gpt-4o-mini``."""
    if row["file"] is None:
        return str(row["source"])
    return str(row["source"]).replace(f" {row['file']}:", " ", 1)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
