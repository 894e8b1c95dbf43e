"""The validated handbook as one object, indexed by id, with the derived facts every output shares."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path
from typing import Generic, TypeVar

from opsbook.handbook.loading import Source
from opsbook.handbook.models.cadence import Cadence, Holiday
from opsbook.handbook.models.catalogue import (
    MaintenanceWindow,
    Person,
    Rotation,
    Secret,
    Service,
    SeverityLevel,
    SeverityPolicy,
    Slo,
    Team,
)
from opsbook.handbook.models.common import Severity
from opsbook.handbook.models.config import HandbookConfig
from opsbook.handbook.models.oncall import Override
from opsbook.handbook.models.postmortem import (
    ActionItem,
    EventType,
    PostmortemMeta,
    Status,
)
from opsbook.handbook.models.runbook import RunbookMeta

Meta = TypeVar("Meta")

_HEADING = re.compile(r"^##[ \t]+(.*)$", re.M)


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    title: str
    text: str
    line: int  # the heading's line in the file


def split_sections(body: str, first_line: int) -> dict[str, Section]:
    """Level-two sections of a Markdown body by heading title (text excludes the heading)."""
    matches = list(_HEADING.finditer(body))
    sections: dict[str, Section] = {}
    line, counted_to = first_line, 0
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        line += body.count("\n", counted_to, match.start())  # counted once, heading to heading
        counted_to = match.start()
        title = match.group(1).strip().rstrip("#").rstrip()  # "## Title ##" is a heading too
        if title not in sections:
            sections[title] = Section(title, body[match.end():end].strip(), line)
    return sections


def has_text_under(body: str, title: str) -> bool:
    """Whether the first `## title` section of `body` has text: `split_sections`' answer, far cheaper.

    A fast path for the validator. It may answer False where `split_sections` finds text (a heading
    written with extra spaces); callers fall back to `split_sections` then, so answers stay exact.
    """
    heading = "## " + title
    at = 0 if body.startswith(heading) else body.find("\n" + heading) + 1 or -1
    while at >= 0:
        end_of_line = body.find("\n", at)
        end_of_line = len(body) if end_of_line == -1 else end_of_line
        if body[at + 3:end_of_line].strip().rstrip("#").rstrip() == title:
            if body.find(title, 0, at) != -1:
                return False  # an earlier heading might be this section, spelt loosely: let the caller split
            following = _HEADING.search(body, end_of_line)
            return bool(body[end_of_line:following.start() if following else len(body)].strip())
        at = body.find("\n" + heading, end_of_line) + 1 or -1
    return False


@dataclasses.dataclass(frozen=True, slots=True)
class Document(Generic[Meta]):
    """A Markdown document: validated frontmatter, its body and where it came from."""

    meta: Meta
    body: str
    source: Source

    @property
    def id(self) -> str:
        return self.meta.id  # type: ignore[attr-defined]

    @property
    def path(self) -> str:
        return self.source.rel

    @property
    def sections(self) -> dict[str, Section]:
        return split_sections(self.body, self.source.body_line)


Runbook = Document[RunbookMeta]
Postmortem = Document[PostmortemMeta]


@dataclasses.dataclass(frozen=True, slots=True)
class CadenceFile:
    cadence: Cadence
    source: Source

    @property
    def id(self) -> str:
        return self.cadence.id

    @property
    def path(self) -> str:
        return self.source.rel


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """A process page under `ops/` (lifecycle, roles, how to write a post-mortem)."""

    title: str
    body: str
    path: str


@dataclasses.dataclass
class Handbook:
    """Everything in the handbook, validated. Built by `opsbook.validation.load_handbook`."""

    root: Path
    config: HandbookConfig
    slos: dict[str, Slo]
    severity: SeverityPolicy
    services: dict[str, Service]
    team: Team
    secrets: list[Secret]
    runbooks: dict[str, Runbook]
    postmortems: dict[str, Postmortem]
    cadences: dict[str, CadenceFile]
    holidays: list[Holiday]
    pages: list[Page]
    overrides: list[Override] = dataclasses.field(default_factory=list)  # on-call swaps and covers
    maintenance: list[MaintenanceWindow] = dataclasses.field(default_factory=list)

    @property
    def people(self) -> dict[str, Person]:
        return {person.id: person for person in self.team.people}

    @property
    def rotations(self) -> dict[str, Rotation]:
        return {rotation.id: rotation for rotation in self.team.rotations}

    def level(self, severity: Severity) -> SeverityLevel | None:
        return next((level for level in self.severity.levels if level.id is severity), None)

    # --- derived facts ---------------------------------------------------------------------------

    def runbooks_due_for_review(self, today: dt.date) -> list[Runbook]:
        """Runbooks whose last review is older than their review period."""
        return [rb for rb in self.runbooks.values() if rb.meta.last_reviewed + rb.meta.review_every < today]

    def secrets_due_for_rotation(self, today: dt.date, within: dt.timedelta = dt.timedelta(0)) -> list[Secret]:
        """Secrets whose rotation falls due before `today + within`."""
        return [s for s in self.secrets if s.last_rotated + s.rotate_every <= today + within]

    def postmortems_using(self, runbook_id: str) -> list[Postmortem]:
        """The post-mortems of incidents handled with the runbook `runbook_id`, in file order."""
        return self._postmortems_by_runbook.get(runbook_id, [])

    @functools.cached_property
    def _postmortems_by_runbook(self) -> dict[str, list[Postmortem]]:
        # One pass for all runbooks: a site decorates every runbook page, each with its incidents.
        grouped: dict[str, list[Postmortem]] = {}
        for pm in self.postmortems.values():
            if pm.meta.runbook:
                grouped.setdefault(pm.meta.runbook, []).append(pm)
        return grouped

    def open_action_items(self) -> list[tuple[Postmortem, ActionItem]]:
        return [(pm, item) for pm in self.postmortems.values() for item in pm.meta.action_items
                if not item.status.is_closed]

    def overdue_action_items(self, today: dt.date) -> list[tuple[Postmortem, ActionItem]]:
        return [(pm, item) for pm, item in self.open_action_items() if item.due < today]

    def incidents_between(self, start: dt.datetime, end: dt.datetime) -> list[Postmortem]:
        """Post-mortems whose incident was detected in [start, end), newest first."""
        found = [pm for pm in self.postmortems.values()
                 if (detected := pm.meta.first(EventType.DETECTED)) and start <= detected < end]
        return sorted(found, key=lambda pm: pm.meta.first(EventType.DETECTED), reverse=True)

    def postmortems_overdue(self, now: dt.datetime) -> list[Postmortem]:
        """Incidents whose policy requires a post-mortem that is still unpublished past its allowance."""
        overdue = []
        for pm in self.postmortems.values():
            level = self.level(pm.meta.severity)
            resolved = pm.meta.first(EventType.RESOLVED)
            if (level and level.postmortem.required and resolved and pm.meta.status is not Status.PUBLISHED
                    and resolved + level.postmortem.publish_within < now):
                overdue.append(pm)
        return overdue


def time_to(pm: PostmortemMeta, stage: EventType) -> dt.timedelta | None:
    """Time from the incident's start (or detection, when no start is known) to `stage`."""
    begin = pm.first(EventType.STARTED) or pm.first(EventType.DETECTED)
    reached = pm.first(stage)
    return reached - begin if begin and reached else None
