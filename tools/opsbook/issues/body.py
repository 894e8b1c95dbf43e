"""What a generated issue says: title, body, labels, assignee, and the hidden marker that identifies it.

The marker (`<!-- opsbook:occurrence weekly-slo-review/2026-W48 -->`, or `<!-- opsbook:action-item
<post-mortem>/<item> -->` for a tracking issue, `<!-- opsbook:incident <post-mortem> -->` for an incident
`ops alerts pull` opened) is how a later run recognises the issue, so a re-run or a
run after a crash finds it instead of opening it again. Bodies are pure functions of the handbook, so an
unchanged handbook gives byte-identical bodies and a re-run writes nothing. Titles and bodies are fitted
to GitHub's limits (`opsbook.issues.budget`); the marker comes first, so it survives any cut.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

from opsbook import urls
from opsbook.handbook.assembled import Handbook, Postmortem
from opsbook.handbook.models.postmortem import ActionItem, EventType
from opsbook.issues.budget import BODY_LIMIT, TITLE_LIMIT, fit_body, shorten
from opsbook.issues.context import Facts, Review, sections

_MARKER = re.compile(r"<!--\s*opsbook:(occurrence|action-item|shift|incident)\s+(\S+?)\s*-->")
_REMINDED = re.compile(r"\n?<!--\s*opsbook:reminded\s+(\S+?)\s*-->\n?")
_TASK = re.compile(r"^(\s*[-*+] )\[([ xX])\] (.*?)\s*$", re.M)
# GitHub's own label colours, so generated labels look at home; the tool's label is always the first.
_PALETTE = ("0e8a16", "1d76db", "5319e7", "b60205", "d93f0b", "fbca04", "006b75", "c5def5", "bfd4f2", "d4c5f9",
            "f9d0c4", "fef2c0", "c2e0c6", "e99695", "0052cc", "bfdadc")
ACTION_ITEM_LABEL = "action-item"
FOOTER = ("<sub>Opened by [opsbook]({site}) from `{path}`. Change the handbook rather than this text: a sync "
          "rewrites the body when the handbook changes, keeping ticked boxes.</sub>")


@dataclasses.dataclass(frozen=True)
class IssueContent:
    """Everything a generated issue should say. `key` is what its marker carries."""

    key: str
    title: str
    body: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]


def occurrence_key(uid: str) -> str:
    return f"occurrence {uid}"


def action_item_key(postmortem_id: str, item_id: str) -> str:
    return f"action-item {postmortem_id}/{item_id}"


def marker(key: str) -> str:
    """The hidden HTML comment that identifies a generated issue."""
    kind, _, ident = key.partition(" ")
    return f"<!-- opsbook:{kind} {ident} -->"


def parse_marker(body: str | None) -> str | None:
    """The key of the first marker in an issue body, or None for an issue opsbook did not generate."""
    match = _MARKER.search(body or "")
    return f"{match.group(1)} {match.group(2)}" if match else None


def label_color(name: str, tool_label: str = "opsbook") -> str:
    """A stable colour for a label this tool creates (six hex digits, no `#`)."""
    if name.lower() == tool_label.lower():
        return "5319e7"
    return _PALETTE[int(hashlib.sha1(name.lower().encode()).hexdigest(), 16) % len(_PALETTE)]


def label_description(name: str, tool_label: str = "opsbook") -> str:
    if name.lower() == tool_label.lower():
        return "Opened and kept in sync by opsbook; do not remove"
    return "Review issues opened by opsbook"


def _labels(*groups) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def _person(handbook: Handbook, person_id: str | None) -> tuple[str, tuple[str, ...]]:
    """How to name a person in a body, and the GitHub login to assign (none without a handle)."""
    if person_id is None:
        return "_nobody (everyone in the rotation is away)_", ()
    person = handbook.people.get(person_id)
    if person is None:
        return person_id, ()
    if person.github:
        return f"@{person.github} ({person.name})", (person.github,)
    return person.name, ()


def _when(review: Review) -> str:
    occ = review.occurrence
    start, end = occ.start, occ.end
    text = f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}–{end:%H:%M} ({review.cadence.timezone})"
    if occ.shifted_from:
        text += f", moved from {occ.shifted_from.isoformat()} (holiday or skip date)"
    return text


def occurrence_title(review: Review) -> str:
    """`<cadence title> — <period>`, the cadence's title cut so that the period always shows."""
    period = f" — {review.occurrence.period}"
    return shorten(review.cadence.title, TITLE_LIMIT - len(period)) + period


def occurrence_issue(handbook: Handbook, review: Review, source_path: str, facts: Facts | None = None) -> IssueContent:
    """The issue for one review: title with cadence and period, checklist, links and computed context
    (from `facts`, shared by every review of a plan so the handbook's lists are sorted once)."""
    occ, cadence, site = review.occurrence, review.cadence, handbook.config.site_url
    owner, assignees = _person(handbook, occ.owner)
    if occ.standing_in_for:
        away = handbook.people.get(occ.standing_in_for)
        owner += f", standing in for {away.name if away else occ.standing_in_for} (away)"
    links = [f"[review page]({urls.absolute(site, urls.cadence(cadence.id))})",
             f"[calendar feed]({urls.absolute(site, urls.feed())})",
             f"[this review's calendar]({urls.absolute(site, urls.cadence_feed(cadence.id))})"]
    links += [f"[{link.title}]({link.url})" for link in cadence.links]
    links += [f"[{handbook.runbooks[rb].meta.title}]({urls.absolute(site, urls.runbook(rb))})"
              for rb in cadence.runbooks if rb in handbook.runbooks]
    parts = [
        marker(occurrence_key(occ.uid)),
        f"**When:** {_when(review)}  \n**Due:** {occ.start.date().isoformat()}  \n**Owner:** {owner}  \n"
        f"**Links:** {' · '.join(links)}",
    ]
    if cadence.description:
        parts.append("> " + cadence.description.strip().replace("\n", "\n> "))
    parts.append("## Checklist\n\n" + "\n".join(f"- [ ] {item}" for item in occ.checklist))
    parts += sections(handbook, review, facts)
    parts.append("---\n" + FOOTER.format(site=site, path=source_path))
    return IssueContent(key=occurrence_key(occ.uid), title=occurrence_title(review),
                        body=fit_body(parts, BODY_LIMIT - 1) + "\n",
                        labels=_labels([handbook.config.issues.label], occ.labels), assignees=assignees)


def action_item_issue(handbook: Handbook, pm: Postmortem, item: ActionItem) -> IssueContent:
    """The tracking issue of one post-mortem action item that has none yet."""
    site = handbook.config.site_url
    owner, assignees = _person(handbook, item.owner)
    detected = pm.meta.first(EventType.DETECTED) or pm.meta.timeline[0].at
    body = fit_body([
        marker(action_item_key(pm.id, item.id)),
        f"An action item from the post-mortem [{pm.meta.title}]({urls.absolute(site, urls.postmortem(pm.id))}) "
        f"({pm.meta.severity.value}, {pm.meta.category.value}, {detected.date().isoformat()}).",
        f"**Action:** {item.title}  \n**Owner:** {owner}  \n**Due:** {item.due.isoformat()}  \n"
        f"**Status in the handbook:** {item.status.value}",
        f"When it is done, set `status: done` on `{item.id}` in `{pm.path}` (and `issue:` to this issue's URL); "
        "the next sync closes this issue.",
        "---\n" + FOOTER.format(site=site, path=pm.path),
    ], BODY_LIMIT - 64) + "\n"  # room for the reminder marker (`with_reminder`)
    return IssueContent(key=action_item_key(pm.id, item.id), title=shorten(f"Action item: {item.title}", TITLE_LIMIT),
                        body=body, labels=_labels([handbook.config.issues.label, ACTION_ITEM_LABEL]),
                        assignees=assignees)


def keep_checks(new_body: str, old_body: str | None) -> str:
    """`new_body` with the task-list boxes people ticked in `old_body` still ticked."""
    ticked = {match.group(3) for match in _TASK.finditer(old_body or "") if match.group(2) in "xX"}
    if not ticked:
        return new_body
    return _TASK.sub(lambda m: f"{m.group(1)}[x] {m.group(3)}" if m.group(3) in ticked else m.group(0), new_body)


def same_text(left: str | None, right: str | None) -> bool:
    """Bodies compare equal across GitHub's line-ending and trailing-space normalisation."""
    def norm(text: str | None) -> str:
        return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))
    return norm(left) == norm(right)



def reminded_week(body: str | None) -> str | None:
    """The ISO week (`2026-W48`) of the last reminder the body records, or None."""
    match = _REMINDED.search(body or "")
    return match.group(1) if match else None


def with_reminder(body: str, week: str | None) -> str:
    """`body` recording that its overdue reminder for `week` was posted (None: no record)."""
    body = _REMINDED.sub("\n", body).rstrip("\n") + "\n"
    return body if week is None else body + f"<!-- opsbook:reminded {week} -->\n"


def reminder_comment(handbook: Handbook, pm: Postmortem, item: ActionItem, today, week: str) -> str:
    """The weekly reminder on an overdue item's tracking issue, addressed to its owner."""
    person = handbook.people.get(item.owner)
    who = f"@{person.github}" if person and person.github else (person.name if person else item.owner)
    days = (today - item.due).days
    return (f"{who}: this action item was due on {item.due.isoformat()}, {days} day{'s' if days != 1 else ''} ago, "
            f"and is still {item.status.value} in the handbook. When it is done, close this issue as completed "
            f"(the next `ops actions pull` marks it done); if it will not be done, close it as not planned with a "
            f"comment saying why; if it needs longer, change `due` of `{item.id}` in `{pm.path}`.\n\n"
            f"<!-- opsbook:reminder {pm.id}/{item.id} {week} -->")
