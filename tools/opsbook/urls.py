"""Where each thing lives on the published site, so the feed, the issues and the site agree.

Paths are relative to the site's root; `absolute` joins them to the configured `site_url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

FEED_DIR = "feeds"
FEED_FILE = "handbook.ics"


def runbook(runbook_id: str) -> str:
    return f"runbooks/{runbook_id}/"


def postmortem(postmortem_id: str) -> str:
    return f"postmortems/{postmortem_id}/"


def runbooks() -> str:
    return "runbooks/"


def postmortems() -> str:
    return "postmortems/"


def slos() -> str:
    """The SLO catalogue, with the measured numbers of the last build that asked Prometheus."""
    return "slos/#measured"


def secrets() -> str:
    """The secrets inventory, most urgent first, with links to the full lists."""
    return "secrets/"


def action_items() -> str:
    """Every open action item, by the year it falls due."""
    return "action-items/"


def cadence(cadence_id: str) -> str:
    """The page of one review cadence (its checklist and upcoming occurrences)."""
    return f"reviews/{cadence_id}/"


def calendar_page() -> str:
    return "reviews/"


def feed() -> str:
    """The whole feed; per-owner and per-cadence feeds sit beside it (see `opsbook.calendar.feed`)."""
    return f"{FEED_DIR}/{FEED_FILE}"


def owner_feed(person_id: str) -> str:
    return f"{FEED_DIR}/owners/{person_id}.ics"


def cadence_feed(cadence_id: str) -> str:
    return f"{FEED_DIR}/cadences/{cadence_id}.ics"


def oncall_feed() -> str:
    """Every rotation's on-call shifts: a calendar of its own, so the review calendar stays readable."""
    return f"{FEED_DIR}/oncall.ics"


def rotation_feed(rotation_id: str) -> str:
    return f"{FEED_DIR}/rotations/{rotation_id}.ics"


def team(rotation_id: str | None = None) -> str:
    """The team page (people, rotations, this month's shifts), at a rotation's section when given."""
    return "team/" + (f"#{rotation_id}" if rotation_id else "")


def budget_chart(slo_id: str) -> str:
    """An SLO's error budget chart as a file of its own (explicit colours), for review issues to show."""
    return f"slos/{slo_id}/budget.svg"


def absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + "/" + path.lstrip("/")


def webcal(url: str) -> str:
    """The `webcal://` form calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


def uid_domain(site_url: str) -> str:
    """What follows the `@` in the UIDs of a site's calendar events: the host and the site's path, so two
    handbooks published on one host (`org.github.io/payments/`, `org.github.io/search/`) never share a UID.
    A site at the root of its host keeps the host alone (`ops.example.com`), as UIDs always were."""
    parts = urlsplit(site_url)
    path = parts.path.strip("/")
    host = parts.hostname or "opsbook"
    return f"{host}/{path}" if path else host
