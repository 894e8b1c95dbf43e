"""On-call overrides (ops/oncall-overrides.yaml): swaps and covers on top of the rotations' order."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field, model_validator

from opsbook.handbook.models.common import Id, NonEmpty, Strict


class Override(Strict):
    """Someone holds a rotation from one moment until another instead of whoever the order names."""

    model_config = ConfigDict(populate_by_name=True)

    rotation: Id = Field(description="The rotation (ops/team.yaml) the override applies to.")
    person: Id = Field(description="Who holds the rotation instead: anyone in the team, not only its members.")
    from_: dt.datetime = Field(alias="from", description="When the override begins: YYYY-MM-DDTHH:MM in the "
                               "rotation's handoff zone (the team's zone without a handoff), or with an offset.")
    until: dt.datetime = Field(description="When it ends (the same form as `from`).")
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
