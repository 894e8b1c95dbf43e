"""The review calendar: upcoming occurrences with owners, subscribe links, and one page per cadence.

Occurrences come from `opsbook.calendar.schedule`, the same functions the feed and the issue plan use, so the
page, the calendar apps and the issues never disagree about when a review happens or who runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Collection

from opsbook import urls
from opsbook.calendar.schedule import Occurrence, cadence_occurrences, upcoming
from opsbook.handbook.assembled import CadenceFile, Handbook
from opsbook.handbook.models.cadence import Every, When
from opsbook.handbook.models.common import zone
from opsbook.site import layout, listings
from opsbook.site import markdown as md

_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def describe(when: When) -> str:
    """A cadence's rule in words: `every Monday`, `every month on the last business day`."""
    if when.every is Every.WEEK:
        every = "every week" if when.interval == 1 else f"every {when.interval} weeks"
        return f"{every} on {when.weekday.value.capitalize()}"
    unit = "month" if when.every is Every.MONTH else "quarter"
    every = f"every {unit}" if when.interval == 1 else f"every {when.interval} {unit}s"
    if when.day is not None:
        day = f"day {when.day}"
    elif when.business_day is not None:
        day = f"the {_ordinal(when.business_day)} business day"
    else:
        day = f"the {_ordinal(when.nth)} {when.weekday.value.capitalize()}"
    if when.every is Every.QUARTER and when.month is not None:
        return f"{every}, in its {_ORDINALS.get(when.month)} month, on {day}"
    return f"{every} on {day}"


def _ordinal(n: int) -> str:
    if n in _ORDINALS:
        return _ORDINALS[n]
    return f"{-n}th from last" if n < 0 else f"{n}th"


def _owner_cell(handbook: Handbook, entry: CadenceFile, here: str) -> str:
    cadence = entry.cadence
    fallback = f" (fallback: {md.person(handbook.people, cadence.fallback)})" if cadence.fallback else ""
    if cadence.owner:
        return md.person(handbook.people, cadence.owner) + fallback
    rotation = handbook.rotations.get(cadence.rotation)
    name = md.text(rotation.name) if rotation else f"`{cadence.rotation}`"
    return f"[{name}]({layout.link(here, layout.TEAM, cadence.rotation)}) rotation{fallback}"


def subscribe_links(handbook: Handbook, here: str, feed_path: str, feeds: Collection[str]) -> list[str]:
    """`webcal://` and `https://` subscription links to a feed, and a plain download link on this site."""
    if feed_path not in feeds:
        return ["The calendar feed is not part of this build.", ""]
    https = urls.absolute(handbook.config.site_url, feed_path)
    return [f"- [Subscribe in your calendar app]({urls.webcal(https)}) (`webcal://`)",
            f"- Subscription URL to paste: [{https}]({https})",
            f"- [Download the feed]({layout.link(here, feed_path)}) (`.ics`)", ""]


def calendar_page(handbook: Handbook, now: dt.datetime, feeds: Collection[str], days: int = 28) -> str:
    """`reviews/index.md`: subscribe links, the next `days` days of reviews, and every cadence."""
    here = layout.CALENDAR
    tz = handbook.team.timezone
    out = ["# Review calendar", "", "Every review the team keeps, with who runs it. Subscribe once and "
           "your calendar follows the handbook: holidays, rotations and new cadences included.", "",
           "## Subscribe", ""]
    out += subscribe_links(handbook, here, urls.feed(), feeds)
    owners = [p for p in handbook.team.people if urls.owner_feed(p.id) in feeds]
    if listings.is_long(owners):  # a big team's: each person's is in the directory, not in a long sentence
        out += [f"Only the reviews you run: your own feed is linked from your row of the "
                f"[directory]({layout.link(here, layout.TEAM_PEOPLE)}).", ""]
    elif owners:
        out += ["Only the reviews you run: " + ", ".join(
            f"[{md.text(p.name)}]({layout.link(here, urls.owner_feed(p.id))})" for p in owners) + ".", ""]
    out += [f"## Next {days} days", "", f"Times in {tz}.", ""]
    soon = upcoming(handbook, now, days)
    if listings.is_long(soon):
        out += _by_week(soon, tz) + [
            f"Showing the first {listings.SHOWN} of {len(soon):,} reviews in the next {days} days, the soonest "
            "first. Each review's own page, linked from the list of cadences below, shows its next occurrences.", ""]
    out += md.table(["When", "Review", "Period", "Owner"], [
        [md.weekday_moment(o.start, tz), f"[{md.text(o.title)}]({layout.link(here, layout.cadence(o.cadence_id))})",
         o.period, md.person(handbook.people, o.owner)]
        for o in soon[:listings.SHOWN]], empty="No reviews are scheduled in this window.")
    out += ["## Cadences", ""]
    cadences = by_title(handbook)
    if listings.is_long(cadences):
        out += listings.more_line(len(cadences), "cadences, by title", here, [("Every cadence", layout.CADENCES)])
    out += _cadence_table(handbook, cadences[:listings.SHOWN], here)
    return "\n".join(out).rstrip() + "\n"


def by_title(handbook: Handbook) -> list[CadenceFile]:
    return sorted(handbook.cadences.values(), key=lambda e: (e.cadence.title, e.id))


def cadences_page(handbook: Handbook, number: int = 1) -> str:
    """`reviews/by-title/cadences.md` (and its numbered pages): every cadence, for a calendar page that
    lists only the first."""
    here = listings.part(layout.CADENCES, number)
    cadences = by_title(handbook)
    out = ["# Every cadence", "", f"{len(cadences):,} reviews the team keeps, by title; back to the "
           f"[Review calendar]({layout.link(here, layout.CALENDAR)}).", ""]
    out += listings.parts_line(layout.CADENCES, len(cadences), number, "cadences")
    out += _cadence_table(handbook, listings.part_rows(cadences, number), here)
    return "\n".join(out).rstrip() + "\n"


def _cadence_table(handbook: Handbook, cadences: list[CadenceFile], here: str) -> list[str]:
    return md.table(["Review", "When", "Owner", "Duration"], [
        [f"[{md.text(entry.cadence.title)}]({layout.link(here, layout.cadence(entry.id))})",
         f"{describe(entry.cadence.when)} at {entry.cadence.time:%H:%M} {entry.cadence.timezone}",
         _owner_cell(handbook, entry, here), md.duration(entry.cadence.duration)]
        for entry in cadences])


def _by_week(soon: list[Occurrence], tz: str) -> list[str]:
    """How many reviews start in each ISO week (in the team's time zone), for a window too full to list."""
    weeks: dict[str, int] = {}
    for occurrence in soon:
        year, week, _ = occurrence.start.astimezone(zone(tz)).isocalendar()
        weeks[f"{year}-W{week:02d}"] = weeks.get(f"{year}-W{week:02d}", 0) + 1
    return md.table(["Week", "Reviews"], [[week, f"{count:,}"] for week, count in weeks.items()])


def cadence_page(handbook: Handbook, entry: CadenceFile, now: dt.datetime, feeds: Collection[str],
                 count: int = 8) -> str:
    """`reviews/<id>.md`: what the review covers, its checklist and its next `count` occurrences."""
    cadence = entry.cadence
    here = layout.cadence(entry.id)
    out = [f"# {md.text(cadence.title)}", ""]
    if cadence.description:
        out += [md.text(cadence.description), ""]
    out += [f"- **When:** {describe(cadence.when)} at {cadence.time:%H:%M} {cadence.timezone}, "
            f"for {md.duration(cadence.duration)}",
            f"- **Owner:** {_owner_cell(handbook, entry, here)}"]
    if cadence.labels:
        out.append("- **Labels:** " + ", ".join(f"`{label}`" for label in cadence.labels))
    if cadence.slos:
        out.append("- **SLOs:** " + ", ".join(
            f"[{md.text(handbook.slos[s].title) if s in handbook.slos else s}]({layout.link(here, layout.SLOS, s)})"
            for s in cadence.slos))
    if cadence.runbooks:
        out.append("- **Runbooks:** " + ", ".join(
            f"[{md.text(handbook.runbooks[r].meta.title) if r in handbook.runbooks else r}]"
            f"({layout.link(here, layout.runbook(r))})" for r in cadence.runbooks))
    out += [f"- **Defined in:** `{entry.path}`", "", "## Checklist", ""]
    out += [f"- [ ] {md.text(item)}" for item in cadence.checklist] + [""]
    if cadence.links:
        out += ["## Links", ""] + md.bullets(f"[{md.text(link.title)}]({link.url})" for link in cadence.links)
    out += _next_occurrences(handbook, entry, now, count)
    out += ["## Subscribe", ""] + subscribe_links(handbook, here, urls.cadence_feed(entry.id), feeds)
    return "\n".join(out).rstrip() + "\n"


def _next_occurrences(handbook: Handbook, entry: CadenceFile, now: dt.datetime, count: int) -> list[str]:
    tz = handbook.team.timezone
    found = cadence_occurrences(entry.cadence, holidays=handbook.holidays, rotations=handbook.rotations,
                                people=handbook.people, start=now, end=now + dt.timedelta(days=400))[:count]
    out = ["## Next occurrences", "", f"Times in {tz}.", ""]
    return out + md.table(["When", "Period", "Owner", "Note"], [
        [md.weekday_moment(o.start, tz), o.period, md.person(handbook.people, o.owner), _note(handbook, o)]
        for o in found], empty="None: this cadence has ended.")


def _note(handbook: Handbook, occurrence: Occurrence) -> str:
    notes = [f"moved from {occurrence.shifted_from}"] if occurrence.shifted_from else []
    if occurrence.standing_in_for:
        notes.append(f"standing in for {md.person(handbook.people, occurrence.standing_in_for)} (away)")
    return "; ".join(notes)
