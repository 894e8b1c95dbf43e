"""`opsbook.yaml`: settings of the handbook as a whole (all optional)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator

from opsbook.handbook.models.common import Duration, Id, NonEmpty, Severity, Strict


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
        default=None, description="Where `ops slo status`, the review issues and `ops build` read the SLOs' numbers.")
    timeout: Annotated[float, Field(gt=0, le=300)] = Field(default=10.0, description="Seconds per query.")


DEFAULT_OPEN_ON = ('severity="page"', 'severity=~"SEV-[0-9]+"')


class AlertSettings(Strict):
    """How `ops alerts pull` turns Alertmanager's alerts into incidents."""

    alertmanager: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="Alertmanager's address (else ALERTMANAGER_URL or --alertmanager).")
    open_on: Annotated[list[NonEmpty], Field(min_length=1)] = Field(
        default=list(DEFAULT_OPEN_ON), description="Which alerts open an incident: each entry is one or more "
        "Alertmanager matchers separated by commas (all must match); an alert matching any entry opens one. "
        "An alert with severity=\"ticket\" never does.")
    page_severity: Severity = Field(default=Severity.SEV2, description="The severity of an incident a "
                                    "`severity=\"page\"` alert opens (raised to the category's floor).")
    reopen_within: Duration = Field(default=dt.timedelta(hours=2), description="An alert firing again this soon "
                                    "after its incident was resolved adds a note to it instead of a new incident.")
    timeout: Annotated[float, Field(gt=0, le=300)] = Field(default=10.0, description="Seconds to wait for "
                                                                                      "Alertmanager.")


ISSUE_RECORD = "github-issue"  # `notified:`'s key for the incident issue's comments (`opsbook.alerts.issue`)


class ChatChannel(Strict):
    """A chat webhook that hears about incidents; its URL lives in an environment variable, never in a file."""

    id: Id
    kind: Literal["slack", "teams"] = Field(description="slack: a Slack-compatible incoming webhook (Slack, "
                                            "Mattermost, Rocket.Chat); teams: a Microsoft Teams Workflows webhook.")
    url_from: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] = Field(
        description="The environment variable that holds the webhook's URL.")
    public: bool = Field(default=False, description="A channel people outside the team read: it gets only what "
                                                    "the status page may show.")

    @field_validator("id")
    @classmethod
    def _not_the_issue(cls, value: str) -> str:
        if value == ISSUE_RECORD:
            raise ValueError(f"'{ISSUE_RECORD}' is where a post-mortem's `notified:` records the comments on the "
                             "incident's GitHub issue; give the channel another id")
        return value


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
    alerts: AlertSettings = AlertSettings.model_construct()
    notify: list[ChatChannel] = Field(default=[], description="Chat channels told of each incident event.")
