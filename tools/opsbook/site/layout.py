"""Where each page's Markdown source sits in the MkDocs file tree, and links between them.

The published URLs are fixed in `opsbook.urls`; a source `runbooks/<id>.md` becomes the URL
`runbooks/<id>/` with MkDocs' directory URLs, and `reviews/index.md` becomes `reviews/`. Generated
pages link to sources (not URLs) so that MkDocs checks every link when it builds with `--strict`.
"""

from __future__ import annotations

import posixpath

HOME = "index.md"
RUNBOOKS = "runbooks/index.md"
POSTMORTEMS = "postmortems/index.md"
METRICS = "metrics.md"
SLOS = "slos.md"
SEVERITY = "severity.md"
TEAM = "team.md"
SECRETS = "secrets.md"
CALENDAR = "reviews/index.md"
TAGS = "tags.md"
ACTION_ITEMS = "action-items.md"
SLO_RULES = "slos/prometheus-rules.yaml"  # the Prometheus rule file `ops slo rules` writes


def runbook(runbook_id: str) -> str:
    return f"runbooks/{runbook_id}.md"


def postmortem(postmortem_id: str) -> str:
    return f"postmortems/{postmortem_id}.md"


def cadence(cadence_id: str) -> str:
    return f"reviews/{cadence_id}.md"


def postmortems_year(year: int) -> str:
    """The full listing of one year's post-mortems (a post-mortem's id has no `/`, so no clash)."""
    return f"postmortems/by-year/{year}.md"


def postmortems_month(month: str) -> str:
    """The full listing of one month's post-mortems (`2026-03`), for a year too busy for one page."""
    return f"postmortems/by-month/{month}.md"


def runbooks_category(category: str) -> str:
    """The full listing of one category's runbooks (a runbook's id has no `/`, so no clash)."""
    return f"runbooks/by-category/{category}.md"


def action_items_year(year: int) -> str:
    return f"action-items/{year}.md"


def secrets_service(service_id: str) -> str:
    return f"secrets/{service_id}.md"


TEAM_PEOPLE = "team/people.md"  # a big team's directory, which its team page links instead of listing it
CADENCES = "reviews/by-title/cadences.md"  # every cadence, for a calendar page with more than it lists


def rotation(rotation_id: str) -> str:
    """A rotation's own page, for a team with more rotations than its team page shows in full."""
    return f"team/rotations/{rotation_id}.md"


def url_of(src: str) -> str:
    """The site path MkDocs (with `use_directory_urls`) gives the page built from `src`."""
    stem = src[:-3] if src.endswith(".md") else src
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def link(from_src: str, to_path: str, anchor: str | None = None) -> str:
    """A relative link from the page built from `from_src` to the file `to_path` (both source paths)."""
    target = posixpath.relpath(to_path, posixpath.dirname(from_src) or ".")
    return target + (f"#{anchor}" if anchor else "")


def href(from_src: str, to_path: str, anchor: str | None = None) -> str:
    """A relative URL from the page built from `from_src` to the page (or file) `to_path`, for raw HTML,
    which MkDocs does not rewrite. Assumes directory URLs, as `opsbook.urls` does."""
    here = [part for part in url_of(from_src).split("/") if part]
    if to_path.endswith(".md"):
        there, slash = [part for part in url_of(to_path).split("/") if part], "/"
    else:
        there, slash = to_path.split("/"), ""
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common] and (slash or common < len(there) - 1):
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    target = "/".join(parts) + slash if parts else "./"
    return target + (f"#{anchor}" if anchor else "")
