"""The handbook's single files under `ops/`: SLO catalogue, severity policy, services, team, secrets."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from opsbook.handbook.models.common import (
    Category,
    ClockTime,
    Date,
    Duration,
    Id,
    Link,
    NonEmpty,
    Severity,
    Strict,
    TimeZoneName,
    Weekday,
)
from opsbook.handbook.models.indicator import Indicator, InstantPromQL


class Comparison(str, enum.Enum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def holds(self, left: float, right: float) -> bool:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[self.value]


class Unit(str, enum.Enum):
    RATIO = "ratio"
    MILLISECONDS = "ms"
    SECONDS = "s"
    COUNT = "count"
    PERCENT = "percent"
    CURRENCY = "currency"


class ComponentState(str, enum.Enum):
    """A public component's state on the status page, best first."""

    OPERATIONAL = "operational"
    MAINTENANCE = "under-maintenance"
    DEGRADED = "degraded-performance"
    PARTIAL_OUTAGE = "partial-outage"
    MAJOR_OUTAGE = "major-outage"

    @property
    def rank(self) -> int:
        """0 for operational; higher is worse."""
        return _COMPONENT_RANK[self]


_COMPONENT_RANK = {state: rank for rank, state in enumerate(ComponentState)}


# --- ops/slos.yaml -------------------------------------------------------------------------------

class Alert(Strict):
    """When monitoring pages: the SLI crosses `threshold` for at least `for`."""

    comparison: Comparison
    threshold: float
    for_: Annotated[Duration, Field(alias="for")]

    model_config = Strict.model_config | {"populate_by_name": True}


class Slo(Strict):
    id: Id
    title: NonEmpty
    category: Category
    service: Id
    sli: NonEmpty = Field(description="What is measured, in words a reader understands.")
    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    unit: Unit
    objective: Comparison = Field(description="How the SLI must compare with the target to be healthy.")
    target: float
    window: Duration
    alert: Alert | None = None
    dashboard: Link | None = None
    indicator: Indicator | None = Field(default=None, description="The PromQL that measures the SLI.")


class SloCatalogue(Strict):
    slos: Annotated[list[Slo], Field(min_length=1)]


# --- ops/severity.yaml ---------------------------------------------------------------------------

class PostmortemPolicy(Strict):
    required: bool = True
    publish_within: Duration = Field(description="How long after resolution the post-mortem is published.")


class SeverityLevel(Strict):
    id: Severity
    name: NonEmpty
    definition: NonEmpty
    examples: list[NonEmpty] = []
    respond_within: Duration
    mitigate_within: Duration
    resolve_within: Duration | None = None
    postmortem: PostmortemPolicy
    page: bool = True
    public_state: ComponentState | None = Field(
        default=None, description="What the status page shows for a component while an incident of this level "
                                  "is open. Default: major-outage for SEV-1, partial-outage for SEV-2, "
                                  "degraded-performance below.")


class Metric(Strict):
    """A signal the classification rules may test."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    unit: Unit
    description: NonEmpty
    promql: InstantPromQL | None = Field(default=None, description="The PromQL whose value is the metric.")


class Condition(Strict):
    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    op: Comparison
    value: float


class Rule(Strict):
    """Classify an incident as `severity` when any (or all) of the conditions hold. First match wins."""

    id: Id
    severity: Severity
    category: Category
    reason: NonEmpty
    any: list[Condition] = []
    all: list[Condition] = []

    @model_validator(mode="after")
    def _has_conditions(self) -> "Rule":
        if not self.any and not self.all:
            raise ValueError("a rule needs conditions under `any` or `all`")
        return self


class SeverityPolicy(Strict):
    levels: Annotated[list[SeverityLevel], Field(min_length=1)]
    metrics: list[Metric] = []
    rules: list[Rule] = []
    category_floor: dict[Category, Severity] = Field(
        default={}, description="The least severity an incident of a category gets (commerce: SEV-1)."
    )


# --- ops/services.yaml ---------------------------------------------------------------------------

class Service(Strict):
    id: Id
    name: NonEmpty
    description: NonEmpty
    owners: Annotated[list[Id], Field(min_length=1)]
    depends_on: list[Id] = []
    links: list[Link] = []
    tier: Literal[1, 2, 3] = 2
    public_name: NonEmpty | None = Field(default=None, description="The name users see on the status page; "
                                                                   "without it the service is not shown there.")


class ServiceCatalogue(Strict):
    services: Annotated[list[Service], Field(min_length=1)]


# --- ops/team.yaml -------------------------------------------------------------------------------

class Away(Strict):
    start: Date
    end: Date
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Away":
        if self.end < self.start:
            raise ValueError("`end` is before `start`")
        return self


class Person(Strict):
    id: Id
    name: NonEmpty
    github: Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")] | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    timezone: TimeZoneName | None = None
    roles: list[Id] = []
    away: list[Away] = []


class Role(Strict):
    id: Id
    name: NonEmpty
    description: NonEmpty


class Handoff(Strict):
    weekday: Weekday = Weekday.MONDAY
    time: ClockTime
    timezone: TimeZoneName


class ShiftIssues(Strict):
    """A GitHub issue for each shift of the rotation, opened a little before it starts (`ops issues sync`)."""

    open_before: Duration = Field(default=dt.timedelta(days=3), description="How long before the shift starts.")
    runbooks: list[Id] = Field(default=[], description="The runbooks a holder should know; every runbook when "
                               "none are named.")


class Rotation(Strict):
    id: Id
    name: NonEmpty
    role: Id | None = None
    members: Annotated[list[Id], Field(min_length=1)]
    period: Duration = Field(description="How long one member holds the rotation (on-call: 1w).")
    start: Date = Field(description="The first member's turn began at the handoff on or before this date.")
    handoff: Handoff | None = None
    issues: ShiftIssues | None = Field(default=None, description="Open an issue for each shift, assigned to "
                                       "its holder, with the runbooks to know and their open action items.")
    backs_up: Id | None = Field(default=None, description="The rotation this one is the secondary layer of: its "
                                "holder is paged when that one's does not answer, so never the same person.")


class Team(Strict):
    name: NonEmpty
    timezone: TimeZoneName
    people: Annotated[list[Person], Field(min_length=1)]
    roles: list[Role] = []
    rotations: list[Rotation] = []


# --- ops/secrets.yaml ----------------------------------------------------------------------------

class Secret(Strict):
    """A secret's inventory entry: where it lives and when it rotates. Never its value."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]
    description: NonEmpty
    stored_in: Annotated[list[NonEmpty], Field(min_length=1)]
    owner: Id
    services: list[Id] = []
    rotate_every: Duration
    last_rotated: Date
    how_to_rotate: str | None = None


class SecretsInventory(Strict):
    secrets: list[Secret] = []


# --- ops/maintenance.yaml ------------------------------------------------------------------------

class MaintenanceStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MaintenanceWindow(Strict):
    """Planned work users are told about ahead: when, what it affects, and what they will notice."""

    id: Id = Field(description="Stays the same when the window moves: calendars update the event in place.")
    title: NonEmpty
    start: AwareDatetime
    end: AwareDatetime
    components: Annotated[list[Id], Field(min_length=1)]
    message: NonEmpty = Field(description="What users will notice, in their words.")
    status: MaintenanceStatus = MaintenanceStatus.SCHEDULED

    @model_validator(mode="after")
    def _ordered(self) -> "MaintenanceWindow":
        if self.end <= self.start:
            raise ValueError("`end` must be after `start`")
        return self


class MaintenanceSchedule(Strict):
    windows: list[MaintenanceWindow] = []
