"""`ops alerts pull`: read the alerts, find what is open, plan (pure), then apply, then tell GitHub.

1. Read every alert once: Alertmanager's API unfiltered (`source.fetch`) or a webhook body (`--from`).
2. Load the handbook's parts the plan needs (`facts`) and the alert-opened incidents (`known`): the
   working tree's post-mortems, the `incident/*` branches and, with `--repo`, the issues' markers.
3. `plan.build` decides; a problem in it (an SLO the handbook lacks) stops the run before any write.
4. Apply: each opening through `ops incident open`'s own code (`incident.workflow.open_incident`), its
   alerts recorded in the same write; each change through `incident.workflow.amend` (one write per
   incident). The post-mortem is the record: a re-run finds it and does nothing twice.
5. With `--repo`: one issue per alert-opened incident that lacks one (`issue.py`), then a comment per
   note this run added.
6. The chat channels of `notify:` hear each event of the alert-opened incidents not heard yet
   (`opsbook.notify`); what was posted is recorded in the post-mortem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

from opsbook import urls
from opsbook.alerts import known as finding
from opsbook.alerts import matchers
from opsbook.alerts.plan import Facts, Known, Opening, Plan, build, opened_note
from opsbook.alerts.source import Alert, Reading

from opsbook.problems import OpsbookError, UsageError


@dataclasses.dataclass
class Done:
    """One thing the run did (or would do, in a dry run) to an incident."""

    incident_id: str | None
    what: str       # opened, joined, note, severity, issue, comment, post
    detail: str
    path: str | None = None

    def as_dict(self) -> dict:
        return {"incident": self.incident_id, "what": self.what, "detail": self.detail, "path": self.path}


@dataclasses.dataclass
class PullReport:
    origin: str
    alerts: int
    plan: Plan
    done: list[Done] = dataclasses.field(default_factory=list)
    not_done: list[str] = dataclasses.field(default_factory=list)
    notices: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False
    github: dict | None = None  # reads and writes, with --repo
    seconds: dict = dataclasses.field(default_factory=dict)  # time spent: finding, incidents, github, chat

    @property
    def ok(self) -> bool:
        return not self.plan.problems and not self.not_done

    def as_dict(self) -> dict:
        return {"source": self.origin, "alerts": self.alerts, "dry_run": self.dry_run, "ok": self.ok,
                "problems": self.plan.problems, "done": [d.as_dict() for d in self.done],
                "not_done": self.not_done, "notices": self.notices + self.plan.notices, "github": self.github,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def facts(contents) -> Facts:
    """What the plan needs from the handbook, from its loaded parts."""
    config = contents.config
    settings = config.alerts
    if contents.slos is None or contents.severity is None or contents.team is None:
        raise OpsbookError("ops/slos.yaml, ops/severity.yaml or ops/team.yaml is missing or has errors; "
                           "run `ops validate` first")
    runbooks = {doc.id: doc.meta for doc in contents.runbooks}
    return Facts(
        slos={slo.id: (slo.service, slo.category.value) for slo in contents.slos.slos},
        runbook_urls={urls.absolute(config.site_url, urls.runbook(rid)): rid for rid in runbooks},
        runbooks={rid: (meta.category.value, tuple(meta.services)) for rid, meta in runbooks.items()},
        slo_runbook={slo: rid for rid, meta in sorted(runbooks.items(), reverse=True)
                     for slo in meta.detection.slos},
        levels=tuple(level.id.value for level in contents.severity.levels),
        floors={category.value: level for category, level in contents.severity.category_floor.items()},
        page_severity=settings.page_severity,
        open_on=tuple(matchers.parse(entry) for entry in settings.open_on),
        reopen_within=settings.reopen_within)


def alertmanager_url(flag: str | None, environ: dict, contents) -> str:
    """--alertmanager, else ALERTMANAGER_URL, else `alerts.alertmanager` in opsbook.yaml."""
    url = flag or environ.get("ALERTMANAGER_URL") or contents.config.alerts.alertmanager
    if not url:
        raise UsageError("where is Alertmanager? give --alertmanager URL, set ALERTMANAGER_URL, or set "
                         "alerts.alertmanager in opsbook.yaml (or read a webhook body with --from FILE)")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--alertmanager {url!r}: expected an address such as http://alertmanager:9093")
    return url


def load(root: Path):
    from opsbook.handbook.validate import load_contents

    if not (root / "postmortems").is_dir():
        raise UsageError(f"{root}: no postmortems/ folder; is --root the handbook's folder?")
    contents, _ = load_contents(root, postmortems=False)
    if contents.config is None:
        raise OpsbookError("opsbook.yaml has errors; run `ops validate` first")
    return contents


def pull(root: Path, contents, reading: Reading, *, now: dt.datetime, dry_run: bool = False,
         github=None, environ: dict | None = None) -> PullReport:
    """Turn `reading` into incidents (see the module's docstring). `github` is an `issue.Issues` or None."""
    began = time.perf_counter()
    branches = finding.on_branches(root)
    found = finding.merged(finding.in_tree(root, by_hand=True), branches)
    known: list[Known] = [finding.known(f) for f in found]
    if github is not None:
        known += finding.from_issues(github.issues, {f.meta.id for f in found})
    plan = build(reading, known, facts(contents), now)
    report = PullReport(reading.origin, len(reading.alerts), plan, dry_run=dry_run)
    report.seconds["finding"] = time.perf_counter() - began
    if plan.problems:
        return report
    if dry_run:
        report.done += _planned(plan)
        if github is not None:
            report.github = github.stats()
        return report
    began = time.perf_counter()
    by_id = {f.meta.id: f for f in found}
    for opening in plan.openings:
        report.done.append(_open(root, opening, now, contents))
    for edit in plan.edits:
        report.done += _amend(root, by_id[edit.incident_id], edit, now, contents)
    report.seconds["incidents"] = time.perf_counter() - began
    if github is not None:
        began = time.perf_counter()
        github.apply(root, report, now)
        report.github = github.stats()
        report.seconds["github"] = time.perf_counter() - began
    began = time.perf_counter()
    _tell(root, contents, report, now, environ if environ is not None else {}, branches)
    report.seconds["chat"] = time.perf_counter() - began
    return report


def _tell(root: Path, contents, report: PullReport, now: dt.datetime, environ, branches: list) -> None:
    """Post each alert-opened incident's unposted events (not yet published) to the chat channels: those
    of the working tree, and those only an `incident/*` branch holds (their pull request not merged, where
    people log the incident's progress)."""
    from opsbook.notify.deliver import deliver

    if not contents.config.notify:
        return
    tree = finding.in_tree(root)
    ids = sorted(f.meta.id for f in tree if f.meta.status.value != "published")
    here = {f.meta.id for f in tree}
    elsewhere = {f.meta.id: (f.meta, f.text) for f in branches
                 if f.meta.id not in here and f.meta.status.value != "published"}
    told = deliver(root, contents, ids + sorted(elsewhere), environ, now=now, elsewhere=elsewhere)
    report.done += [Done(incident, "post", f"{event} to {channel}") for incident, channel, event in told.posted]
    report.not_done += told.not_done
    report.notices += told.notices


def record(alert: Alert) -> dict:
    return {"key": alert.key, "first_fired": alert.starts_at, "labels": dict(sorted(alert.labels.items())),
            "state": "firing"}


def _open(root: Path, opening: Opening, now: dt.datetime, contents) -> Done:
    from opsbook.incident.workflow import open_incident

    first = min(opening.alerts, key=lambda a: a.starts_at)
    event = open_incident(
        root, title=opening.title, severity=opening.severity.value, category=opening.category,
        services=(opening.service,) if opening.service else (), runbook=opening.runbook,
        at=opening.detected.isoformat(), message=f"Alert fired: {first.annotations.get('summary') or first.name}",
        now=now, notes=tuple((a.starts_at, opened_note(a)) for a in opening.alerts),
        extra={"alerts": [record(a) for a in opening.alerts],
               "slos_breached": sorted({a.labels["slo"] for a in opening.alerts if "slo" in a.labels})},
        contents=contents)
    return Done(event.incident_id, "opened", f"{event.severity}, detected {event.at.isoformat()} "
                f"({len(opening.alerts)} alert{'s' if len(opening.alerts) != 1 else ''})", _rel(root, event.path))


def _amend(root: Path, found: finding.Found, edit, now: dt.datetime, contents) -> list[Done]:
    from opsbook.incident.workflow import amend

    states = {key: change.state for change in edit.changes for key in change.keys}
    records = [{**r.model_dump(mode="python"), "state": states.get(r.key, r.state.value)} for r in found.meta.alerts]
    records = [{**r, "labels": dict(sorted(r["labels"].items()))} for r in records]
    records += [record(alert) for alert in edit.joined]
    notes = [(c.at, c.text) for c in edit.changes]
    notes += [(max(a.starts_at, finding.known(found).detected), "Joined: " + opened_note(a)) for a in edit.joined]
    fields: dict = {"alerts": records}
    raised = []
    if edit.severity is not None:
        fields["severity"] = edit.severity.value
        # A note too, so the timeline says when and the incident's issue hears of it as of its other notes.
        at = max((a.starts_at for a in edit.joined), default=now)
        raised.append((max(at, finding.known(found).detected),
                       f"Severity raised from {found.meta.severity.value} to {edit.severity.value} by a joining alert"))
    text = found.text if found.on_branch else None
    event = amend(root, edit.incident_id, notes=tuple(notes + raised), fields=fields, now=now, text=text,
                  contents=contents)
    done = [Done(edit.incident_id, "note", text, _rel(root, event.path)) for _, text in notes]
    if edit.severity is not None:
        done.append(Done(edit.incident_id, "severity", f"raised to {edit.severity.value}", _rel(root, event.path)))
    return done


def _planned(plan: Plan) -> list[Done]:
    done = [Done(None, "opened", f"{o.severity.value} {o.category} {o.service or '-'}: {o.title} "
                 f"(detected {o.detected.isoformat()}, {len(o.alerts)} alerts)") for o in plan.openings]
    for edit in plan.edits:
        done += [Done(edit.incident_id, "note", c.text) for c in edit.changes]
        done += [Done(edit.incident_id, "joined", opened_note(a)) for a in edit.joined]
        if edit.severity is not None:
            done.append(Done(edit.incident_id, "severity", f"raised to {edit.severity.value}"))
    return done


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)



