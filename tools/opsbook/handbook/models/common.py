"""Types shared by every document kind: ids, durations, zones, severities, categories."""

from __future__ import annotations

import datetime as dt
import enum
import re
import zoneinfo
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)


class Strict(BaseModel):
    """Base for every handbook model: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class Severity(str, enum.Enum):
    SEV1 = "SEV-1"
    SEV2 = "SEV-2"
    SEV3 = "SEV-3"

    @property
    def rank(self) -> int:
        """1 for SEV-1 (the worst), 3 for SEV-3."""
        return int(self.value[-1])


class Category(str, enum.Enum):
    AVAILABILITY = "availability"
    LATENCY = "latency"
    QUALITY = "quality"
    COMMERCE = "commerce"
    COST = "cost"
    SECURITY = "security"


class Weekday(str, enum.Enum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def index(self) -> int:
        """Monday is 0, as in `datetime.date.weekday()`."""
        return list(Weekday).index(self)


ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=80)]
"""A lowercase slug used to cross-reference documents (`rb-checkout-failure`, `alice`)."""

NonEmpty = Annotated[str, Field(min_length=1)]

ONE_LINE_PATTERN = r"^[^\r\n]*$"
OneLine = Annotated[str, Field(min_length=1, pattern=ONE_LINE_PATTERN)]
"""Text on one line, such as a title that becomes a GitHub issue's (a `title: |` block keeps its newline)."""

_DURATION = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
_UNITS = ("weeks", "days", "hours", "minutes")


def parse_duration(value: Any) -> dt.timedelta:
    """Read `15m`, `1h`, `1h30m`, `2d`, `90d`, `1w` (or a timedelta) as a positive timedelta."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("expected a duration such as 15m, 1h30m, 2d or 1w")
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError("expected a duration such as 15m, 1h30m, 2d or 1w")
    delta = dt.timedelta(**{unit: int(n) for unit, n in zip(_UNITS, match.groups()) if n})
    if delta <= dt.timedelta(0):
        raise ValueError("expected a duration longer than zero")
    return delta


def format_duration(delta: dt.timedelta) -> str:
    """The inverse of `parse_duration`, in the largest whole units: `1h30m`, `90d`."""
    minutes = int(delta.total_seconds() // 60)
    parts = []
    for unit, size in (("d", 1440), ("h", 60), ("m", 1)):
        amount, minutes = divmod(minutes, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0m"


Duration = Annotated[
    dt.timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(\d+\s*w)?\s*(\d+\s*d)?\s*(\d+\s*h)?\s*(\d+\s*m)?\s*$",
            "description": "A duration: weeks, days, hours, minutes, such as 15m, 1h30m, 2d or 1w.",
            "examples": ["15m", "1h", "90d"],
        }
    ),
]


@lru_cache(maxsize=None)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone called `name`; raises ValueError for a name the tz database does not know."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r} (expected a name such as Europe/Berlin)") from exc


def _check_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected an IANA time zone name such as Europe/Berlin")
    zone(value)
    return value


TimeZoneName = Annotated[
    str,
    BeforeValidator(_check_zone),
    WithJsonSchema({"type": "string", "description": "An IANA time zone name.", "examples": ["Europe/Berlin"]}),
]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_clock(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    # YAML 1.1 reads an unquoted 10:00 as the sexagesimal integer 600.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError("expected a time of day as HH:MM, such as \"10:00\"")


ClockTime = Annotated[
    dt.time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["10:00"]}),
]


def _no_datetime(value: Any) -> Any:
    # pydantic would quietly truncate a midnight datetime to its date; a date field wants a plain date.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _DATE_AND_TIME.match(value)):
        raise ValueError("expected a date (YYYY-MM-DD) without a time")
    return value


_DATE_AND_TIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\s*\d")


Date = Annotated[dt.date, BeforeValidator(_no_datetime)]

# An absolute http(s) address, kept as written. (pydantic's URL types would import importlib.metadata
# and the email machinery at start-up, about a tenth of `ops validate`'s own time, to normalise a value
# the handbook only stores and prints.)
HTTP_URL_PATTERN = r"^https?://[^\s/?#]+\S*$"
HttpUrl = Annotated[str, Field(pattern=HTTP_URL_PATTERN, json_schema_extra={"format": "uri"})]


class Link(Strict):
    """A titled link to a dashboard, log query, tool or page."""

    title: NonEmpty
    url: Annotated[str, Field(pattern=r"^(https?://|/|\.\.?/)\S+$")]
