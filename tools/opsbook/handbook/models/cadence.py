"""A cadence: a review the team keeps (weekly SLO review, monthly cost review, quarterly rotation)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from opsbook.handbook.models.common import (
    ClockTime,
    Date,
    Duration,
    Id,
    Link,
    NonEmpty,
    Strict,
    TimeZoneName,
    Weekday,
)


class Every(str, enum.Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


class Shift(str, enum.Enum):
    """What happens to an occurrence that lands on a holiday or a skip date."""

    NEXT_BUSINESS_DAY = "next-business-day"
    PREVIOUS_BUSINESS_DAY = "previous-business-day"
    SKIP = "skip"
    KEEP = "keep"


class When(Strict):
    """When a cadence happens.

    - weekly: `every: week` and `weekday`;
    - monthly: `every: month` and one of `day` (1-31, clamped to the month's last day),
      `weekday` with `nth` (1..5, or -1 for the last), or `business_day` (1 for the first, -1 for the last);
    - quarterly: `every: quarter`, `month` of the quarter (1-3), and one of the monthly choices.
      `business_day` without `month` counts from the quarter's first or last day.
    `interval` repeats every N weeks, months or quarters, counted from `start`.
    """

    every: Every
    interval: Annotated[int, Field(ge=1, le=12)] = 1
    weekday: Weekday | None = None
    nth: Annotated[int, Field(ge=-1, le=5)] | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None
    business_day: Annotated[int, Field(ge=-23, le=23)] | None = None
    month: Annotated[int, Field(ge=1, le=3)] | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> "When":
        if self.nth == 0 or self.business_day == 0:
            raise ValueError("`nth` and `business_day` count from 1 (or from -1 for the last)")
        if self.every is Every.WEEK:
            if self.weekday is None:
                raise ValueError("a weekly cadence needs `weekday`")
            if any(v is not None for v in (self.nth, self.day, self.business_day, self.month)):
                raise ValueError("a weekly cadence takes only `weekday` and `interval`")
            return self
        chosen = [name for name, value in (("day", self.day), ("weekday", self.weekday),
                                           ("business_day", self.business_day)) if value is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of `day`, `weekday` (with `nth`) or `business_day`")
        if self.weekday is not None and self.nth is None:
            raise ValueError("a monthly or quarterly `weekday` needs `nth` (1..5, or -1 for the last)")
        if self.nth is not None and self.weekday is None:
            raise ValueError("`nth` goes with `weekday`")
        if self.every is Every.MONTH and self.month is not None:
            raise ValueError("`month` (of the quarter) is only for `every: quarter`")
        return self


class Holiday(Strict):
    date: Date
    name: NonEmpty


class HolidayCalendar(Strict):
    """`calendar/holidays.yaml`: days that are not business days for every cadence."""

    holidays: list[Holiday] = []


class IssueSettings(Strict):
    """How the review's GitHub issue is opened."""

    open_before: Duration = dt.timedelta(days=2)
    close_previous: bool = False


class Cadence(Strict):
    id: Id
    title: NonEmpty
    description: str = ""
    when: When
    start: Date = Field(description="The first day the cadence may happen; anchors `interval`.")
    until: Date | None = None
    time: ClockTime
    timezone: TimeZoneName
    duration: Duration
    owner: Id | None = None
    rotation: Id | None = None
    fallback: Id | None = Field(default=None, description="Who stands in when the owner, or everyone in the "
                                                          "rotation, is away on an occurrence's day.")
    labels: list[Annotated[str, Field(min_length=1, max_length=50)]] = []
    reminder: Duration | None = Field(default=None, description="How long before it starts to remind.")
    checklist: Annotated[list[NonEmpty], Field(
        min_length=1, description="What the review goes through, one item a line; a review needs at least one.")]
    slos: list[Id] = []
    runbooks: list[Id] = []
    links: list[Link] = []
    context: list[Literal["slos", "incidents", "cost", "secrets", "runbooks", "action-items"]] = Field(
        default=[], description="What the review's issue shows, computed from the handbook."
    )
    skip: list[Date] = []
    on_holiday: Shift = Shift.NEXT_BUSINESS_DAY
    # Built without validation (it holds only defaults) so that defining the model builds no validator.
    issue: IssueSettings = IssueSettings.model_construct()

    @model_validator(mode="after")
    def _owner_or_rotation(self) -> "Cadence":
        if (self.owner is None) == (self.rotation is None):
            raise ValueError("give exactly one of `owner` (a person) or `rotation`")
        if self.fallback is not None and self.fallback == self.owner:
            raise ValueError("`fallback` is the `owner`: name someone who can stand in for them")
        if self.until is not None and self.until < self.start:
            raise ValueError("`until` is before `start`")
        return self
