"""The pull plan: handbook + the tracking issues' states on GitHub → edits to post-mortems, and drift to report.

Pure: no I/O, no clock. `opsbook.issues.readback` reads GitHub and writes the files; this module decides.

What GitHub says, and what it becomes (H: the item's status in the handbook, G: its tracking issue):
1. G closed as completed (or without a reason), H open or in-progress → `done`, with `closed.date` (the day
   GitHub closed it, UTC) and `issue:` filled in; `by`, `via` and `reason` come from a details read.
2. G closed as not planned, H open → `wont-do`, with the closing comment as `closed.reason`.
3. G open again (`state_reason: reopened`), H closed by an earlier pull (it has `closed`) → back to `open`,
   `closed` dropped: GitHub closed it, GitHub reopened it.
4. Anything else where the two disagree is drift, reported and never written:
   - H closed by a person (no `closed`), G reopened: a conflict: someone disagrees with the handbook;
   - H reopened by a person after a pull closed it (`closed.date` is still G's closing day), G still closed:
     a conflict, the other way around;
   - H `done` but G closed as not planned, or H `wont-do` but G completed: a conflict about why;
   - H closed, G open and never closed: nothing to pull, the next `ops issues sync` closes G;
   - H names a tracking issue in this repository that GitHub no longer lists: `readback` asks for it once
     (see `probes`), and it is deleted (404/410: reported) or transferred (301: `issue:` follows it, and
     its state is pulled as above).
Items are matched to issues by the issue's hidden marker, else by the number in the item's `issue:` URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Iterable, Mapping

from opsbook.handbook.assembled import Handbook, Postmortem
from opsbook.handbook.models.postmortem import ActionItem, ActionStatus
from opsbook.issues.body import action_item_key
from opsbook.issues.existing import ExistingIssue
from opsbook.plural import plural

CONFLICT, SYNC, GONE = "conflict", "sync closes it", "issue gone"
_ISSUE_URL = re.compile(r"/([^/]+)/([^/]+)/issues/(\d+)/?$")


@dataclasses.dataclass(frozen=True)
class Closing:
    """Who or what closed an issue, from the details read of one issue (events and last comment)."""

    by: str | None = None
    via: str | None = None     # the closing commit's URL
    reason: str | None = None  # the closing comment, for an issue closed as not planned


@dataclasses.dataclass(frozen=True)
class Edit:
    """One action item's change: its new status, and its `closed` record (None: remove it)."""

    path: str            # the post-mortem, relative to the handbook's root
    postmortem: str
    item: str
    number: int
    status: ActionStatus
    closed: dict | None  # {date, by, reason, via} with the empty ones left out
    issue_url: str | None  # the `issue:` to write, when it is missing or the issue moved
    why: str

    def with_closing(self, closing: Closing) -> "Edit":
        """This edit with the closer, commit and reason a details read found."""
        if self.closed is None:
            return self
        extra = {"by": closing.by, "reason": closing.reason if self.status is ActionStatus.WONT_DO else None,
                 "via": closing.via}
        return dataclasses.replace(self, closed={**self.closed, **{k: v for k, v in extra.items() if v}})


@dataclasses.dataclass(frozen=True)
class Drift:
    """A disagreement the pull reports and does not write."""

    kind: str  # CONFLICT, SYNC or GONE
    path: str
    postmortem: str
    item: str
    number: int
    message: str


@dataclasses.dataclass(frozen=True)
class PullPlan:
    edits: tuple[Edit, ...]
    drift: tuple[Drift, ...]
    notes: tuple[str, ...] = ()  # what the pull could not tell, and how to find out

    def files(self) -> list[str]:
        """The post-mortems the edits touch, each once, in order."""
        return sorted({edit.path for edit in self.edits})


@dataclasses.dataclass(frozen=True)
class Probe:
    """A tracking issue in this repository that the listing lacks: deleted, transferred or unlabelled."""

    key: str
    number: int


def issue_number(url: object, repo: str) -> int | None:
    """The issue number in `url` when it is an issue of `repo` (OWNER/NAME, any host), else None."""
    match = _ISSUE_URL.search(str(url or ""))
    if not match or f"{match[1]}/{match[2]}".lower() != repo.lower():
        return None
    return int(match[3])


def _items(handbook: Handbook) -> Iterable[tuple[Postmortem, ActionItem]]:
    for pm in sorted(handbook.postmortems.values(), key=lambda p: p.id):
        for item in pm.meta.action_items:
            yield pm, item


def _index(existing: Iterable[ExistingIssue]) -> tuple[dict[str, ExistingIssue], dict[int, ExistingIssue]]:
    by_key: dict[str, ExistingIssue] = {}
    by_number: dict[int, ExistingIssue] = {}
    for issue in sorted(existing, key=lambda i: i.number):
        by_number[issue.number] = issue
        if issue.key is not None:
            by_key.setdefault(issue.key, issue)  # the oldest wins, as in the issue plan
    return by_key, by_number


def probes(handbook: Handbook, existing: Iterable[ExistingIssue], repo: str) -> list[Probe]:
    """Open items whose `issue:` is in `repo` but not in the listing: each needs one read to learn why."""
    by_key, by_number = _index(existing)
    found = []
    for pm, item in _items(handbook):
        key = action_item_key(pm.id, item.id)
        number = issue_number(item.issue, repo)
        if number is not None and key not in by_key and number not in by_number and not item.status.is_closed:
            found.append(Probe(key, number))
    return found


def build_pull(handbook: Handbook, existing: Iterable[ExistingIssue], repo: str,
               probed: Mapping[str, ExistingIssue | int] | None = None) -> PullPlan:
    """The edits and drift for every action item; `probed` holds what each probe found (an issue or a status)."""
    by_key, by_number = _index(existing)
    probed = probed or {}
    edits, drift = [], []
    unlisted = 0
    for pm, item in _items(handbook):
        key = action_item_key(pm.id, item.id)
        number = issue_number(item.issue, repo)
        issue = by_key.get(key) or (by_number.get(number) if number is not None else None)
        found = probed.get(key)
        if issue is None and found is None and number is not None and not item.status.is_closed:
            unlisted += 1
        if issue is None and isinstance(found, int):
            drift.append(Drift(GONE, pm.path, pm.id, item.id, number or 0,
                               f"#{number} is gone ({found} {'Gone' if found == 410 else 'Not Found'}): deleted, "
                               f"or GITHUB_TOKEN cannot see it; remove `issue:` to have the next sync open "
                               f"a new one"))
            continue
        if issue is None and isinstance(found, ExistingIssue):
            issue = found
        if issue is not None:
            decided = _decide(pm, item, issue)
            if isinstance(decided, Edit) and found is issue:
                decided = dataclasses.replace(decided, issue_url=issue.url, why=decided.why + f" (moved to {issue.url})")
            elif decided is None and found is issue and str(item.issue) != issue.url:
                decided = Edit(pm.path, pm.id, item.id, issue.number, item.status,
                               _as_dict(item.closed), issue.url, f"#{number} moved to {issue.url}")
            if isinstance(decided, Edit):
                edits.append(decided)
            elif isinstance(decided, Drift):
                drift.append(decided)
    notes = ()
    if unlisted:
        notes = (f"{plural(unlisted, 'open item')} {'links' if unlisted == 1 else 'link'} an issue of {repo} that "
                 f"the listing lacks (deleted, transferred, or without the label): --check-links reads "
                 f"{'it' if unlisted == 1 else 'each'} once to tell",)
    return PullPlan(tuple(edits), tuple(drift), notes)


def _as_dict(closed) -> dict | None:
    return None if closed is None else closed.model_dump(mode="json", exclude_none=True)


def _closed_day(issue: ExistingIssue) -> dt.date | None:
    return issue.closed_at.astimezone(dt.timezone.utc).date() if issue.closed_at else None


def _decide(pm: Postmortem, item: ActionItem, issue: ExistingIssue) -> Edit | Drift | None:
    """Rules 1-4 of the module docstring for one item and its issue."""
    def drift(kind: str, message: str) -> Drift:
        return Drift(kind, pm.path, pm.id, item.id, issue.number, message)

    status, pulled = item.status, item.closed
    if issue.is_open:
        if not status.is_closed:
            return None
        if issue.state_reason != "reopened":
            return drift(SYNC, f"the handbook says {status.value}; the next `ops issues sync` closes #{issue.number}")
        if pulled is not None:
            return Edit(pm.path, pm.id, item.id, issue.number, ActionStatus.OPEN, None, None,
                        f"#{issue.number} was reopened")
        return drift(CONFLICT, f"the handbook says {status.value} but #{issue.number} was reopened on GitHub; "
                               f"set the item back to open, or close the issue again")
    target = ActionStatus.WONT_DO if issue.state_reason == "not_planned" else ActionStatus.DONE
    how = "as not planned" if target is ActionStatus.WONT_DO else "as completed"
    day = _closed_day(issue)
    if status.is_closed:
        if status is target:
            return None
        return drift(CONFLICT, f"the handbook says {status.value} but #{issue.number} was closed {how}; "
                               f"change one of them so they agree")
    if pulled is not None and pulled.date == day:
        return drift(CONFLICT, f"the handbook reopened the item after #{issue.number} was closed {how} on {day}; "
                               f"reopen the issue, or set the item back to {target.value}")
    closed = {"date": day.isoformat()} if day else None
    url = None if item.issue else issue.url
    return Edit(pm.path, pm.id, item.id, issue.number, target, closed, url,
                f"#{issue.number} was closed {how}" + (f" on {day}" if day else ""))


def pull_text(plan: PullPlan, repo: str, *, written: list[str] | None = None, dry_run: bool = False) -> str:
    """The plan for people: each edit and each drift on a line, then a tally (and what was written)."""
    lines = []
    for edit in plan.edits:
        lines.append(f"  {edit.status.value:<9} {edit.postmortem} {edit.item}: {edit.why}")
    for drift in plan.drift:
        lines.append(f"  {drift.kind:<9} {drift.postmortem} {drift.item}: {drift.message}")
    conflicts = sum(1 for d in plan.drift if d.kind == CONFLICT)
    head = (f"Action items against {repo}: {plural(len(plan.edits), 'item')} to pull, "
            f"{plural(conflicts, 'conflict')}, {len(plan.drift) - conflicts} other drift.")
    lines += [f"  note: {note}" for note in plan.notes]
    if written is not None:
        tail = f"Wrote {plural(len(written), 'file')}." if not dry_run else "Dry run: nothing was written."
        lines.append(tail)
    return "\n".join([head, *lines]) + "\n"


def pull_json(plan: PullPlan, repo: str, written: list[str] | None = None) -> str:
    import json

    return json.dumps({"repo": repo,
                       "edits": [{**dataclasses.asdict(e), "status": e.status.value} for e in plan.edits],
                       "drift": [dataclasses.asdict(d) for d in plan.drift],
                       "notes": list(plan.notes),
                       "written": written}, indent=2) + "\n"
