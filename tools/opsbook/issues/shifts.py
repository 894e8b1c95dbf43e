"""Shift issues: for a rotation with `issues:` in ops/team.yaml, one GitHub issue per shift, assigned to its
holder, opened `issues.open_before` before the shift starts (and until the handbook's `issues.catch_up`
after, so a late run still opens it), with the runbooks to know and the holder's open action items.

Pure, like the rest of the plan: the shifts come from the on-call room's engine (`opsbook.oncall`), so a
swap in ops/oncall-overrides.yaml changes whom the issue names; the marker carries the shift's key
(`<!-- opsbook:shift oncall/primary-on-call/2027-02-01 -->`), the same as its feed UID, so a shift's
issue is opened exactly once and a swap updates it rather than opening another.
"""

from __future__ import annotations

import datetime as dt

from opsbook import urls
from opsbook.handbook.assembled import Handbook
from opsbook.handbook.models.common import format_duration
from opsbook.issues.body import FOOTER, IssueContent, _labels, _person, marker
from opsbook.issues.budget import BODY_LIMIT, TITLE_LIMIT, Listing, fit_body, shorten
from opsbook.oncall.shifts import Shift, rotation_shifts
from opsbook.oncall.views import why

SHIFT_LABEL = "on-call"
TEAM_FILE = "ops/team.yaml"


def shift_key(shift: Shift) -> str:
    return f"shift {shift.key}"


def due_shifts(handbook: Handbook, as_of: dt.datetime) -> list[Shift]:
    """Shifts with a holder, of rotations with `issues:`, whose issue should exist at `as_of`, in order."""
    catch_up = handbook.config.issues.catch_up
    found = []
    for rotation in sorted(handbook.team.rotations, key=lambda r: r.id):
        if rotation.issues is None:
            continue
        open_before = rotation.issues.open_before
        shifts = rotation_shifts(rotation, handbook.people, handbook.overrides, as_of - catch_up,
                                 as_of + open_before + dt.timedelta(microseconds=1), handbook.team.timezone)
        found += [s for s in shifts if s.person and s.start - open_before <= as_of <= s.start + catch_up]
    return found


def why_due(handbook: Handbook, shift: Shift, as_of: dt.datetime) -> str:
    """The plan's reason for opening the issue now."""
    when = f"{shift.start:%Y-%m-%d %H:%M %Z}"
    if as_of <= shift.start:
        open_before = handbook.rotations[shift.rotation].issues.open_before
        return f"opens {format_duration(open_before)} before the shift on {when}"
    return (f"catch-up: the shift began on {when}, {format_duration(as_of - shift.start)} ago, within the "
            f"{format_duration(handbook.config.issues.catch_up)} catch-up window")


def _runbooks(handbook: Handbook, shift: Shift) -> Listing:
    site = handbook.config.site_url
    named = handbook.rotations[shift.rotation].issues.runbooks
    ids = [rb for rb in named if rb in handbook.runbooks] if named else sorted(handbook.runbooks)
    rows = tuple(f"- [ ] [{handbook.runbooks[rb].meta.title}]({urls.absolute(site, urls.runbook(rb))})" for rb in ids)
    return Listing("## Runbooks to know\n", rows or ("None.",), urls.absolute(site, urls.runbooks()))


def _action_items(handbook: Handbook, shift: Shift) -> Listing:
    site = handbook.config.site_url
    mine = sorted(((item.due, pm.id, item.id, pm, item) for pm, item in handbook.open_action_items()
                   if item.owner == shift.person), key=lambda entry: entry[:3])
    rows = tuple(f"- {item.title} ({item.id}, due {item.due.isoformat()}) from "
                 f"[{pm.meta.title}]({urls.absolute(site, urls.postmortem(pm.id))})" for *_, pm, item in mine)
    return Listing("## Your open action items\n", rows or ("None.",), urls.absolute(site, urls.action_items()))


def shift_issue(handbook: Handbook, shift: Shift) -> IssueContent:
    """The issue for one shift: who, when, why them, the runbooks to know, their open action items."""
    rotation, site = handbook.rotations[shift.rotation], handbook.config.site_url
    holder, assignees = _person(handbook, shift.person)
    start, end = shift.start, shift.end
    links = [f"[team page]({urls.absolute(site, urls.team(rotation.id))})",
             f"[your calendar feed]({urls.absolute(site, urls.owner_feed(shift.person))})",
             f"[this rotation's calendar]({urls.absolute(site, urls.rotation_feed(rotation.id))})"]
    head = (f"**Who:** {holder}  \n**When:** {start:%A} {start.day} {start:%B %Y} {start:%H:%M} to {end:%A} "
            f"{end.day} {end:%B %Y} {end:%H:%M} ({start.tzinfo.key})  \n**Links:** {' · '.join(links)}")
    parts = [marker(shift_key(shift)), head]
    if reason := why(shift, handbook.people):
        parts.append(reason[0].upper() + reason[1:] + ".")
    source = "ops/oncall-overrides.yaml" if shift.override else TEAM_FILE
    parts += [_runbooks(handbook, shift), _action_items(handbook, shift), "---\n" + FOOTER.format(site=site, path=source)]
    title = f"On call: {rotation.name} from {start:%a %Y-%m-%d %H:%M}"
    return IssueContent(key=shift_key(shift), title=shorten(title, TITLE_LIMIT),
                        body=fit_body(parts, BODY_LIMIT - 1) + "\n",
                        labels=_labels([handbook.config.issues.label, SHIFT_LABEL]), assignees=assignees)
