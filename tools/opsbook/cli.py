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
@click.option("--no-cache", "no_cache", is_flag=True, envvar="OPSBOOK_NO_CACHE", show_envvar=True,
              help="Read and validate every file afresh, without the store of unchanged files' results "
                   "in ~/.cache/opsbook (or $XDG_CACHE_HOME/opsbook).")
def validate(root: str, output_format: str, strict: bool, as_of: str | None, no_cache: bool) -> None:
    """Check every file of the handbook; exit 0 when valid, 1 on problems, 2 on a usage error."""
    from opsbook.commands.validate import run

    sys.exit(run(root, output_format, strict, as_of, cache=not no_cache))


@cli.command()
@ROOT_OPTION
@click.option("--site-dir", "site_dir", type=click.Path(file_okay=False),
              help="Where to write the site.  [default: site_dir of mkdocs.yml, usually ROOT/site]")
@click.option("--as-of", "as_of", metavar="DATE", help="Build as of this date (YYYY-MM-DD) instead of now.")
@click.option("--prometheus", metavar="URL",
              help="Measure each SLO in this Prometheus now and put the numbers, dated, and the error-budget "
                   "charts on the SLO pages.  [default: PROMETHEUS_URL, then prometheus.url in opsbook.yaml; "
                   "with neither, the site has no numbers]")
@click.option("--carry-over", "carry_over", is_flag=True,
              help="First fetch the calendars published at site_url that the site folder lacks, so changed "
                   "events raise their SEQUENCE (for a build from a fresh checkout, as in CI).")
def build(root: str, site_dir: str | None, as_of: str | None, prometheus: str | None, carry_over: bool) -> int:
    """Validate, then build the site and its calendar feeds with MkDocs (--strict); print where they are."""
    from opsbook.commands.build import run

    return run(root, site_dir, as_of, prometheus, carry_over)


@cli.command()
@ROOT_OPTION
@click.option("--dev-addr", "dev_addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              help="Where to serve the preview.")
def serve(root: str, dev_addr: str) -> int:
    """Preview the site while you edit: a saved file is rebuilt and shown within seconds."""
    from opsbook.commands.serve import run

    return run(root, dev_addr)


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
@click.option("--out", metavar="FILE.ics|DIR/", help="A .ics file for the whole feed, or a folder (existing, or "
              "ending in /) for every feed (whole, per person, per cadence) plus feeds/index.json.")
@AS_OF_OPTION
@click.pass_context
def calendar(ctx: click.Context, root: str, out: str | None, as_of: str | None) -> None:
    """Write the iCalendar feed of reviews (`ops calendar --out FILE|DIR`), or list them (`upcoming`)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"root": root, "as_of": as_of}
        return
    if not out:
        raise click.UsageError("give --out FILE.ics or --out DIR/, or a subcommand such as `upcoming`")
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


@cli.command()
@ROOT_OPTION
@click.argument("readings", nargs=-1, metavar="METRIC=VALUE...")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def classify(root: str, readings: tuple[str, ...], output_format: str) -> int:
    """Apply the severity policy's rules to metric readings: severity, rule and runbooks, or not an incident."""
    from opsbook.commands.classify import run

    return run(root, readings, output_format)


@cli.command()
@ROOT_OPTION
@click.option("--since", metavar="DATE", help="First day of incidents to count (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Last day of incidents to count (YYYY-MM-DD).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("--as-of", "as_of", metavar="DATE", help="Judge which action items are overdue as of this date.")
def report(root: str, since: str | None, until: str | None, output_format: str, as_of: str | None) -> int:
    """Incident metrics: counts, time to detect/acknowledge/mitigate/resolve against targets, action items."""
    from opsbook.commands.report import run

    return run(root, since, until, output_format, as_of)


@cli.group()
def oncall() -> None:
    """On-call: who holds each rotation now, the next handoffs, and the shifts of a period with hours."""


ROTATION_OPTION = click.option("--rotation", metavar="ID", help="Only this rotation.  [default: every rotation]")
AT_MOMENT_OPTION = click.option("--at", metavar="WHEN", help="A date (its end, UTC) or an ISO date-time, instead "
                                "of now; without an offset, in the team's time zone (as overrides are).")


@oncall.command("now")
@ROOT_OPTION
@ROTATION_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@AT_MOMENT_OPTION
def oncall_now(root: str, rotation: str | None, output_format: str, at: str | None) -> int:
    """Who is on call, until when, and the override or absence that put them there."""
    from opsbook.commands.oncall import now

    return now(root, rotation, output_format, at)


@oncall.command("next")
@ROOT_OPTION
@ROTATION_OPTION
@click.option("--count", default=3, show_default=True, type=click.IntRange(1, 100), help="Handoffs per rotation.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@AT_MOMENT_OPTION
def oncall_next(root: str, rotation: str | None, count: int, output_format: str, at: str | None) -> int:
    """The next handoffs of each rotation: when, and who takes over."""
    from opsbook.commands.oncall import next_

    return next_(root, rotation, count, output_format, at)


@oncall.command("shifts")
@ROOT_OPTION
@ROTATION_OPTION
@click.option("--since", metavar="DATE", help="First day (YYYY-MM-DD).  [default: the first of this month]")
@click.option("--until", metavar="DATE", help="Last day (YYYY-MM-DD).  [default: the end of --since's month]")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="`csv` is one line per shift with weekday, weekend and holiday hours.")
@AS_OF_OPTION
def oncall_shifts(root: str, rotation: str | None, since: str | None, until: str | None, output_format: str,
                  as_of: str | None) -> int:
    """The shifts of a period with hours per person: weekday, weekend and holiday (calendar/holidays.yaml)."""
    from opsbook.commands.oncall import shifts

    return shifts(root, rotation, since, until, output_format, as_of)


@cli.group()
def incident() -> None:
    """Record an incident as it happens: open, log, roles, resolve, action, publish.

    Each command edits the incident's post-mortem in postmortems/ (keeping its comments), refuses an
    edit that would make it invalid, and prints the event as one JSON line on stdout.
    """


AT_OPTION = click.option("--at", metavar="TIME", help="When it happened: -20m or -1h30m (that long ago), HH:MM (the "
                         "last time the team's clock showed it: today, or yesterday if that is still to come), or an "
                         "ISO date-time with offset.  [default: now]")


def _notify_flag(ctx, _param, value) -> None:
    if value:
        ctx.meta["opsbook.notify"] = True


NOTIFY_OPTION = click.option("--notify", is_flag=True, expose_value=False, callback=_notify_flag,
                             help="Then post the incident's new events to the chat channels of opsbook.yaml's "
                                  "notify: (each event once; a failed post is left for the next --notify).")


@incident.command("open")
@ROOT_OPTION
@NOTIFY_OPTION
@click.option("--title", required=True, help="What is broken, in a few words.")
@click.option("--severity", required=True, metavar="SEV-N", help="A level of ops/severity.yaml (see `ops classify`).")
@click.option("--category", required=True, help="availability, latency, quality, commerce, cost or security.")
@click.option("--service", "services", multiple=True, metavar="ID",
              help="An affected service (repeatable).  [default: those of the category's runbooks]")
@click.option("--on-call", metavar="PERSON", help="Who was paged.  [default: the on-call rotation's holder]")
@click.option("--runbook", metavar="ID", help="The runbook followed.  [default: the category's only runbook]")
@click.option("--message", help="What was detected (the alert, the report).")
@click.option("--public-message", help="Also post a first public update (investigating) saying this.")
@click.option("--public-from-runbook", metavar="KEY", help="Also post a first public update (investigating) "
              "from the runbook's prewritten message KEY, such as status-page-first-post.")
@AT_OPTION
def incident_open(root: str, title: str, severity: str, category: str, services: tuple[str, ...],
                  on_call: str | None, runbook: str | None, message: str | None, public_message: str | None,
                  public_from_runbook: str | None, at: str | None) -> int:
    """Open an incident: a draft post-mortem with its `detected` event (and a first public update)."""
    from opsbook.commands.incident import run_open

    return run_open(root, title, severity, category, services, on_call, runbook, at, message,
                    public_message, public_from_runbook)


@incident.command("log")
@ROOT_OPTION
@NOTIFY_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--type", "kind", required=True, metavar="TYPE",
              help="acknowledged, triaged, mitigated, resolved or note.")
@click.option("--message", required=True, help="What was seen or done.")
@AT_OPTION
def incident_log(root: str, incident_id: str, kind: str, message: str, at: str | None) -> int:
    """Add an event to the incident's timeline (in order; each stage once)."""
    from opsbook.commands.incident import run_log

    return run_log(root, incident_id, kind, message, at)


@incident.command("roles")
@ROOT_OPTION
@NOTIFY_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--on-call", metavar="PERSON")
@click.option("--commander", metavar="PERSON", help="The incident commander.")
@click.option("--communications", metavar="PERSON")
@click.option("--scribe", metavar="PERSON")
def incident_roles(root: str, incident_id: str, on_call: str | None, commander: str | None,
                   communications: str | None, scribe: str | None) -> int:
    """Name who wears which hat; people are ids from ops/team.yaml."""
    from opsbook.commands.incident import run_roles

    return run_roles(root, incident_id, {"on_call": on_call, "incident_commander": commander,
                                         "communications": communications, "scribe": scribe})


@incident.command("resolve")
@ROOT_OPTION
@NOTIFY_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--message", help="How it was fixed.")
@AT_OPTION
def incident_resolve(root: str, incident_id: str, message: str | None, at: str | None) -> int:
    """Record the `resolved` event; the post-mortem stays a draft until it is published."""
    from opsbook.commands.incident import run_resolve

    return run_resolve(root, incident_id, message, at)


@incident.command("action")
@ROOT_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--title", required=True, help="What will change.")
@click.option("--owner", required=True, metavar="PERSON")
@click.option("--due", required=True, metavar="DATE", help="YYYY-MM-DD")
def incident_action(root: str, incident_id: str, title: str, owner: str, due: str) -> int:
    """Add an action item (AI-1, AI-2…) with an owner and a due date."""
    from opsbook.commands.incident import run_action

    return run_action(root, incident_id, title, owner, due)


@incident.command("publish")
@ROOT_OPTION
@NOTIFY_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--review", is_flag=True, help="Move it to in-review instead.")
def incident_publish(root: str, incident_id: str, review: bool) -> int:
    """Publish the post-mortem; refused until its narrative and action items are written."""
    from opsbook.commands.incident import run_status

    return run_status(root, incident_id, "in-review" if review else "published")


@incident.command("update")
@ROOT_OPTION
@NOTIFY_OPTION
@click.argument("incident_id", metavar="ID")
@click.option("--state", required=True, help="investigating, identified, monitoring or resolved.")
@click.option("--message", help="What users read (after the runbook's text with --from-runbook).")
@click.option("--from-runbook", "from_runbook", metavar="KEY",
              help="Start from a message of the runbook's `## User-facing messages`, such as status-page-first-post "
                   "(RUNBOOK:KEY for another runbook).")
@click.option("--title", help="The title users see.  [default: Problem with <components>]")
@click.option("--component", "components", multiple=True, metavar="ID",
              help="An affected public component (repeatable).  [default: the incident's public services]")
@AT_OPTION
def incident_update(root: str, incident_id: str, state: str, message: str | None, from_runbook: str | None,
                    title: str | None, components: tuple[str, ...], at: str | None) -> int:
    """Post a public update for the status page and its feeds."""
    from opsbook.commands.incident import run_update

    return run_update(root, incident_id, state, message, from_runbook, title, components, at)


@cli.group()
def status() -> None:
    """The public status page: components, incidents, maintenance, feeds; only what is marked public."""


@status.command("build")
@ROOT_OPTION
@click.option("--out", type=click.Path(file_okay=False), metavar="DIR",
              help="Where to write the page.  [default: status-site/ in the handbook's folder]")
@click.option("--as-of", "as_of", metavar="DATE", help="Build as of this date (YYYY-MM-DD) or ISO date-time.")
def status_build(root: str, out: str | None, as_of: str | None) -> int:
    """Write the status page, its Atom feeds and the maintenance calendar into a folder of its own."""
    from opsbook.commands.status import run_build

    return run_build(root, out, as_of)


@cli.group("new")
def new() -> None:
    """Start a runbook, post-mortem or cadence from the templates (valid from the first save).

    Every field has a flag; missing required ones are asked for only when a terminal is attached.
    """


@new.command("runbook")
@ROOT_OPTION
@click.option("--id", "doc_id", metavar="ID", help="The runbook's id.  [default: rb-<slug of the title>]")
@click.option("--title", help="The kind of incident, such as 'Mass checkout failures'.")
@click.option("--category", help="availability, latency, quality, commerce, cost or security.")
@click.option("--severity", metavar="SEV-N", help="The severity this kind of incident usually warrants.")
@click.option("--service", "services", multiple=True, metavar="ID", help="An affected service (repeatable).")
@click.option("--detection", help="How it announces itself: the alert or the symptom.")
@click.option("--slo", "slos", multiple=True, metavar="ID", help="An SLO whose alert detects it (repeatable).")
@click.option("--alert", "alerts", multiple=True, help="An alert that fires (repeatable).")
@click.option("--symptom", "symptoms", multiple=True, help="What users or logs show (repeatable).")
@click.option("--scope", help="Who and what is affected.")
@click.option("--look", "where_to_look", multiple=True, metavar="TITLE=URL", help="A dashboard or log query (repeatable).")
@click.option("--owner", "owners", multiple=True, metavar="PERSON", help="An owner (repeatable).")
@click.option("--last-reviewed", metavar="DATE", help="YYYY-MM-DD.  [default: today]")
@click.option("--review-every", default="90d", show_default=True, metavar="DURATION")
@click.option("--tag", "tags", multiple=True)
def new_runbook(root: str, doc_id: str | None, **values) -> int:
    """A new runbook with its four sections, ready to fill in."""
    from opsbook.commands.new import run_runbook

    return run_runbook(root, {"id": doc_id, **values})


@new.command("postmortem")
@ROOT_OPTION
@click.option("--id", "doc_id", metavar="ID", help="The post-mortem's id.  [default: pm-<day>-<slug of the title>]")
@click.option("--title", help="What happened, in a few words.")
@click.option("--severity", metavar="SEV-N")
@click.option("--category", help="availability, latency, quality, commerce, cost or security.")
@click.option("--service", "services", multiple=True, metavar="ID", help="An affected service (repeatable).")
@click.option("--runbook", metavar="ID", help="The runbook followed.")
@click.option("--on-call", metavar="PERSON")
@click.option("--commander", metavar="PERSON")
@click.option("--communications", metavar="PERSON")
@click.option("--scribe", metavar="PERSON")
@click.option("--started", metavar="TIME", help="When the incident began: -1h (ago), HH:MM or ISO with offset.")
@click.option("--detected", metavar="TIME", help="When it was detected: -20m (ago), HH:MM or ISO with offset.")
@click.option("--slo-breached", "slos_breached", multiple=True, metavar="ID")
@click.option("--tag", "tags", multiple=True)
def new_postmortem(root: str, doc_id: str | None, **values) -> int:
    """A draft post-mortem written after the fact (during an incident, use `ops incident open`)."""
    from opsbook.commands.new import run_postmortem

    return run_postmortem(root, {"id": doc_id, **values})


@new.command("cadence")
@ROOT_OPTION
@click.option("--id", "doc_id", metavar="ID", help="The cadence's id.  [default: slug of the title]")
@click.option("--title")
@click.option("--description", default="")
@click.option("--every", type=click.Choice(["week", "month", "quarter"]))
@click.option("--interval", type=click.IntRange(1, 12), help="Every N weeks, months or quarters.")
@click.option("--weekday", type=click.Choice(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                              "sunday"]))
@click.option("--nth", type=click.IntRange(-1, 5), help="With --weekday: 1..5, or -1 for the last.")
@click.option("--day", type=click.IntRange(1, 31), help="Day of the month.")
@click.option("--business-day", type=click.IntRange(-23, 23), help="1 for the first, -1 for the last.")
@click.option("--month", type=click.IntRange(1, 3), help="Month of the quarter.")
@click.option("--start", metavar="DATE", help="YYYY-MM-DD.  [default: today]")
@click.option("--until", metavar="DATE")
@click.option("--time", metavar="HH:MM")
@click.option("--timezone", metavar="ZONE", help="IANA zone.  [default: the team's]")
@click.option("--duration", metavar="DURATION", help="Such as 30m or 1h.")
@click.option("--owner", metavar="PERSON")
@click.option("--rotation", metavar="ID")
@click.option("--label", "labels", multiple=True)
@click.option("--reminder", metavar="DURATION")
@click.option("--checklist", multiple=True, metavar="ITEM", help="A checklist item (repeatable).")
@click.option("--slo", "slos", multiple=True, metavar="ID")
@click.option("--runbook", "runbooks", multiple=True, metavar="ID")
@click.option("--context", multiple=True, type=click.Choice(["slos", "incidents", "cost", "secrets", "runbooks",
                                                             "action-items"]))
@click.option("--on-holiday", type=click.Choice(["next-business-day", "previous-business-day", "skip", "keep"]))
def new_cadence(root: str, doc_id: str | None, **values) -> int:
    """A new review cadence in calendar/."""
    from opsbook.commands.new import run_cadence

    return run_cadence(root, {"id": doc_id, **values})


@cli.group()
def slo() -> None:
    """The SLO catalogue: OpenSLO export and import, Prometheus rules and their tests, live numbers."""


@slo.command("export")
@ROOT_OPTION
@click.option("--out", metavar="FILE", help="Where to write the OpenSLO YAML.  [default: stdout]")
def slo_export(root: str, out: str | None) -> int:
    """Write ops/slos.yaml as OpenSLO v1 (kind: Service and kind: SLO documents)."""
    from opsbook.commands.slo import run_export

    return run_export(root, out)


@slo.command("import")
@click.argument("file", metavar="FILE")
@ROOT_OPTION
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def slo_import(file: str, root: str, dry_run: bool) -> int:
    """Merge the SLOs of an OpenSLO v1 FILE into ops/slos.yaml by id."""
    from opsbook.commands.slo import run_import

    return run_import(file, root, dry_run)


@slo.command("rules")
@ROOT_OPTION
@click.option("--out", metavar="FILE", help="Where to write the Prometheus rule file.  [default: stdout]")
@click.option("--alertmanager", is_flag=True,
              help="Print the Alertmanager inhibition (a ticket is silenced while its page fires) instead.")
def slo_rules(root: str, out: str | None, alertmanager: bool) -> int:
    """Prometheus recording rules and burn-rate alerts for every SLO with an indicator."""
    from opsbook.commands.slo import run_rules

    return run_rules(root, out, alertmanager)


@slo.command("test")
@ROOT_OPTION
@click.option("--keep", metavar="DIR", help="Write the rule and test files into DIR and keep them.")
def slo_test(root: str, keep: str | None) -> int:
    """Generate promtool unit tests for the SLO rules (burns, quiet weeks, rule boundaries) and run them."""
    from opsbook.commands.slo import run_test

    return run_test(root, keep)


@slo.command("status")
@ROOT_OPTION
@click.option("--prometheus", metavar="URL", help="Prometheus to ask.  [default: PROMETHEUS_URL, then "
              "prometheus.url in opsbook.yaml]")
@click.option("--cadence", metavar="ID", help="Only the SLOs this review cadence names.")
@click.option("--slo", "slo_ids", multiple=True, metavar="ID", help="Only this SLO (repeatable).")
@click.option("--as-of", "as_of", metavar="DATE", help="Numbers at this date (its end) or ISO date-time.  [default: now]")
@click.option("--period", default="7d", show_default=True, metavar="DURATION", help="The review period.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def slo_status(root: str, prometheus: str | None, cadence: str | None, slo_ids: tuple[str, ...], as_of: str | None,
               period: str, output_format: str) -> int:
    """Each SLO's attainment, error budget left and burn alerts, read from Prometheus."""
    from opsbook.commands.slo import run_status

    return run_status(root, prometheus, cadence, slo_ids, as_of, period, output_format)


@cli.command("init")
@click.argument("directory", metavar="DIR")
@click.option("--team", default="Our team", show_default=True, help="The team's name.")
@click.option("--timezone", "timezone", default="UTC", show_default=True, metavar="ZONE",
              help="The IANA time zone the reviews are held in, such as Europe/Berlin.")
@click.option("--owner", default="owner", show_default=True, metavar="ID",
              help="The id of the first person, who owns everything until others join.")
def init(directory: str, team: str, timezone: str, owner: str) -> int:
    """Start a new team's handbook in DIR: folders, policy, SLOs, cadences, site and workflows."""
    from opsbook.commands.init import run

    return run(directory, team, timezone, owner)


@cli.group()
def issues() -> None:
    """Review issues on GitHub: one per due review and per open action item, each opened exactly once."""


@issues.command("plan")
@ROOT_OPTION
@click.option("--as-of", "as_of", metavar="DATE", help="Plan as of this date (YYYY-MM-DD) or ISO date-time.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--repo", metavar="OWNER/NAME", help="Compare with this repository's issues (needs GITHUB_TOKEN); "
              "without it, the plan assumes none exist.")
def issues_plan(root: str, as_of: str | None, output_format: str, repo: str | None) -> int:
    """Show what a sync would create, update or close, and why; changes nothing."""
    from opsbook.commands.issues import run_plan

    return run_plan(root, as_of, output_format, repo)


@issues.command("sync")
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository to open the issues in.")
@ROOT_OPTION
@click.option("--as-of", "as_of", metavar="DATE", help="Sync as of this date (YYYY-MM-DD) or ISO date-time.")
@click.option("--dry-run", is_flag=True, help="Read GitHub and show what would change; write nothing.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--write-interval", metavar="SECONDS", help="Pause between writes.  [default: issues.seconds_between_writes]")
def issues_sync(repo: str, root: str, as_of: str | None, dry_run: bool, output_format: str,
                write_interval: str | None) -> int:
    """Apply the plan with GITHUB_TOKEN at GITHUB_API_URL; exit 1 if anything is left for the next run."""
    from opsbook.commands.issues import run_sync

    return run_sync(root, repo, as_of, dry_run, output_format, write_interval)


@cli.group()
def actions() -> None:
    """Post-mortem action items: read their tracking issues' states back from GitHub."""


_REPO_OPTION = click.option("--repo", metavar="OWNER/NAME", help="The repository of the tracking issues.  "
                            "[default: $GITHUB_REPOSITORY]")
_CHECK_LINKS = click.option("--check-links", is_flag=True, help="Also read each open item's `issue:` that the "
                            "labelled issues lack (one read each): deleted, or transferred (followed).")


@actions.command("pull")
@_REPO_OPTION
@ROOT_OPTION
@AS_OF_OPTION
@click.option("--dry-run", is_flag=True, help="Read GitHub and show what would change; write nothing.")
@_CHECK_LINKS
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def actions_pull(repo: str | None, root: str, as_of: str | None, dry_run: bool, check_links: bool,
                 output_format: str) -> int:
    """Mark items done, wont-do or open again as their tracking issues say; report conflicts, never overwrite."""
    from opsbook.commands.actions import run_pull

    return run_pull(root, repo, as_of, dry_run, output_format, check_links)


@actions.command("status")
@_REPO_OPTION
@ROOT_OPTION
@AS_OF_OPTION
@_CHECK_LINKS
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def actions_status(repo: str | None, root: str, as_of: str | None, check_links: bool, output_format: str) -> int:
    """Show where the handbook and the tracking issues disagree; changes nothing."""
    from opsbook.commands.actions import run_status

    return run_status(root, repo, as_of, output_format, check_links)


def _add_groups() -> None:
    """Command groups that declare their own options beside their bodies (`commands/`)."""
    from opsbook.commands.alerts import alerts
    from opsbook.commands.org import org

    cli.add_command(alerts)
    cli.add_command(org)


_add_groups()


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
