"""The status page's HTML: `index.html` (now, what is coming, 90 days per component) and the history.

The history is split by day so no page grows with the organisation: `history/<YYYY-MM-DD>.html` holds
the incidents that began that day (in the team's zone; at organisation size about 15, a hundred when
every one of 10,000 incidents falls in the 90 days), linked to the days with incidents before and
after it, and `history.html` shows the most recent incidents in full and lists every day by month with
its count. A month would hold hundreds of incidents at organisation size, a week a hundred; a day's URL
never changes as incidents arrive, so links in feeds and on the front page keep working.

Plain HTML with one inline style sheet: no script, no font, no image, nothing fetched from anywhere,
so it loads at once, works without JavaScript and can be served from any static host. States are
written out in words beside their colours (contrast at least 4.5:1); the day-by-day history bars are
decoration hidden from screen readers, whose users get the same facts as a sentence. Times are shown
in the team's zone with its abbreviation, inside `<time datetime>` elements.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from opsbook.handbook.models.catalogue import ComponentState
from opsbook.handbook.models.common import zone
from opsbook.status.view import Component, Incident, Maintenance, StatusView

STATE_WORDS = {
    ComponentState.OPERATIONAL: "Operational",
    ComponentState.MAINTENANCE: "Under maintenance",
    ComponentState.DEGRADED: "Degraded performance",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}

_CSS = """
:root{color-scheme:light;--ink:#1b1b1b;--muted:#4a4a4a;--line:#c9c9c9}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.5rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.25rem;margin:2rem 0 .75rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1.05rem;margin:0 0 .25rem}
a{color:#0b4fa8}
a:focus-visible{outline:3px solid #0b4fa8;outline-offset:2px}
ul.plain{list-style:none;margin:0;padding:0}
.overall{padding:.75rem 1rem;border-radius:.4rem;font-weight:600}
.component{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;padding:.6rem 0;border-bottom:1px solid var(--line)}
.state{font-weight:600;padding:0 .4rem;border-radius:.3rem}
.s-operational{color:#0b5d27;background:#e3f2e8}
.s-under-maintenance{color:#123f80;background:#e6eefb}
.s-degraded-performance{color:#6b4200;background:#fdf1dc}
.s-partial-outage{color:#8a3000;background:#fde8dc}
.s-major-outage{color:#9b1111;background:#fbe4e4}
.s-cancelled{color:#3a3a3a;background:#ececec}
.days{display:grid;grid-template-columns:repeat(var(--n),1fr);gap:1px;height:1.5rem;margin:.4rem 0 .1rem;padding:0;list-style:none;width:100%}
.days li{border-radius:1px}
.days li.s-operational{background:#2e8b57}
.days li.s-degraded-performance{background:#d08a00}
.days li.s-partial-outage{background:#d9541e}
.days li.s-major-outage{background:#c0392b}
.days li.s-under-maintenance{background:#3b6fc4}
.history{flex-basis:100%}
.note{color:var(--muted);font-size:.9rem;margin:0}
article{border:1px solid var(--line);border-radius:.4rem;padding:.75rem 1rem;margin:0 0 1rem}
ol.updates{list-style:none;margin:.5rem 0 0;padding:0}
ol.updates li{margin:0 0 .6rem}
.pager{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;list-style:none;margin:1rem 0;padding:0}
.label{font-weight:600;text-transform:capitalize}
footer{margin-top:2rem;padding-bottom:2rem;color:var(--muted);font-size:.9rem}
"""


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # as %b in C


def _day_and_clock(local: dt.datetime) -> str:
    return f"{local.day} {_MONTHS[local.month]} {local.year}, {local.hour:02d}:{local.minute:02d}"


def local_time(moment: dt.datetime, tz) -> str:
    """A moment as the page writes it in `tz`: `8 Dec 2026, 06:00 CET`."""
    local = moment.astimezone(tz)
    return f"{_day_and_clock(local)} {local.tzname()}"


def local_span(start: dt.datetime, end: dt.datetime, tz) -> str:
    """`8 Dec 2026, 06:00–06:30 CET`; both ends in full when their day or their zone's name differs."""
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() != last.date() or first.tzname() != last.tzname():
        return f"{local_time(start, tz)} to {local_time(end, tz)}"
    return f"{_day_and_clock(first)}–{last.hour:02d}:{last.minute:02d} {last.tzname()}"


def _clock(tz):
    """A function writing a moment as a `<time>` element in `tz`, remembering each moment it wrote:
    an active incident's updates are on the front page and in the history."""
    written: dict[dt.datetime, str] = {}

    def when(moment: dt.datetime) -> str:
        text = written.get(moment)
        if text is None:
            stamp = moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")[:19] + "Z"
            text = written[moment] = f'<time datetime="{stamp}">{local_time(moment, tz)}</time>'
        return text

    return when


def _state(state: ComponentState) -> str:
    return f'<span class="state s-{state.value}">{STATE_WORDS[state]}</span>'


def _document(view: StatusView, title: str, body: list[str], up: str = "") -> bytes:
    """A page of the status site; `up` leads from the page's folder back to the site's (`../` in history/)."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f'<link rel="alternate" type="application/atom+xml" title="{escape(view.name)}: incidents and maintenance" '
        f'href="{up}feed.atom">',
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f'<header><p><a href="{up}index.html">{escape(view.name)}</a></p></header>',
        '<main id="main">',
    ]
    tail = ["</main>", "<footer>", f'<p>Subscribe: <a href="{up}feed.atom">incidents and maintenance (Atom)</a>, '
            f'<a href="{up}maintenance.ics">maintenance (calendar)</a>; each component has its own feed below its '
            "name.</p>",
            f"<p>Updated {_clock(dt.timezone.utc)(view.now)}.</p>", "</footer>", "</body>", "</html>", ""]
    return "\n".join(head + body + tail).encode("utf-8")


def render_index(view: StatusView) -> bytes:
    """The front page: overall state, components, active incidents, upcoming maintenance, history."""
    when = _clock(zone(view.timezone))
    worst = max((c.state for c in view.components), key=lambda s: s.rank, default=ComponentState.OPERATIONAL)
    overall = ("All systems operational" if worst is ComponentState.OPERATIONAL else
               f"{len(view.active) or 'No'} active incident{'s' if len(view.active) != 1 else ''}"
               if worst is not ComponentState.MAINTENANCE else "Maintenance in progress")
    body = [f"<h1>{escape(view.name)}</h1>", f'<p class="overall s-{worst.value}" role="status">{overall}</p>']
    body += ['<section aria-labelledby="active-h">', '<h2 id="active-h">Active incidents</h2>']
    body += [_incident(view, incident, when, "h3") for incident in view.active] or ['<p>No active incidents.</p>']
    body += ["</section>", '<section aria-labelledby="components-h">', '<h2 id="components-h">Components</h2>',
             f'<p class="note">Each bar shows the last {len(view.days)} days, oldest on the left.</p>',
             '<ul class="plain">']
    body += [_component(view, component) for component in view.components]
    body += ["</ul>", "</section>", '<section aria-labelledby="maintenance-h">',
             '<h2 id="maintenance-h">Scheduled maintenance</h2>']
    body += [_maintenance(view, window, when) for window in view.upcoming] or ["<p>None scheduled.</p>"]
    body += ["</section>", '<section aria-labelledby="past-h">', '<h2 id="past-h">Recent incidents</h2>']
    recent = view.resolved[:10]
    body += ([_summary_line(view, incident, when) for incident in recent]
             or [f"<p>No incidents in the last {len(view.days)} days.</p>"])
    body += [f'<p><a href="history.html">All incidents of the last {len(view.days)} days</a></p>', "</section>"]
    return _document(view, view.name, body)


RECENT = 25  # incidents history.html shows in full: the most recent days' (whole days, at least one)


def day_page(day: dt.date) -> str:
    """Where the history page of one day's incidents is, relative to the status page."""
    return f"history/{day.isoformat()}.html"


def incident_link(view: StatusView, incident: Incident) -> str:
    """The incident on its day's history page, relative to the status page: a link that stays valid."""
    return f"{day_page(incident.began.astimezone(zone(view.timezone)).date())}#incident-{incident.key}"


def history_days(view: StatusView) -> dict[dt.date, list[Incident]]:
    """The view's incidents by the day they began in the team's zone, newest day and incident first."""
    tz = zone(view.timezone)
    days: dict[dt.date, list[Incident]] = {}
    for incident in view.incidents:  # newest first already
        days.setdefault(incident.began.astimezone(tz).date(), []).append(incident)
    return days


def render_history(view: StatusView) -> dict[str, bytes]:
    """`history.html` and one page per day with incidents, by path: every incident of the history
    window with its updates and, once resolved, its summary."""
    when = _clock(zone(view.timezone))
    days = history_days(view)
    ordered = list(days)  # newest first
    pages = {"history.html": _history_front(view, days, when)}
    for n, day in enumerate(ordered):
        later = ordered[n - 1] if n > 0 else None
        earlier = ordered[n + 1] if n + 1 < len(ordered) else None
        pages[day_page(day)] = _history_day(view, day, days[day], earlier, later, when)
    return pages


def _day_words(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _count(n: int) -> str:
    return f"{n} incident{'s' if n != 1 else ''}"


def _history_front(view: StatusView, days: dict[dt.date, list[Incident]], when) -> bytes:
    total = sum(len(incidents) for incidents in days.values())
    body = ["<h1>Incident history</h1>"]
    if not days:
        body.append(f"<p>No incidents in the last {len(view.days)} days.</p>")
        return _document(view, f"Incident history: {view.name}", body)
    body.append(f"<p>{_count(total)} in the last {len(view.days)} days, newest first. The most recent are below; "
                "each day with incidents has a page of its own, listed by month under “All days”.</p>")
    recent: list[Incident] = []
    for incidents in days.values():
        if recent and len(recent) + len(incidents) > RECENT:
            break
        recent += incidents
    body += ['<section aria-labelledby="recent-h">', '<h2 id="recent-h">Most recent</h2>']
    body += [_incident(view, incident, when, "h3") for incident in recent]
    body += ["</section>", '<nav aria-labelledby="days-h">', '<h2 id="days-h">All days</h2>']
    months: dict[tuple[int, int], list[dt.date]] = {}
    for day in days:
        months.setdefault((day.year, day.month), []).append(day)
    for (year, month), in_month in months.items():
        body += [f"<h3>{in_month[0]:%B} {year} ({_count(sum(len(days[day]) for day in in_month))})</h3>",
                 '<ul class="plain">']
        body += [f'<li><a href="{day_page(day)}">{_day_words(day)}</a> ({_count(len(days[day]))})</li>'
                 for day in in_month]
        body.append("</ul>")
    body.append("</nav>")
    return _document(view, f"Incident history: {view.name}", body)


def _history_day(view: StatusView, day: dt.date, incidents: list[Incident], earlier: dt.date | None,
                 later: dt.date | None, when) -> bytes:
    """One day's incidents, with links to the days with incidents before and after it."""
    def pager(label: str) -> str:
        links = []
        if earlier is not None:
            links.append(f'<li><a href="{earlier.isoformat()}.html" rel="prev">Earlier: {_day_words(earlier)}</a>'
                         "</li>")
        links.append('<li><a href="../history.html">All days</a></li>')
        if later is not None:
            links.append(f'<li><a href="{later.isoformat()}.html" rel="next">Later: {_day_words(later)}</a></li>')
        return f'<nav aria-label="{label}"><ul class="pager">{"".join(links)}</ul></nav>'

    body = [f"<h1>Incidents on {_day_words(day)}</h1>", pager("Other days"),
            f"<p>{_count(len(incidents))} began this day, newest first.</p>"]
    body += [_incident(view, incident, when, "h2") for incident in incidents]
    body.append(pager("Other days, end of page"))
    return _document(view, f"Incidents on {_day_words(day)}: {view.name}", body, up="../")


def _component(view: StatusView, component: Component) -> str:
    bad = [(day, state) for day, state in zip(view.days, component.history) if state is not ComponentState.OPERATIONAL]
    if bad:
        worst_day, worst = max(bad, key=lambda item: (item[1].rank, item[0]))
        said = (f"Incidents on {len(bad)} of the last {len(view.days)} days; the worst: "
                f"{STATE_WORDS[worst].lower()} on {worst_day.day} {worst_day:%B %Y}.")
    else:
        said = f"No incidents in the last {len(view.days)} days."
    cells = "".join(f'<li class="s-{state.value}"></li>' for state in component.history)
    return (f'<li class="component"><span><strong>{escape(component.name)}</strong> '
            f'<a class="note" href="components/{component.id}.atom">feed</a></span>{_state(component.state)}'
            f'<div class="history"><ol class="days" aria-hidden="true" style="--n:{len(component.history)}">{cells}</ol>'
            f'<p class="note">{said}</p></div></li>')


def _incident(view: StatusView, incident: Incident, when, heading: str) -> str:
    names = escape(view.component_names(incident.components))
    parts = [f'<article id="incident-{incident.key}" aria-labelledby="t-{incident.key}">',
             f'<{heading} id="t-{incident.key}">{escape(incident.title)}</{heading}>',
             f'<p class="note">Affects {names}. Began {when(incident.began)}'
             + (f"; resolved {when(incident.updated)}" if not incident.active else "") + ".</p>"]
    if incident.summary and not incident.active:
        parts.append(f"<p>{escape(incident.summary)}</p>")
    parts.append('<ol class="updates" reversed>')
    for update in reversed(incident.updates):
        parts.append(f'<li><span class="label">{update.state.value}</span> · {when(update.at)}'
                     f"<br>{escape(update.message)}</li>")
    parts += ["</ol>", "</article>"]
    return "\n".join(parts)


def _summary_line(view: StatusView, incident: Incident, when) -> str:
    return (f'<p><a href="{incident_link(view, incident)}">{escape(incident.title)}</a> '
            f'<span class="note">· resolved {when(incident.updated)}</span></p>')


def _maintenance(view: StatusView, window: Maintenance, when) -> str:
    names = escape(view.component_names(window.components))
    status = "Cancelled" if window.cancelled else ("In progress" if window.start <= view.now else "Scheduled")
    return (f'<article id="maintenance-{window.id}"><h3>{escape(window.title)} '
            f'<span class="state {"s-cancelled" if window.cancelled else "s-under-maintenance"}">{status}</span></h3>'
            f'<p class="note">{names}: {when(window.start)} to {when(window.end)}.</p>'
            f"<p>{escape(window.message)}</p></article>")
