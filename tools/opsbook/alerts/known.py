"""Where a pull finds the incidents earlier pulls opened, so it never opens one twice.

Three places, newest first: the open `incident/<id>` branches (the workflow's pull requests, not merged
yet: `refs/heads/incident/*` and `refs/remotes/*/incident/*`), the post-mortems in the working tree, and
the markers of the GitHub issues the pull opened (an incident whose post-mortem is nowhere to be found
still holds its alerts, so a lost branch does not open it again). Only post-mortems with `alerts:` are
read in full: a handbook of ten thousand incidents costs a substring test per file.

An incident someone opened by hand (`ops incident open`, before any alert fired) is found too while it
is open, a draft with no resolution: an alert on its service then joins it rather than opening a second
incident for the same outage. A draft that does not parse is left out (`ops validate` names it).
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

from opsbook.alerts.plan import Known, Record
from opsbook.handbook.models.common import Severity
from opsbook.handbook.models.postmortem import EventType, PostmortemMeta
from opsbook.problems import OpsbookError

BRANCH_PREFIX = "incident/"
_ALERTS_KEY = re.compile(r"^alerts:", re.M)
_DRAFT = re.compile(r"""^status:\s*["']?draft\b""", re.M)
ISSUE_KIND = "incident"  # the issue marker's kind: <!-- opsbook:incident pm-… -->
_KEYS_MARKER = re.compile(r"<!-- opsbook:alert-keys ([0-9a-f ]+) -->")


@dataclasses.dataclass
class Found:
    """An alert-opened incident: its frontmatter and text, and where it was found."""

    meta: PostmortemMeta
    text: str
    where: str
    on_branch: str | None = None  # the branch it came from, when the working tree lacks it


def parse(text: str, where: str) -> PostmortemMeta:
    """A post-mortem's frontmatter as the model; OpsbookError naming `where` when it is not valid."""
    import yaml
    from pydantic import ValidationError

    from opsbook.incident.editing import split_markdown

    parts = split_markdown(text.replace("\r\n", "\n").lstrip("\ufeff"))
    if parts is None:
        raise OpsbookError(f"{where}: has no frontmatter between --- lines; run `ops validate`")
    try:
        data = yaml.load(parts[1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return PostmortemMeta.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise OpsbookError(f"{where}: is not a valid post-mortem ({first}); run `ops validate` for details") from None


def in_tree(root: Path, by_hand: bool = False) -> list[Found]:
    """The post-mortems of the working tree that alerts opened; with `by_hand`, also the open incidents
    opened by hand."""
    found = []
    for path in sorted((root / "postmortems").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        if _ALERTS_KEY.search(text):
            meta = parse(text, rel)
            if meta.alerts:
                found.append(Found(meta, text, rel))
                continue
        if by_hand and _DRAFT.search(text):
            try:
                meta = parse(text, rel)
            except OpsbookError:
                continue  # half-written by hand: no alert waits on it to be fixed
            if not meta.alerts and meta.first(EventType.RESOLVED) is None:
                found.append(Found(meta, text, rel))
    return found


def on_branches(root: Path) -> list[Found]:
    """The post-mortems on `incident/<id>` branches (local, or fetched from a remote); none outside git."""
    try:
        listing = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname)", f"refs/heads/{BRANCH_PREFIX}",
             f"refs/remotes/*/{BRANCH_PREFIX}"], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if listing.returncode != 0:
        return []  # not a git repository: nothing is waiting in a pull request
    found: dict[str, Found] = {}
    for ref in listing.stdout.split():
        incident_id = ref.split(f"/{BRANCH_PREFIX}", 1)[1]
        shown = subprocess.run(["git", "show", f"{ref}:postmortems/{incident_id}.md"], cwd=root,
                               capture_output=True, text=True, timeout=60)
        if shown.returncode != 0 or incident_id in found:
            continue
        branch = ref.removeprefix("refs/heads/").split("/", 2)[-1] if ref.startswith("refs/remotes/") else \
            ref.removeprefix("refs/heads/")
        meta = parse(shown.stdout, f"{branch}:postmortems/{incident_id}.md")
        if meta.alerts:
            found[incident_id] = Found(meta, shown.stdout, f"branch {branch}", on_branch=branch)
    return list(found.values())


def merged(tree: list[Found], branches: list[Found]) -> list[Found]:
    """Each incident once: a branch's copy (newer: the pull request not merged yet) over the tree's,
    unless the tree's copy has moved on (it holds every alert of the branch's and more events)."""
    by_id = {found.meta.id: found for found in tree}
    for found in branches:
        mine = by_id.get(found.meta.id)
        if mine is None or len(found.meta.timeline) > len(mine.meta.timeline):
            by_id[found.meta.id] = found
    return list(by_id.values())


def known(found: Found) -> Known:
    meta = found.meta
    return Known(id=meta.id, severity=meta.severity, services=tuple(meta.services), runbook=meta.runbook,
                 detected=meta.first(EventType.DETECTED) or meta.timeline[0].at,
                 records={r.key: Record(r.state.value, r.first_fired) for r in meta.alerts},
                 resolved_at=meta.first(EventType.RESOLVED), where=found.where)


def issue_keys(body: str | None) -> list[str]:
    """The alert keys an incident's issue records (its second marker)."""
    match = _KEYS_MARKER.search(body or "")
    return match[1].split() if match else []


def keys_marker(keys: list[str]) -> str:
    return f"<!-- opsbook:alert-keys {' '.join(keys)} -->"


def from_issues(issues, have: set[str]) -> list[Known]:
    """Incidents only an issue knows (its post-mortem is in no branch and not in the tree)."""
    import datetime as dt

    out = []
    for issue in issues:
        key = issue.key or ""
        kind, _, incident_id = key.partition(" ")
        if kind != ISSUE_KIND or incident_id in have:
            continue
        records = {k: Record("firing", dt.datetime.min.replace(tzinfo=dt.timezone.utc)) for k in issue_keys(issue.body)}
        out.append(Known(incident_id, Severity.SEV3, (), None, dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                         records, None if issue.is_open else dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                         f"issue #{issue.number}", editable=False))
    return out
