"""The ``dunning`` command, grouped by noun. Each sub-module registers its commands on ``app``."""

from __future__ import annotations

import typer

from dunning import __version__

app = typer.Typer(
    name="dunning",
    help="合规、可度量的催收短信 / Compliant, measurable collection SMS.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dunning {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="版本 / Version"),
) -> None:
    """合规、可度量的催收短信 / Compliant, measurable collection SMS."""


def _register() -> None:
    # Imported for their side effect of adding commands to ``app``.
    from dunning.cli import (  # noqa: F401
        compliance_cmd,
        debtors_cmd,
        demo_cmd,
        events_cmd,
        experiment_cmd,
        keys_cmd,
        learning_cmd,
        model_cmd,
        operators_cmd,
        outbox_cmd,
        plan_cmd,
        portfolio_cmd,
        replies_cmd,
        report_cmd,
        serve_cmd,
        setup_cmd,
        smsc_cmd,
        tasks_cmd,
        templates_cmd,
        worker_cmd,
    )


_register()
