"""On-call overrides (ops/oncall-overrides.yaml): swaps and covers on top of the rotations' order."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from opsbook.handbook.models.common import Id, NonEmpty, Strict

_EXPECTED = "expected a date-time such as 2027-02-01T10:00 (local to the rotation's zone) or 2027-02-01T10:00+01:00"


def _moment(value: Any) -> Any:
    # pydantic would read a number (YAML's unquoted 10:00 is 600) as seconds since 1970.
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
    raise ValueError(_EXPECTED)


Moment = Annotated[dt.datetime, BeforeValidator(_moment), WithJsonSchema({
    "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:\d{2})?$",
    "examples": ["2027-02-01T10:00", "2027-02-01T10:00+01:00"]})]


class Override(Strict):
    """Someone holds a rotation from one moment until another instead of whoever the order names."""

    model_config = ConfigDict(populate_by_name=True)

    rotation: Id = Field(description="The rotation (ops/team.yaml) the override applies to.")
    person: Id = Field(description="Who holds the rotation instead: anyone in the team, not only its members.")
    from_: Moment = Field(alias="from", description="When the override begins: YYYY-MM-DDTHH:MM in the "
                               "rotation's handoff zone (the team's zone without a handoff), or with an offset.")
    until: Moment = Field(description="When it ends (the same form as `from`).")
    reason: NonEmpty = Field(description="Why: a swap, cover for illness. Shown in the shift's calendar event.")

    @model_validator(mode="after")
    def _ordered(self) -> "Override":
        if (self.from_.tzinfo is None) != (self.until.tzinfo is None):
            raise ValueError("give `from` and `until` both with an offset or both without")
        if self.until <= self.from_:
            raise ValueError("`until` is not after `from`")
        return self


class OncallOverrides(Strict):
    overrides: list[Override] = []
