"""``llmroute export``: the policy as configuration for the tools that run it on live traffic."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmroute_cli.commands._common import DEFAULT_RULES, handle_errors, refuse_overwrite
from llmroute_cli.commands.helpstyle import Command

app = typer.Typer(
    help="Write the policy as LiteLLM proxy config or OpenRouter request fields.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

RulesOpt = Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml].", dir_okay=False)]


class Sort(StrEnum):
    price = "price"
    throughput = "throughput"
    latency = "latency"


def _rules_file(rules: Path | None) -> tuple[Path, object]:
    """The rule file and its router: an exported config names a file, so the built-in policy will not do."""
    from llmroute_cli.engine.router import Router
    from llmroute_cli.errors import UsageError

    path = rules if rules is not None else DEFAULT_RULES
    if not path.is_file():
        raise UsageError(f"{path}: no such rule file; give --rules routes.yaml")
    return path, Router.from_file(path)


@app.command("litellm", cls=Command)
@handle_errors
def export_litellm(
    rules: RulesOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the config here (atomically).")] = None,
    model_name: Annotated[str, typer.Option(help="The model name clients ask the proxy for.")] = "llmroute",
) -> None:
    """Write a LiteLLM proxy config whose complexity router asks llmroute for each request's tier.

    Example: llmroute export litellm --rules routes.yaml -o litellm_config.yaml
    """
    import yaml

    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.integrations.export import litellm_config

    path, router = _rules_file(rules)
    refuse_overwrite({"--output": output}, [path])
    config = litellm_config(router.policy, str(path.resolve()), model_name)  # type: ignore[attr-defined]
    text = HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)


HEADER = (
    "# LiteLLM proxy config written by `llmroute export litellm`. Run: litellm --config THIS_FILE\n"
    "# Needs llmroute importable by the proxy (pip install 'llmroute[litellm]') and each tier's API key.\n"
)


@app.command("openrouter", cls=Command)
@handle_errors
def export_openrouter(
    rules: RulesOpt = None,
    sort: Annotated[Sort, typer.Option(help="provider.sort: how OpenRouter orders a model's providers.")] = Sort.price,
) -> None:
    """Print each tier's OpenRouter request fields (model, error fallbacks in models, provider.sort) as JSON.

    Example: llmroute export openrouter --rules routes.yaml
    """
    from llmroute_cli.integrations.export import openrouter_fields

    _, router = _rules_file(rules)
    print(json.dumps(openrouter_fields(router.policy, sort.value), indent=2))  # type: ignore[attr-defined]
