"""A runbook: what to do for one type of incident (Markdown with YAML frontmatter)."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from opsbook.handbook.models.common import (
    Category,
    Date,
    Duration,
    Id,
    Link,
    NonEmpty,
    Severity,
    Strict,
)


class LookKind(str, enum.Enum):
    DASHBOARD = "dashboard"
    LOGS = "logs"
    TRACES = "traces"
    TOOL = "tool"
    STATUS_PAGE = "status-page"
    DOC = "doc"


class PlaceToLook(Link):
    kind: LookKind = LookKind.DASHBOARD
    note: str | None = None


class Detection(Strict):
    """How the incident announces itself: the alert or SLO that fires, and the symptoms people report."""

    summary: NonEmpty
    slos: list[Id] = []
    alerts: list[NonEmpty] = []
    symptoms: list[NonEmpty] = []


class RunbookMeta(Strict):
    """The frontmatter of a runbook."""

    id: Id
    title: NonEmpty
    category: Category
    severity: Severity = Field(description="The severity this kind of incident usually warrants.")
    services: Annotated[list[Id], Field(min_length=1)]
    detection: Detection
    scope: NonEmpty = Field(description="Who and what is affected: all traffic, a region, one tool.")
    where_to_look: list[PlaceToLook] = []
    owners: Annotated[list[Id], Field(min_length=1)]
    last_reviewed: Date
    review_every: Duration = Field(description="How long the runbook stays trusted after a review.")
    tags: list[NonEmpty] = []


RUNBOOK_SECTIONS = (
    "Quick mitigation",
    "Final fix",
    "What to update afterwards",
    "User-facing messages",
)
"""Level-two headings every runbook body has, in this order."""
