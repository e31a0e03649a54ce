"""The ``llmroute`` command line: parse options, call the core, render."""

from __future__ import annotations

import typer

from llmroute_cli.commands import (
    batch,
    calibrate,
    check,
    compare,
    diff,
    export,
    judge_report,
    prices,
    route,
    sample,
    schema,
    simulate,
    sweep,
    test,
    train,
)

app = typer.Typer(
    name="llmroute",
    help="Simulate LLM routing policies offline, from your own logs.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from llmroute_cli import __version__

        typer.echo(f"llmroute {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Simulate LLM routing policies offline, from your own logs."""


app.command("simulate")(simulate.simulate)
app.command("route")(route.route)
app.command("check")(check.check)
app.command("test")(test.test)
app.command("diff")(diff.diff)
app.command("prices")(prices.prices)
app.command("schema")(schema.schema)
app.command("sample")(sample.sample)
app.command("judge-report")(judge_report.report)
app.command("sweep")(sweep.sweep)
app.command("calibrate")(calibrate.calibrate)
app.command("train")(train.train)
app.add_typer(batch.app, name="batch")
app.command("compare")(compare.compare)
app.add_typer(export.app, name="export")
