"""`org.yaml`: the organisation, its teams and its scorecard's criteria, read with file and line in every error."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from opsbook.handbook.models.common import Id, NonEmpty, Strict
from opsbook.problems import Problem

FILE = "org.yaml"
HttpUrl = Annotated[str, Field(pattern=r"^https?://\S+/$")]


class Check(str, enum.Enum):
    """What a scorecard criterion looks at in a team's export (see `opsbook.org.scorecard`)."""

    SLO_INDICATORS = "slo-indicators"            # every SLO has an indicator that measures it
    RUNBOOKS_REVIEWED = "runbooks-reviewed"      # every runbook reviewed within its period
    ROTATION_SIZE = "rotation-size"              # every rotation has at least `minimum` members
    POSTMORTEMS_ON_TIME = "postmortems-on-time"  # post-mortems published within the severity policy's time
    NO_OVERDUE_ACTIONS = "no-overdue-action-items"
    SECRETS_ROTATED = "secrets-rotated"          # no secret past its rotation date


class Criterion(Strict):
    id: Id
    title: NonEmpty
    check: Check
    minimum: Annotated[int, Field(ge=1)] = Field(default=2, description="For rotation-size: members at least.")


DEFAULT_CRITERIA = [
    Criterion(id="slos-measured", title="Every SLO has an indicator", check=Check.SLO_INDICATORS),
    Criterion(id="runbooks-reviewed", title="Runbooks reviewed within their period", check=Check.RUNBOOKS_REVIEWED),
    Criterion(id="rotation-of-two", title="A rotation of at least two", check=Check.ROTATION_SIZE, minimum=2),
    Criterion(id="postmortems-on-time", title="Post-mortems published on time", check=Check.POSTMORTEMS_ON_TIME),
    Criterion(id="action-items", title="No overdue action items", check=Check.NO_OVERDUE_ACTIONS),
    Criterion(id="secrets-rotated", title="Secrets rotated", check=Check.SECRETS_ROTATED),
]


class TeamEntry(Strict):
    id: Id = Field(description="Names the team's pages, kept copy and catalogue namespace; never changes.")
    name: NonEmpty
    site_url: HttpUrl = Field(description="The team's published handbook, ending in /.")


class OrgConfig(Strict):
    name: NonEmpty
    site_url: HttpUrl = Field(description="Where the organisation's site is published, ending in /.")
    teams: Annotated[list[TeamEntry], Field(min_length=1)]
    timeout: Annotated[float, Field(gt=0, le=300)] = Field(default=10.0, description="Seconds per request.")
    max_bytes: Annotated[int, Field(gt=0)] = Field(default=20_000_000, description="Largest file fetched.")
    max_search_bytes: Annotated[int, Field(gt=0)] = Field(
        default=5_000_000, description="Largest merged search index: the browser loads it whole.")
    concurrency: Annotated[int, Field(ge=1, le=64)] = Field(default=8, description="Requests at once.")
    scorecard: list[Criterion] = Field(default_factory=lambda: list(DEFAULT_CRITERIA))

    @model_validator(mode="after")
    def _unique(self) -> OrgConfig:
        for kind, ids in (("team", [t.id for t in self.teams]), ("criterion", [c.id for c in self.scorecard])):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{kind} ids must be unique; repeated: {', '.join(repeated)}")
        return self


def load_org(root: Path) -> tuple[OrgConfig | None, list[Problem]]:
    """`org.yaml` of the organisation's folder `root`, or None with the problems (file, line, key, expected)."""
    from opsbook.handbook.explain import model_problems
    from opsbook.handbook.loading import read_source

    problems: list[Problem] = []
    path = root / FILE
    if not path.is_file():
        return None, [Problem(FILE, f"not found in {root}; start an organisation with `ops org init DIR --name ORG`",
                              code="missing")]
    source = read_source(path, root, problems, markdown=False)
    if source is None:
        return None, problems
    config, found = model_problems(source, OrgConfig, source.data)
    return config, problems + found
