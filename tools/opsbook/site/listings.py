"""Long lists on generated pages: the most urgent rows, a line of counts, and full listings split into pages.

A big organisation's handbook holds 10,000 post-mortems, 5,000 secrets and thousands of open action
items; a table of all of them is megabytes of HTML nobody scrolls, on every build. So a list longer than
`SHOWN` rows shows its most urgent (or most recent) `SHOWN`, says how many there are, and links to the
full listing, split into pages of a size people read: post-mortems by the year they were detected, open
action items by the year they fall due, secrets by service. Short lists show whole, as they always did,
and no listing pages are made for them. A listing page longer than `PAGE_ROWS` rows (a month of a big
organisation's incidents, the secrets of a service it runs everywhere) continues on numbered pages in a
folder of its own (`secrets/checkout.md`, then `secrets/checkout/2.md`), so no page of the site grows past
about 100 kB however big the handbook (GitHub Pages publishes at most 1 GB in all).
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from opsbook.handbook.assembled import Handbook, Postmortem
from opsbook.handbook.models.common import Category
from opsbook.handbook.models.postmortem import ActionItem, EventType
from opsbook.site import html as h
from opsbook.site import layout
from opsbook.site import markdown as md

SHOWN = 50
INLINE = 20  # links in a sentence, such as an SLO's incidents
PAGE_ROWS = 150  # a listing page's rows at most (with the menu, under 100 kB); more go on numbered pages
YEAR_ROWS = PAGE_ROWS  # a year's post-mortem page lists at most this many; a busier year gets a page per month
NO_SERVICE = "no-service"


def is_long(rows: Sequence) -> bool:
    return len(rows) > SHOWN


def inline(links: Sequence[str], here: str, where: str, src: str) -> str:
    """Up to `INLINE` links in a sentence, then `, and 230 more in the [<where>](<src>)`."""
    more = f", and {len(links) - INLINE:,} more in the [{where}]({layout.link(here, src)})" if len(links) > INLINE else ""
    return ", ".join(links[:INLINE]) + more


def more_line(total: int, what: str, here: str, pages: Sequence[tuple[str, str]]) -> list[str]:
    """`Showing the first 50 of 10,000 <what>. The full list: [2026](…) · [2025](…).`"""
    links = " · ".join(f"[{md.text(label)}]({layout.link(here, src)})" for label, src in pages)
    return [f"Showing the first {SHOWN} of {total:,} {what}. The full list: {links}.", ""]


# --- listing pages split into numbered parts --------------------------------------------------------

def part_count(rows: int) -> int:
    """How many pages a listing of `rows` rows takes (at least one, which says it is empty)."""
    return max(1, -(-rows // PAGE_ROWS))


def part(src: str, number: int) -> str:
    """The source path of page `number` of the listing at `src`: `src` itself, then `<src without .md>/<n>.md`
    (a folder no id can reach, as ids have no `/`)."""
    return src if number == 1 else f"{src[:-3]}/{number}.md"


def part_rows(rows: Sequence, number: int) -> Sequence:
    """The rows page `number` of a listing shows."""
    return rows[(number - 1) * PAGE_ROWS: number * PAGE_ROWS]


def parts_line(src: str, rows: int, number: int, what: str) -> list[str]:
    """`Page 2 of 3 (rows 151 to 300 of 420 <what>): [1](…) · 2 · [3](…).`, or nothing for one page."""
    count = part_count(rows)
    if count == 1:
        return []
    here = part(src, number)
    links = " · ".join(str(n) if n == number else f"[{n}]({layout.link(here, part(src, n))})"
                       for n in range(1, count + 1))
    first = (number - 1) * PAGE_ROWS + 1
    return [f"Page {number} of {count} (rows {first:,} to {min(rows, number * PAGE_ROWS):,} of {rows:,} {what}): "
            f"{links}.", ""]


# --- post-mortems by year ------------------------------------------------------------------------------

def detected_year(pm: Postmortem) -> int:
    """The year the incident was detected (or, without a detection, the year of its first event)."""
    at = pm.meta.first(EventType.DETECTED) or pm.meta.timeline[0].at
    return at.year


def postmortem_years(handbook: Handbook) -> list[int]:
    """The years with a listing page, newest first, when the post-mortem index is too long to show whole."""
    if not is_long(handbook.postmortems):
        return []
    return sorted({detected_year(pm) for pm in handbook.postmortems.values()}, reverse=True)


def detected_month(pm: Postmortem) -> str:
    """`2026-03`: the month the incident was detected, read as `detected_year` reads the year."""
    at = pm.meta.first(EventType.DETECTED) or pm.meta.timeline[0].at
    return f"{at.year}-{at.month:02d}"


def busy_years(handbook: Handbook) -> set[int]:
    """Years with more incidents than a page of `YEAR_ROWS`: their year page links a page per month."""
    if not is_long(handbook.postmortems):
        return set()
    counts: dict[int, int] = {}
    for pm in handbook.postmortems.values():
        counts[detected_year(pm)] = counts.get(detected_year(pm), 0) + 1
    return {year for year, count in counts.items() if count > YEAR_ROWS}


def postmortems_by_month(handbook: Handbook) -> dict[str, list[Postmortem]]:
    """The months with a listing page (those of busy years), newest first, with their post-mortems:
    grouped in one pass, as a big organisation has dozens of such months over 10,000 post-mortems."""
    busy = busy_years(handbook)
    grouped: dict[str, list[Postmortem]] = {}
    for pm in handbook.postmortems.values():
        if detected_year(pm) in busy:
            grouped.setdefault(detected_month(pm), []).append(pm)
    return dict(sorted(grouped.items(), reverse=True))


def year_links(years: Sequence[int], page) -> list[tuple[str, str]]:
    return [(str(year), page(year)) for year in years]


# --- runbooks by category ----------------------------------------------------------------------------

def runbook_categories(handbook: Handbook) -> list[str]:
    """The categories with a listing page (in the enum's order), when the runbook index is too long to
    show whole."""
    if not is_long(handbook.runbooks):
        return []
    used = {rb.meta.category for rb in handbook.runbooks.values()}
    return [category.value for category in Category if category in used]


# --- open action items ---------------------------------------------------------------------------------

def open_items(handbook: Handbook) -> list[tuple[Postmortem, ActionItem]]:
    """Every open action item, the longest overdue first."""
    return sorted(handbook.open_action_items(), key=lambda pair: (pair[1].due, pair[0].id, pair[1].id))


def action_item_table(handbook: Handbook, items: Sequence[tuple[Postmortem, ActionItem]], today: dt.date,
                      here: str) -> list[str]:
    return h.table(["Due", "Item", "Owner", "Incident", "Status"], [
        [f"{item.due}" + (" <strong>overdue</strong>" if item.due < today else ""),
         h.esc(item.title) + (f" ({h.a(str(item.issue), 'issue')})" if item.issue else ""),
         h.person(handbook.people, item.owner),
         h.a(layout.href(here, layout.postmortem(pm.id)), pm.id), h.status(item.status, "action")]
        for pm, item in items], empty="None.")


def action_item_years(handbook: Handbook) -> list[int]:
    """The due years with a listing page, earliest first, when the open items are too many to show whole."""
    items = handbook.open_action_items()
    return sorted({item.due.year for _, item in items}) if is_long(items) else []


def action_items_page(handbook: Handbook, today: dt.date) -> str:
    """`action-items.md`: every open action item, or, when there are many, counts by the year they fall
    due with a page per year, and the longest overdue first."""
    here = layout.ACTION_ITEMS
    items = open_items(handbook)
    overdue = sum(1 for _, item in items if item.due < today)
    out = ["# Open action items", "", f"{len(items):,} open, {overdue:,} overdue on {today}; the longest overdue "
           "first. Set `status: done` on an item in its post-mortem when it is done.", ""]
    years = action_item_years(handbook)
    if years:
        out += md.table(["Due in", "Open", "Overdue"], [
            [f"[{year}]({layout.link(here, layout.action_items_year(year))})",
             f"{sum(1 for _, i in items if i.due.year == year):,}",
             f"{sum(1 for _, i in items if i.due.year == year and i.due < today):,}"] for year in years])
        out += more_line(len(items), "open action items", here,
                         year_links(years, layout.action_items_year))
        items = items[:SHOWN]
    out += action_item_table(handbook, items, today, here)
    return "\n".join(out).rstrip() + "\n"


def action_items_year_page(handbook: Handbook, today: dt.date, year: int, number: int = 1) -> str:
    """`action-items/<year>.md` (and its numbered pages): the open action items due that year."""
    listing = layout.action_items_year(year)
    here = part(listing, number)
    items = [pair for pair in open_items(handbook) if pair[1].due.year == year]
    out = [f"# Open action items due in {year}", "",
           f"{len(items):,} open; back to [all open action items]({layout.link(here, layout.ACTION_ITEMS)}).", ""]
    out += parts_line(listing, len(items), number, "open action items, the longest overdue first")
    out += action_item_table(handbook, part_rows(items, number), today, here)
    return "\n".join(out).rstrip() + "\n"


def action_item_counts(handbook: Handbook) -> dict[int, int]:
    """Open action items by the year they fall due."""
    counts: dict[int, int] = {}
    for _, item in handbook.open_action_items():
        counts[item.due.year] = counts.get(item.due.year, 0) + 1
    return counts


# --- secrets by service --------------------------------------------------------------------------------

def by_urgency(handbook: Handbook) -> list:
    return sorted(handbook.secrets, key=lambda s: (s.last_rotated + s.rotate_every, s.name))


def secret_services(handbook: Handbook) -> list[str]:
    """The services with a secrets page, when the inventory is too long to show whole."""
    if not is_long(handbook.secrets):
        return []
    found = {service for secret in handbook.secrets for service in secret.services}
    return sorted(found) + ([NO_SERVICE] if any(not s.services for s in handbook.secrets) else [])


def service_name(handbook: Handbook, service_id: str) -> str:
    if service_id == NO_SERVICE:
        return "No service"
    service = handbook.services.get(service_id)
    return service.name if service else service_id
