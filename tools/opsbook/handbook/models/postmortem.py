"""A post-mortem: one incident's record, from detection to the action items that follow it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import AwareDatetime, Field

from opsbook.handbook.models.common import (
    Category,
    Date,
    Duration,
    HttpUrl,
    Id,
    NonEmpty,
    OneLine,
    Severity,
    Strict,
)


class Status(str, enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    PUBLISHED = "published"


class EventType(str, enum.Enum):
    """Lifecycle events in the order an incident passes through them; `note` may appear anywhere."""

    STARTED = "started"
    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    TRIAGED = "triaged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    NOTE = "note"

    @property
    def stage(self) -> int | None:
        """Position in the lifecycle; None for notes."""
        return _STAGE.get(self)


LIFECYCLE = [EventType.STARTED, EventType.DETECTED, EventType.ACKNOWLEDGED, EventType.TRIAGED,
             EventType.MITIGATED, EventType.RESOLVED]
_STAGE = {kind: index for index, kind in enumerate(LIFECYCLE)}


class TimelineEvent(Strict):
    at: AwareDatetime
    type: EventType
    text: str = ""


class Roles(Strict):
    """Who wore which hat. In a team of one, the same person wears all four."""

    on_call: Id
    incident_commander: Id | None = None
    communications: Id | None = None
    scribe: Id | None = None


class Impact(Strict):
    summary: NonEmpty
    users_affected: Annotated[int, Field(ge=0)] | None = None
    failed_requests: Annotated[int, Field(ge=0)] | None = None
    revenue_lost: Annotated[float, Field(ge=0)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None


class ActionStatus(str, enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    WONT_DO = "wont-do"

    @property
    def is_closed(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.WONT_DO)


class Closure(Strict):
    """How the tracking issue was closed, as `ops actions pull` read it from GitHub."""

    date: Date = Field(description="The day GitHub closed the tracking issue (UTC).")
    by: NonEmpty | None = Field(default=None, description="The GitHub login of whoever closed it.")
    reason: NonEmpty | None = Field(default=None, description="Why it was not done: the closing comment.")
    via: HttpUrl | None = Field(default=None, description="The commit that closed it, when GitHub says so.")


class ActionItem(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    title: OneLine
    owner: Id
    due: Date
    status: ActionStatus = ActionStatus.OPEN
    issue: HttpUrl | None = Field(default=None, description="The tracking issue, once it exists.")
    closed: Closure | None = Field(default=None, description="Written by `ops actions pull` when GitHub closed "
                                   "the tracking issue: a mapping of `date` and, when GitHub says, `by`, "
                                   "`reason` and `via`; kept when someone reopens the item in the handbook.")


class PublicState(str, enum.Enum):
    """Where an incident stands, as users are told it (Statuspage's four states)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class PublicUpdate(Strict):
    """One message posted to users: the status page and its feeds show it as written."""

    at: AwareDatetime
    state: PublicState
    message: NonEmpty


class PublicPart(Strict):
    """What users may see of the incident. Nothing else in a post-mortem leaves the handbook."""

    title: NonEmpty | None = Field(default=None, description="The title users see; by default one that "
                                                             "names the affected components.")
    components: Annotated[list[Id], Field(min_length=1)] = Field(
        description="Services shown on the status page (each has `public_name` in ops/services.yaml).")
    updates: list[PublicUpdate] = []
    summary: NonEmpty | None = Field(default=None, description="What users read about the incident once it "
                                                               "is resolved.")


class ReviewMeeting(Strict):
    """The post-mortem review meeting, which also goes into the calendar feed."""

    at: AwareDatetime
    duration: Duration = dt.timedelta(hours=1)


class AlertState(str, enum.Enum):
    """Where an alert's group stood when `ops alerts pull` last looked."""

    FIRING = "firing"
    RESOLVED = "resolved"


class AlertRecord(Strict):
    """One Alertmanager alert (a label set) that opened or joined the incident, as `ops alerts pull` saw it."""

    key: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")] = Field(
        description="A stable hash of the alert's labels: how a later pull knows the alert again.")
    first_fired: AwareDatetime = Field(description="The alert's `startsAt` when it first joined the incident.")
    labels: dict[str, str] = Field(description="The alert's labels, as Alertmanager gave them.")
    state: AlertState = Field(default=AlertState.FIRING, description="firing or resolved, at the last pull; a "
                              "change adds one note to the timeline.")


class PostmortemMeta(Strict):
    """The frontmatter of a post-mortem."""

    id: Id
    title: NonEmpty
    status: Status
    severity: Severity
    category: Category
    services: Annotated[list[Id], Field(min_length=1)]
    runbook: Id | None = Field(default=None, description="The runbook followed, if one was.")
    slos_breached: list[Id] = []
    roles: Roles
    impact: Impact | None = None
    timeline: Annotated[list[TimelineEvent], Field(min_length=1)]
    action_items: list[ActionItem] = []
    review_meeting: ReviewMeeting | None = None
    tags: list[NonEmpty] = []
    public: PublicPart | None = Field(default=None, description="What the status page shows; without it "
                                                                "the incident stays internal.")
    alerts: list[AlertRecord] = Field(default=[], description="The Alertmanager alerts that opened or joined the "
                                      "incident (written by `ops alerts pull`).")
    notified: dict[Id, list[NonEmpty]] = Field(
        default={}, description="The incident events already posted, by chat channel (`notify:` in opsbook.yaml), "
                                "and under `github-issue` the notes commented on the incident's GitHub issue: "
                                "a re-run posts only what is missing.")

    def first(self, kind: EventType) -> dt.datetime | None:
        """When the incident first reached `kind`, or None."""
        return next((event.at for event in self.timeline if event.type is kind), None)


POSTMORTEM_SECTIONS = (
    "Summary",
    "Impact",
    "Timeline",
    "Root cause",
    "Detection",
    "Response",
    "What went well",
    "What went badly",
    "Where we got lucky",
    "Action items",
)
"""Level-two headings of a post-mortem body. Drafts may leave them empty; published ones may not."""
