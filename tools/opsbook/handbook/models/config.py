"""`opsbook.yaml`: settings of the handbook as a whole (all optional)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from opsbook.handbook.models.common import Duration, NonEmpty, Strict


class FeedSettings(Strict):
    name: NonEmpty = "Operations reviews"
    look_back: Duration = dt.timedelta(weeks=4)
    look_ahead: Duration = dt.timedelta(days=396)
    refresh: Duration = dt.timedelta(hours=12)


class IssueSettings(Strict):
    label: NonEmpty = "opsbook"
    catch_up: Duration = Field(default=dt.timedelta(days=7), description="How late a missed review is still opened.")
    seconds_between_writes: Annotated[float, Field(ge=0)] = 1.0


class StatusSettings(Strict):
    name: NonEmpty = Field(default="Status", description="The status page's title, such as 'GiftGenius status'.")
    url: Annotated[str, Field(pattern=r"^https?://\S+/$")] | None = Field(
        default=None, description="Where the status page is published (its own domain, ending in /); "
                                  "default: status/ under site_url.")
    history: Duration = Field(default=dt.timedelta(days=90), description="How far back the page shows incidents.")


class PrometheusSettings(Strict):
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="Where `ops slo status` and the review issues read the SLOs' numbers.")
    timeout: Annotated[float, Field(gt=0, le=300)] = Field(default=10.0, description="Seconds per query.")


class HandbookConfig(Strict):
    name: NonEmpty = "Operations handbook"
    site_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = "https://example.github.io/handbook/"
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")] | None = None
    branch: NonEmpty = "main"
    # Built without validation (they hold only defaults) so that defining the model builds no validator.
    feed: FeedSettings = FeedSettings.model_construct()
    issues: IssueSettings = IssueSettings.model_construct()
    status: StatusSettings = StatusSettings.model_construct()
    prometheus: PrometheusSettings = PrometheusSettings.model_construct()
