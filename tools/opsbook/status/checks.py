"""Checks of what the handbook tells users: post-mortems' `public` parts and ops/maintenance.yaml.

A pure function from the loaded contents and `now` to located problems, run with the handbook's
validation by `opsbook.validation`. The rules, each at the key to change:

1. `not-public`: a post-mortem's or maintenance window's component is a service without `public_name`,
   so the page could not name it (an unknown service id is a `dangling-reference`).
2. `public-order`: updates are in time order, none before the incident began, none in the future.
3. `public-resolved`: `resolved` is the last update and comes once the timeline has its `resolved`
   event; a resolved incident with a public part ends with a `resolved` update, so users are not left
   reading "investigating" forever (a warning while the post-mortem is a draft, as `ops incident
   resolve` must come before the `resolved` update; an error once it is in review or published).
4. `public-leak`: a public text names a secret of the inventory (error) or a person of the team
   (warning): who did what stays internal. Credentials are caught for every file by the loader.
   Runbooks' prewritten messages (`## User-facing messages`, posted as written by `--from-runbook`)
   are public text in waiting: the same rule, at the quote's line, so it is caught at review time.
5. `duplicate-id`: maintenance window ids are unique (they are the calendar's UIDs).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Iterator

from opsbook.dates import earliest_after, next_minute
from opsbook.handbook.contents import Contents
from opsbook.handbook.explain import key_path
from opsbook.handbook.loading import Source
from opsbook.handbook.models.postmortem import EventType, PublicState, Status
from opsbook.problems import Level, Problem
from opsbook.status.messages import SECTION, quoted_lines

MAINTENANCE_FILE = "ops/maintenance.yaml"
_CLOCK_SKEW = dt.timedelta(minutes=5)


def next_public_change(contents: Contents, now: dt.datetime) -> dt.datetime | None:
    """The earliest moment after `now` at which `check_public` could report otherwise, the files unchanged:
    when a public update stops being in the future (its problem prints `now` to the minute meanwhile)."""
    candidates = []
    for doc in contents.postmortems:
        for update in doc.meta.public.updates if doc.meta.public else ():
            skewed = update.at - _CLOCK_SKEW
            candidates.append(next_minute(now) if skewed > now else None)
    return earliest_after(now, candidates)


def check_public(contents: Contents, now: dt.datetime) -> list[Problem]:
    """Every problem with the handbook's public parts as of `now` (aware)."""
    services = {s.id: s for s in contents.services.services} if contents.services else None
    words = _internal_words(contents)
    problems: list[Problem] = []
    for doc in contents.postmortems:
        public = doc.meta.public
        if public is None:
            continue
        problems += _components(doc.source, ("public", "components"), public.components, services)
        problems += _updates(doc, now)
        texts = [(("public", "title"), public.title), (("public", "summary"), public.summary)]
        texts += [(("public", "updates", i, "message"), u.message) for i, u in enumerate(public.updates)]
        problems += _leaks(doc.source, texts, words)
    source = contents.sources.get(MAINTENANCE_FILE)
    if contents.maintenance is not None and source is not None:
        seen: set[str] = set()
        for i, window in enumerate(contents.maintenance.windows):
            problems += _components(source, ("windows", i, "components"), window.components, services)
            problems += _leaks(source, [(("windows", i, "title"), window.title),
                                        (("windows", i, "message"), window.message)], words)
            if window.id in seen:
                problems.append(_at(source, ("windows", i, "id"), f"maintenance id '{window.id}' is used twice",
                                    code="duplicate-id", hint="ids must be unique: calendars use them to "
                                                              "update an event in place"))
            seen.add(window.id)
    for doc in contents.runbooks:
        problems += _prewritten(doc, words)
    return problems


def _at(source: Source, path: tuple, message: str, *, code: str, level: Level = Level.ERROR,
        expected: str | None = None, found: str | None = None, hint: str | None = None) -> Problem:
    line, column = source.line_of(path)
    return Problem(source.rel, message, line, column, key_path(path), expected=expected, found=found, hint=hint,
                   code=code, level=level)


def _components(source: Source, path: tuple, components: list[str], services: dict | None) -> Iterator[Problem]:
    if services is None:
        return  # ops/services.yaml did not load; its own problems say why
    public = sorted(s.id for s in services.values() if s.public_name)
    for i, component in enumerate(components):
        service = services.get(component)
        if service is None:
            yield _at(source, path + (i,), f"refers to unknown service '{component}'", code="dangling-reference",
                      expected="a service id defined in ops/services.yaml")
        elif not service.public_name:
            yield _at(source, path + (i,), f"service '{component}' is not a public component",
                      code="not-public", expected="one of " + (", ".join(public) or "no service yet"),
                      hint=f"give '{component}' a `public_name` in ops/services.yaml to show it on the status page")


def _updates(doc, now: dt.datetime) -> Iterator[Problem]:
    meta, source = doc.meta, doc.source
    updates = meta.public.updates
    began = meta.first(EventType.STARTED) or meta.first(EventType.DETECTED)
    resolved = meta.first(EventType.RESOLVED)
    for i, update in enumerate(updates):
        here = ("public", "updates", i)
        if i and update.at < updates[i - 1].at:
            yield _at(source, here + ("at",), "this update is before the one above it", code="public-order",
                      expected=f"a time at or after {updates[i - 1].at.isoformat()}", found=update.at.isoformat(),
                      hint="updates are listed in the order they were posted")
        if began is not None and update.at < began:
            yield _at(source, here + ("at",), "this update is before the incident began", code="public-order",
                      expected=f"a time at or after {began.isoformat()}", found=update.at.isoformat())
        if update.at > now + _CLOCK_SKEW:
            yield _at(source, here + ("at",), "is in the future", code="future-date", found=update.at.isoformat(),
                      expected=f"a time before {now.isoformat(timespec='minutes')}")
        if update.state is PublicState.RESOLVED:
            if i != len(updates) - 1:
                yield _at(source, here + ("state",), "only the last update may be `resolved`",
                          code="public-resolved", hint="an incident that came back is a new update: "
                                                       "`investigating` or `identified`")
            if resolved is None:
                yield _at(source, here + ("state",), "says `resolved` but the timeline has no `resolved` event",
                          code="public-resolved", hint="`ops incident resolve` records it")
            elif update.at < resolved:
                yield _at(source, here + ("at",), "the `resolved` update is before the timeline's `resolved` event",
                          code="public-resolved", expected=f"a time at or after {resolved.isoformat()}",
                          found=update.at.isoformat())
    if resolved is not None and (not updates or updates[-1].state is not PublicState.RESOLVED):
        # A warning while the post-mortem is a draft: `ops incident resolve` comes first and the
        # `resolved` update needs it, so the moment between the two must not be refused.
        path = ("public", "updates", len(updates) - 1, "state") if updates else ("public",)
        yield _at(source, path, "the incident is resolved but its last public update is not `resolved`",
                  code="public-resolved", level=Level.WARNING if meta.status is Status.DRAFT else Level.ERROR,
                  hint=f"tell users: ops incident update {meta.id} --state resolved --message …")


def _prewritten(doc, words) -> Iterator[Problem]:
    """A runbook's prewritten messages that name a secret or a person, at the line that does."""
    if SECTION not in doc.body:
        return
    from opsbook.handbook.assembled import split_sections

    section = split_sections(doc.body, doc.source.body_line).get(SECTION)
    if section is None or not section.text:
        return
    body = doc.body.splitlines()
    first = section.line - doc.source.body_line  # the heading's index in the body; the text follows it
    first += next(i for i, line in enumerate(body[first + 1:], 1) if line.strip())
    for key, (_, lines) in quoted_lines(section.text).items():
        message = " ".join(text for _, text in lines)
        for name, what, level in words:
            if name in message and _whole_word(name).search(message):
                index = next((i for i, text in lines if name in text), lines[0][0])
                column = body[first + index].find(name) + 1 or None
                yield Problem(doc.source.rel, f"the prewritten message '{key}' under `## {SECTION}` names {what}",
                              first + index + doc.source.body_line, column, code="public-leak", level=level,
                              hint="`--from-runbook` posts it to the public status page as written: say what "
                                   "users notice, not who or what inside")


def _internal_words(contents: Contents) -> list[tuple[str, str, Level]]:
    """Names that must not appear in public text: secrets (error) and people (warning), with what each is."""
    found: list[tuple[str, str, Level]] = []
    if contents.secrets:
        found += [(secret.name, f"the secret '{secret.name}'", Level.ERROR) for secret in contents.secrets.secrets]
    if contents.team:
        found += [(person.name, f"the person '{person.id}'", Level.WARNING) for person in contents.team.people]
    return found


def leak_finder(contents: Contents):
    """`find(text)`: what a text names that must not leave the team (secrets, people), by the rules of
    `public-leak`; chat channels marked public use it too."""
    words = _internal_words(contents)

    def find(text: str) -> list[str]:
        return [what for name, what, _ in words if name in text and _whole_word(name).search(text)]
    return find


@functools.lru_cache(maxsize=4096)
def _whole_word(name: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(name)}\b")


def _leaks(source: Source, texts: list[tuple[tuple, str | None]], words) -> Iterator[Problem]:
    for path, text in texts:
        if not text:
            continue
        for name, what, level in words:
            # A substring test first: an organisation has thousands of secrets, and compiling a pattern
            # for each, for every text, cost seconds.
            if name in text and _whole_word(name).search(text):
                yield _at(source, path, f"public text names {what}", code="public-leak", level=level,
                          hint="the status page is public: say what users notice, not who or what inside")
