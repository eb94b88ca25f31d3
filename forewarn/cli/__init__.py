"""The `forewarn` command line."""

import typer

from forewarn.cli import datasets, flows, keys, models
from forewarn.cli.stack import demo, status, up

app = typer.Typer(
    help="Forewarn: predict infrastructure trouble before it happens.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(up)
app.command()(demo)
app.command()(status)
app.add_typer(datasets.app, name="datasets")
app.add_typer(models.app, name="models")
app.add_typer(flows.app, name="flow")
app.add_typer(keys.app, name="keys")
