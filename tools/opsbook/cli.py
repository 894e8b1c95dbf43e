"""The `ops` command line: parses arguments, calls one library function, prints, returns an exit code.

Heavy libraries are imported inside each command so that `ops --help` stays fast.
"""

from __future__ import annotations

import sys

import click

from opsbook import __version__

ROOT_OPTION = click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False),
                           help="The handbook's folder.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ops")
def cli() -> None:
    """opsbook: check, schedule and publish an operations handbook kept in git."""


@cli.command()
@ROOT_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="How to print problems; `github` prints workflow annotations.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge what is overdue as of this date (YYYY-MM-DD).")
def validate(root: str, output_format: str, strict: bool, as_of: str | None) -> None:
    """Check every file of the handbook; exit 0 when valid, 1 on problems, 2 on a usage error."""
    from opsbook.commands.validate import run

    sys.exit(run(root, output_format, strict, as_of))


@cli.command()
@click.option("--out", default="schemas", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the JSON Schemas into.")
def schema(out: str) -> None:
    """Write JSON Schemas (draft-07) of every file format, for editors and other tools."""
    from pathlib import Path

    from opsbook.schemas import write_all

    for path in write_all(Path(out)):
        click.echo(f"wrote {path}")


AS_OF_OPTION = click.option("--as-of", "as_of", metavar="DATE",
                            help="Build as of this date (YYYY-MM-DD) instead of now.")


@cli.group(invoke_without_command=True)
@ROOT_OPTION
@click.option("--out", metavar="FILE|DIR", help="A .ics file for the whole feed, or a folder for every feed "
              "(whole, per person, per cadence) plus feeds/index.json.")
@AS_OF_OPTION
@click.pass_context
def calendar(ctx: click.Context, root: str, out: str | None, as_of: str | None) -> None:
    """Write the iCalendar feed of reviews (`ops calendar --out FILE|DIR`), or list them (`upcoming`)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"root": root, "as_of": as_of}
        return
    if not out:
        raise click.UsageError("give --out FILE.ics or --out DIR, or a subcommand such as `upcoming`")
    from opsbook.commands.calendar import write

    sys.exit(write(root, out, as_of))


@calendar.command()
@click.option("--root", default=None, type=click.Path(file_okay=False), help="The handbook's folder.  [default: .]")
@click.option("--days", default=28, show_default=True, type=click.IntRange(1, 3660), help="How far ahead to look.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@AS_OF_OPTION
@click.pass_context
def upcoming(ctx: click.Context, root: str | None, days: int, output_format: str, as_of: str | None) -> None:
    """List the reviews of the next N days, with their owners."""
    from opsbook.commands.calendar import upcoming as run

    parent = ctx.obj or {}
    sys.exit(run(root or parent.get("root", "."), days, output_format, as_of or parent.get("as_of")))


def main(args: list[str] | None = None) -> None:
    """Entry point of the `ops` console script; exits with the command's code."""
    from opsbook.problems import OpsbookError

    try:
        code = cli(args=args, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except OpsbookError as exc:
        click.echo(f"ops: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
