"""Checks across files: unique ids, references that resolve, lifecycle order, and the team's policies.

Each check reads the loaded contents and yields located problems; a part whose file failed to load is
skipped, so one broken file does not bury the report in follow-on errors.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Iterable, Iterator

from opsbook.dates import earliest_after, next_midnight, next_minute
from opsbook.handbook.assembled import has_text_under, split_sections
from opsbook.handbook.contents import CONFIG_FILE, OPS_FILES, Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.links import check_links
from opsbook.handbook.loading import Source
from opsbook.handbook.models.catalogue import Unit
from opsbook.handbook.models.postmortem import LIFECYCLE, EventType, Status
from opsbook.handbook.models.runbook import RUNBOOK_SECTIONS
from opsbook.problems import Level, Problem

PUBLISHED_REQUIRED = ("Summary", "Root cause", "Action items")


def check_contents(contents: Contents, now: dt.datetime) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_unique_ids, _references, _file_names, _runbook_bodies, _timelines, _published_postmortems,
                  _policy, _future_dates, _staleness, _action_items_before_incident, _placeholder_site_url,
                  _ratio_values, _unique_action_items, check_links):
        problems.extend(check(contents, now))
    return problems


def next_change(contents: Contents, now: dt.datetime) -> dt.datetime | None:
    """The earliest moment after `now` at which `check_contents` could report otherwise, the files unchanged.

    Only `_future_dates` and `_staleness` read `now`: through `now.date()` (so the next midnight in
    `now`'s offset), against each timeline event (five minutes of skew), and against each post-mortem's
    publish-by deadline. A future event's problem prints `now` to the minute, so it changes every minute.
    """
    candidates = [next_midnight(now)]
    for doc in contents.postmortems:
        for event in doc.meta.timeline:
            skewed = event.at - _CLOCK_SKEW
            candidates.append(next_minute(now) if skewed > now else skewed)
        if (deadline := _publish_deadline(contents, doc)) is not None:
            candidates.append(deadline + dt.timedelta(microseconds=1))
    return earliest_after(now, candidates)


def _at(source: Source, path: tuple, message: str, *, level: Level = Level.ERROR, code: str = "invalid",
        expected: str | None = None, found: str | None = None, hint: str | None = None) -> Problem:
    line, column = source.line_of(path)
    return Problem(source.rel, message, line, column, key_path(path), expected=expected, found=found,
                   hint=hint, code=code, level=level)


def _known(contents: Contents) -> dict[str, set[str] | None]:
    """Ids of each kind that references may name; None where the defining file did not load."""
    team = contents.team
    return {
        "person": {p.id for p in team.people} if team else None,
        "role": {r.id for r in team.roles} if team else None,
        "rotation": {r.id for r in team.rotations} if team else None,
        "service": {s.id for s in contents.services.services} if contents.services else None,
        "SLO": {s.id for s in contents.slos.slos} if contents.slos else None,
        "runbook": {doc.id for doc in contents.runbooks},
        "metric": {m.name for m in contents.severity.metrics} if contents.severity else None,
    }


_DEFINED_IN = {"person": "ops/team.yaml (people)", "role": "ops/team.yaml (roles)",
               "rotation": "ops/team.yaml (rotations)", "service": "ops/services.yaml", "SLO": "ops/slos.yaml",
               "runbook": "runbooks/", "metric": "ops/severity.yaml (metrics)"}
_PLURAL = {"person": "people", "role": "roles", "rotation": "rotations", "service": "services", "SLO": "SLOs",
           "metric": "metrics"}


def _references(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """A reference to an id nobody defines is an error. One whose definition did not load (its file has
    errors of its own) is not: those are counted into one note per cause, reported after the cause."""
    known = _known(contents)
    unchecked: dict[str, list[tuple[str, Source, tuple]]] = {}  # the file that did not load → references
    for source, path, kind, value in _all_references(contents):
        ids = known[kind]
        if value is None or (ids is not None and value in ids):
            continue
        cause = _DEFINED_IN[kind].split(" ")[0] if ids is None else (
            contents.unloaded_runbooks.get(value) if kind == "runbook" else None)
        if cause is not None:
            unchecked.setdefault(cause, []).append((kind if ids is None else value, source, path))
            continue
        close = difflib.get_close_matches(value, sorted(ids), n=1)
        yield _at(source, path, f"refers to unknown {kind} '{value}'", code="dangling-reference",
                  expected=f"{'an' if kind == 'SLO' else 'a'} {kind} id defined in {_DEFINED_IN[kind]}",
                  hint=f"did you mean '{close[0]}'?" if close else None)
    for cause, references in unchecked.items():
        yield _unchecked(cause, references)


def _unchecked(cause: str, references: list[tuple[str, Source, tuple]], shown: int = 3) -> Problem:
    """`3 references to rb-x are unchecked until runbooks/rb-x.md loads: postmortems/pm-a.md:8, …`."""
    names = list(dict.fromkeys(_PLURAL.get(name, name) for name, _, _ in references))
    what = " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))
    count = len(references)
    places = []
    for _, source, path in references[:shown]:  # lines only for a few: each costs a parse of its file
        line, _ = source.line_of(path)
        places.append(f"{source.rel}:{line}" if line else source.rel)
    more = f" and {count - shown} more" if count > shown else ""
    return Problem(cause, f"{count} reference{'s' if count != 1 else ''} to {what} "
                          f"{'are' if count != 1 else 'is'} unchecked until {cause} loads: "
                          f"{', '.join(places)}{more}", code="unchecked-references", level=Level.NOTE)


def _all_references(contents: Contents) -> Iterator[tuple[Source, tuple, str, str | None]]:
    """(source, key path, kind, id) for every cross-reference in the handbook."""
    sources = contents.sources
    if contents.slos and (src := sources.get("ops/slos.yaml")):
        for i, slo in enumerate(contents.slos.slos):
            yield src, ("slos", i, "service"), "service", slo.service
    if contents.services and (src := sources.get("ops/services.yaml")):
        for i, service in enumerate(contents.services.services):
            yield from _each(src, ("services", i, "owners"), "person", service.owners)
            yield from _each(src, ("services", i, "depends_on"), "service", service.depends_on)
    if contents.team and (src := sources.get("ops/team.yaml")):
        for i, person in enumerate(contents.team.people):
            yield from _each(src, ("people", i, "roles"), "role", person.roles)
        for i, rotation in enumerate(contents.team.rotations):
            yield src, ("rotations", i, "role"), "role", rotation.role
            yield from _each(src, ("rotations", i, "members"), "person", rotation.members)
            yield src, ("rotations", i, "backs_up"), "rotation", rotation.backs_up
            if rotation.issues:
                yield from _each(src, ("rotations", i, "issues", "runbooks"), "runbook", rotation.issues.runbooks)
    if contents.overrides and (src := sources.get("ops/oncall-overrides.yaml")):
        for i, override in enumerate(contents.overrides.overrides):
            yield src, ("overrides", i, "rotation"), "rotation", override.rotation
            yield src, ("overrides", i, "person"), "person", override.person
    if contents.secrets and (src := sources.get("ops/secrets.yaml")):
        for i, secret in enumerate(contents.secrets.secrets):
            yield src, ("secrets", i, "owner"), "person", secret.owner
            yield from _each(src, ("secrets", i, "services"), "service", secret.services)
    if contents.severity and (src := sources.get("ops/severity.yaml")):
        for i, rule in enumerate(contents.severity.rules):
            for group in ("any", "all"):
                for j, condition in enumerate(getattr(rule, group)):
                    yield src, ("rules", i, group, j, "metric"), "metric", condition.metric
    for doc in contents.runbooks:
        meta, src = doc.meta, doc.source
        yield from _each(src, ("services",), "service", meta.services)
        yield from _each(src, ("owners",), "person", meta.owners)
        yield from _each(src, ("detection", "slos"), "SLO", meta.detection.slos)
    for doc in contents.postmortems:
        meta, src = doc.meta, doc.source
        yield from _each(src, ("services",), "service", meta.services)
        yield src, ("runbook",), "runbook", meta.runbook
        yield from _each(src, ("slos_breached",), "SLO", meta.slos_breached)
        for role in ("on_call", "incident_commander", "communications", "scribe"):
            yield src, ("roles", role), "person", getattr(meta.roles, role)
        for i, item in enumerate(meta.action_items):
            yield src, ("action_items", i, "owner"), "person", item.owner
    for item in contents.cadences:
        cadence, src = item.cadence, item.source
        yield src, ("owner",), "person", cadence.owner
        yield src, ("rotation",), "rotation", cadence.rotation
        yield src, ("fallback",), "person", cadence.fallback
        yield from _each(src, ("slos",), "SLO", cadence.slos)
        yield from _each(src, ("runbooks",), "runbook", cadence.runbooks)


def _each(source: Source, path: tuple, kind: str, values: Iterable[str]) -> Iterator[tuple]:
    for index, value in enumerate(values):
        yield source, path + (index,), kind, value


def _unique_ids(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    groups: list[tuple[str, Iterable[tuple[Source, tuple, str]]]] = [
        ("runbook", ((d.source, ("id",), d.id) for d in contents.runbooks)),
        ("post-mortem", ((d.source, ("id",), d.id) for d in contents.postmortems)),
        ("cadence", ((c.source, ("id",), c.id) for c in contents.cadences)),
    ]
    singles = [("slos", "SLO", "slos", "id"), ("services", "service", "services", "id"),
               ("team", "person", "people", "id"), ("team", "role", "roles", "id"),
               ("team", "rotation", "rotations", "id"), ("secrets", "secret", "secrets", "name"),
               ("severity", "severity level", "levels", "id"), ("severity", "rule", "rules", "id"),
               ("severity", "metric", "metrics", "name")]
    for attribute, kind, key, field in singles:
        model = getattr(contents, attribute)
        source = contents.sources.get(_ops_path(attribute))
        if model is None or source is None:
            continue
        items = getattr(model, key)
        groups.append((kind, [(source, (key, i, field), _plain(getattr(item, field)))
                              for i, item in enumerate(items)]))
    for kind, entries in groups:
        first: dict[str, Source] = {}
        for source, path, value in entries:
            if value in first:
                yield _at(source, path, f"{kind} id '{value}' is already used in {first[value].rel}",
                          code="duplicate-id", hint="ids must be unique; rename one of them")
            else:
                first[value] = source


def _plain(value):
    return getattr(value, "value", value)


def _ops_path(attribute: str) -> str:
    return OPS_FILES[attribute][0]


def _file_names(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """Commands and links find a document by id, so its file is named after it."""
    for item in [*contents.runbooks, *contents.postmortems, *contents.cadences]:
        stem = item.source.path.stem
        if stem != item.id:
            yield _at(item.source, ("id",), f"the id '{item.id}' does not match the file name '{stem}'",
                      code="file-name", hint=f"rename the file to {item.id}{item.source.path.suffix} or change the id")


def _runbook_bodies(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    for doc in contents.runbooks:
        sections = split_sections(doc.body, doc.source.body_line)
        for title in RUNBOOK_SECTIONS:
            section = sections.get(title)
            if section is None:
                yield Problem(doc.path, f"the body has no `## {title}` section", doc.source.body_line,
                              code="missing-section", hint="every runbook has these sections: "
                                                           + ", ".join(RUNBOOK_SECTIONS))
            elif not section.text:
                yield Problem(doc.path, f"the `## {title}` section is empty", section.line, code="empty-section")


def _timelines(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    for doc in contents.postmortems:
        stages: dict[EventType, tuple[int, dt.datetime]] = {}
        for index, event in enumerate(doc.meta.timeline):
            if event.type is EventType.NOTE:
                continue
            if event.type in stages:
                yield _at(doc.source, ("timeline", index, "type"),
                          f"the timeline has a second `{event.type.value}` event", code="timeline",
                          hint="each lifecycle stage happens once; use `note` for anything else")
            else:
                stages[event.type] = (index, event.at)
        latest: dt.datetime | None = None
        for stage, (index, at) in sorted(stages.items(), key=lambda item: item[0].stage):
            if latest is not None and at < latest:
                # One problem per event, against the nearest earlier stage it precedes.
                earlier = max((other for other, (_, other_at) in stages.items()
                               if other.stage < stage.stage and at < other_at), key=lambda other: other.stage)
                yield _order_problem(doc.source, index, stage, at, earlier, stages[earlier][1])
            latest = at if latest is None or at > latest else latest
        if EventType.DETECTED not in stages:
            yield _at(doc.source, ("timeline",), "the timeline has no `detected` event", code="timeline",
                      hint="every incident starts with the moment it was detected")
        if doc.meta.status is not Status.DRAFT and EventType.RESOLVED not in stages:
            yield _at(doc.source, ("status",), f"a post-mortem {doc.meta.status.value.replace('-', ' ')} needs a `resolved` event",
                      code="timeline", hint="keep the status `draft` until the incident is resolved")


def _order_problem(source: Source, index: int, later: EventType, later_at: dt.datetime, earlier: EventType,
                   earlier_at: dt.datetime) -> Problem:
    return _at(source, ("timeline", index, "at"), f"`{later.value}` is before `{earlier.value}`", code="timeline",
               expected=f"a time at or after {earlier.value} ({earlier_at.isoformat()})", found=later_at.isoformat(),
               hint="lifecycle events happen in order: " + " → ".join(e.value for e in LIFECYCLE))


def _published_postmortems(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    for doc in contents.postmortems:
        if doc.meta.status is not Status.PUBLISHED:
            continue
        if all(has_text_under(doc.body, title) for title in PUBLISHED_REQUIRED):
            pass  # the common case, decided without splitting the body into sections
        else:
            sections = split_sections(doc.body, doc.source.body_line)
            for title in PUBLISHED_REQUIRED:
                section = sections.get(title)
                if section is None:
                    yield Problem(doc.path, f"a published post-mortem needs a `## {title}` section",
                                  doc.source.body_line, code="missing-section")
                elif not section.text:
                    yield Problem(doc.path, f"a published post-mortem needs text under `## {title}`", section.line,
                                  code="empty-section")
        if not doc.meta.action_items:
            yield _at(doc.source, ("status",), "a published post-mortem needs at least one action item",
                      code="no-action-items", hint="add `action_items` with owner and due date, or keep it in review")


def _policy(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    policy = contents.severity
    if policy is None:
        return
    defined = {level.id for level in policy.levels}
    source = contents.sources.get("ops/severity.yaml")
    if source is not None:
        for i, rule in enumerate(policy.rules):
            if rule.severity not in defined:
                yield _at(source, ("rules", i, "severity"), f"no level {rule.severity.value} is defined",
                          code="dangling-reference")
    for doc in [*contents.runbooks, *contents.postmortems]:
        if doc.meta.severity not in defined:
            yield _at(doc.source, ("severity",), f"the severity policy defines no {doc.meta.severity.value}",
                      code="dangling-reference", expected="one of " + ", ".join(sorted(l.value for l in defined)))
    for doc in contents.postmortems:
        floor = policy.category_floor.get(doc.meta.category)
        if floor is not None and doc.meta.severity.rank > floor.rank:
            yield _at(doc.source, ("severity",),
                      f"{doc.meta.category.value} incidents are at least {floor.value} by the severity policy",
                      code="policy", found=doc.meta.severity.value, expected=f"{floor.value} or worse")


_CLOCK_SKEW = dt.timedelta(minutes=5)  # clocks differ a little


def _future_dates(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """A date in the future where only the past makes sense is almost always a typo in the year."""
    today = now.date()
    for doc in contents.runbooks:
        if doc.meta.last_reviewed > today:
            yield _at(doc.source, ("last_reviewed",), "is in the future", code="future-date",
                      found=doc.meta.last_reviewed.isoformat(), expected=f"a date on or before {today}")
    latest_allowed = now + _CLOCK_SKEW
    for doc in contents.postmortems:
        for index, event in enumerate(doc.meta.timeline):
            if event.at > latest_allowed:
                yield _at(doc.source, ("timeline", index, "at"), "is in the future", code="future-date",
                          found=event.at.isoformat(), expected=f"a time before {now.isoformat(timespec='minutes')}")
    if contents.secrets and (src := contents.sources.get("ops/secrets.yaml")):
        for i, secret in enumerate(contents.secrets.secrets):
            if secret.last_rotated > today:
                yield _at(src, ("secrets", i, "last_rotated"), "is in the future", code="future-date",
                          found=secret.last_rotated.isoformat(), expected=f"a date on or before {today}")


def _staleness(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """Warnings: things that were fine once and have since fallen due."""
    today = now.date()
    warn = Level.WARNING
    for doc in contents.runbooks:
        due = doc.meta.last_reviewed + doc.meta.review_every
        if due < today:
            yield _at(doc.source, ("last_reviewed",), f"the runbook was due for review on {due}", level=warn,
                      code="review-due", hint="review it, then set last_reviewed to the review's date")
    for doc in contents.postmortems:
        for i, item in enumerate(doc.meta.action_items):
            if not item.status.is_closed and item.due < today:
                yield _at(doc.source, ("action_items", i, "due"), f"action item {item.id} is overdue since {item.due}",
                          level=warn, code="overdue", hint="finish it, move the due date, or mark it wont-do")
    if contents.secrets and (src := contents.sources.get("ops/secrets.yaml")):
        for i, secret in enumerate(contents.secrets.secrets):
            due = secret.last_rotated + secret.rotate_every
            if due < today:
                yield _at(src, ("secrets", i, "last_rotated"), f"{secret.name} was due for rotation on {due}",
                          level=warn, code="rotation-due")
    for doc in contents.postmortems:
        deadline = _publish_deadline(contents, doc)
        if deadline is not None and deadline < now:
            yield _at(doc.source, ("status",),
                      f"the {doc.meta.severity.value} post-mortem was due to be published by "
                      f"{deadline.date()}", level=warn, code="postmortem-due")


def _publish_deadline(contents: Contents, doc) -> dt.datetime | None:
    """When the severity policy wants this resolved, unpublished post-mortem published; None if it does not."""
    if not contents.severity:
        return None
    level = next((level for level in contents.severity.levels if level.id == doc.meta.severity), None)
    resolved = doc.meta.first(EventType.RESOLVED)
    if (level is None or not level.postmortem.required or resolved is None
            or doc.meta.status is Status.PUBLISHED):
        return None
    return resolved + level.postmortem.publish_within


def _action_items_before_incident(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """Warnings: an action item due before its incident began was almost always given the wrong year."""
    for doc in contents.postmortems:
        began = min(event.at for event in doc.meta.timeline).date()  # in the offset it was written with
        for i, item in enumerate(doc.meta.action_items):
            if item.due < began:
                yield _at(doc.source, ("action_items", i, "due"),
                          f"action item {item.id} is due {item.due}, before the incident began ({began})",
                          level=Level.WARNING, code="due-before-incident", hint="a typo in the date?")


# What `ops init` writes into opsbook.yaml until the team knows its Pages address.
SITE_URL_PLACEHOLDERS = ("YOUR-ORG", "YOUR-REPO")


def _placeholder_site_url(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """A warning, not an error: a new handbook builds, but its feed and issue links point nowhere yet."""
    source = contents.sources.get(CONFIG_FILE)
    if contents.config is None or source is None:
        return
    if any(marker in contents.config.site_url.upper() for marker in SITE_URL_PLACEHOLDERS):
        yield _at(source, ("site_url",), "is still the placeholder `ops init` wrote; the calendar feed's event "
                  "ids and the links in the feed and the review issues are built from it",
                  level=Level.WARNING, code="placeholder", found=contents.config.site_url,
                  expected="the address GitHub Pages publishes this repository at, such as "
                           "https://your-org.github.io/your-repo/ (Settings → Pages shows it)")


def _ratio_values(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """A ratio SLO's target and alert threshold are fractions: 99.5 where 0.995 was meant reads as 9950%."""
    source = contents.sources.get(_ops_path("slos"))
    if contents.slos is None or source is None:
        return
    for i, slo in enumerate(contents.slos.slos):
        if slo.unit is not Unit.RATIO:
            continue
        values = [(("slos", i, "target"), slo.target)]
        if slo.alert is not None:
            values.append((("slos", i, "alert", "threshold"), slo.alert.threshold))
        for path, value in values:
            if not 0 <= value <= 1:
                percent = 1 < value <= 100
                yield _at(source, path, "is not a ratio: with `unit: ratio` it is a fraction from 0 to 1",
                          code="ratio", expected="a number from 0 to 1", found=f"{value:g}",
                          hint=f"write it as a ratio: {value / 100:g} (that is {value:g}%), or set `unit: percent`"
                          if percent else "write it as a ratio, such as 0.995 for 99.5%")


def _unique_action_items(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """Issues and `ops incident action` find an action item by its id, so it is unique in its post-mortem."""
    for doc in contents.postmortems:
        first: dict[str, int] = {}
        for index, item in enumerate(doc.meta.action_items):
            if item.id not in first:
                first[item.id] = index
                continue
            earlier = ("action_items", first[item.id])
            line, _ = doc.source.line_of(earlier)
            yield _at(doc.source, ("action_items", index, "id"),
                      f"action item id '{item.id}' is already used by {key_path(earlier)} (line {line})",
                      code="duplicate-id", hint="give each action item its own id, such as AI-1, AI-2")
