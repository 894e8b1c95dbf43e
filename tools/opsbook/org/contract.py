"""`opsbook.json`: what a team's site tells its organisation, as a versioned contract.

`schema_version` is `MAJOR.MINOR`. Within a major version changes are additive only: new optional
fields, never a renamed, removed or retyped one; readers ignore fields they do not know, so an old reader
keeps working with a newer export. A new major version is a break: a reader refuses a major it does not
know rather than misread it (`ops org build` then shows the team as stale).

Only what an organisation may read is here: ids, names, titles, dates, numbers and the site's own links.
No narrative, no descriptions, no timeline text, no contact details, nothing secret.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"
MAJOR = 1
FILE = "opsbook.json"


class Open(BaseModel):
    """Fields a later minor version adds are kept, not refused: old readers keep working."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Links(Open):
    site: str = Field(description="The handbook's site (its `site_url`).")
    feeds_index: str = Field(description="`feeds/index.json`: every calendar feed of the site.")
    handbook_feed: str = Field(description="`feeds/handbook.ics`: reviews, post-mortem reviews, action items due.")
    oncall_feed: str = Field(description="`feeds/oncall.ics`: every rotation's on-call shifts.")
    status_page: str = Field(description="The public status page.")
    search_index: str = Field(description="MkDocs Material's `search/search_index.json` of the site.")


class Person(Open):
    id: str
    name: str


class Service(Open):
    id: str
    name: str
    tier: int
    owners: list[str] = Field(description="Person ids.")


class Shift(Open):
    start: AwareDatetime
    end: AwareDatetime
    person: str | None = Field(description="Person id; null when everyone is away.")


class Rotation(Open):
    id: str
    name: str
    members: list[str]
    url: str
    shifts: list[Shift] = Field(description="The shifts of the feed's horizon, in order.")


class Runbook(Open):
    id: str
    title: str
    url: str
    category: str
    severity: str
    services: list[str]
    last_reviewed: dt.date
    review_every_days: int
    review_due: dt.date = Field(description="`last_reviewed` plus the review period.")


class Incident(Open):
    id: str
    title: str
    url: str
    severity: str
    category: str
    services: list[str]
    status: str = Field(description="The post-mortem's status: draft, in-review or published.")
    started: AwareDatetime | None = None
    detected: AwareDatetime | None = None
    acknowledged: AwareDatetime | None = None
    mitigated: AwareDatetime | None = None
    resolved: AwareDatetime | None = None


class ActionItem(Open):
    id: str
    incident: str
    title: str
    owner: str
    due: dt.date
    status: str


class Measured(Open):
    at: AwareDatetime
    period_days: float
    period_attainment: float | None = None
    window_attainment: float | None = None
    budget_remaining: float | None = None
    value: float | None = None
    verdict: str


class Slo(Open):
    id: str
    title: str
    service: str
    unit: str
    objective: str
    target: float
    window_days: float
    indicator: bool = Field(description="Whether the SLO has a PromQL indicator that measures it.")
    measured: Measured | None = Field(default=None, description="The last numbers, when the build measured them.")


class Level(Open):
    id: str
    name: str
    respond_within_seconds: int
    mitigate_within_seconds: int
    resolve_within_seconds: int | None = None
    postmortem_required: bool
    postmortem_within_seconds: int


class Occurrence(Open):
    start: AwareDatetime
    end: AwareDatetime
    owner: str | None


class Cadence(Open):
    id: str
    title: str
    url: str
    next: list[Occurrence] = Field(description="The next few occurrences from the build's date.")


class Secret(Open):
    name: str
    owner: str
    rotate_every_days: int
    last_rotated: dt.date
    due: dt.date


class Export(Open):
    """A team's `opsbook.json`."""

    schema_version: str = Field(pattern=r"^\d+\.\d+$", description="MAJOR.MINOR; additive changes within a major.")
    as_of: dt.date = Field(description="The day the handbook was built as of (its `--as-of`, else today).")
    name: str = Field(description="The handbook's name.")
    team: str
    timezone: str
    site_url: str
    links: Links
    people: list[Person] = []
    services: list[Service] = []
    rotations: list[Rotation] = []
    runbooks: list[Runbook] = []
    incidents: list[Incident] = []
    action_items: list[ActionItem] = []
    slos: list[Slo] = []
    severity: list[Level] = []
    cadences: list[Cadence] = []
    secrets: list[Secret] = []


def major(version: object) -> int | None:
    """The major number of a `schema_version`, or None when it is not one."""
    if not isinstance(version, str) or not version.partition(".")[0].isdigit():
        return None
    return int(version.partition(".")[0])
