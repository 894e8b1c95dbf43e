"""The status page's HTML: `index.html` (now, what is coming, 90 days per component) and `history.html`.

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
.label{font-weight:600;text-transform:capitalize}
footer{margin-top:2rem;padding-bottom:2rem;color:var(--muted);font-size:.9rem}
"""


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # as %b in C


def _clock(tz):
    """A function writing a moment as a `<time>` element in `tz`, remembering each moment it wrote:
    an active incident's updates are on the front page and in the history."""
    written: dict[dt.datetime, str] = {}

    def when(moment: dt.datetime) -> str:
        text = written.get(moment)
        if text is None:
            local = moment.astimezone(tz)
            stamp = moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")[:19] + "Z"
            text = written[moment] = (f'<time datetime="{stamp}">{local.day} {_MONTHS[local.month]} {local.year}, '
                                      f"{local.hour:02d}:{local.minute:02d} {local.tzname()}</time>")
        return text

    return when


def _state(state: ComponentState) -> str:
    return f'<span class="state s-{state.value}">{STATE_WORDS[state]}</span>'


def _document(view: StatusView, title: str, body: list[str]) -> bytes:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f'<link rel="alternate" type="application/atom+xml" title="{escape(view.name)}: incidents" href="feed.atom">',
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f'<header><p><a href="index.html">{escape(view.name)}</a></p></header>',
        '<main id="main">',
    ]
    tail = ["</main>", "<footer>", '<p>Subscribe: <a href="feed.atom">incidents (Atom)</a>, '
            '<a href="maintenance.ics">maintenance (calendar)</a>; each component has its own feed below its name.</p>',
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
    body += [_summary_line(incident, when) for incident in recent] or [f"<p>No incidents in the last {len(view.days)} days.</p>"]
    body += [f'<p><a href="history.html">All incidents of the last {len(view.days)} days</a></p>', "</section>"]
    return _document(view, view.name, body)


def render_history(view: StatusView) -> bytes:
    """Every incident of the history window with its updates and, once resolved, its summary."""
    when = _clock(zone(view.timezone))
    body = ["<h1>Incident history</h1>", f"<p>Incidents of the last {len(view.days)} days, newest first.</p>"]
    body += [_incident(view, incident, when, "h2") for incident in view.incidents] or ["<p>No incidents.</p>"]
    return _document(view, f"Incident history: {view.name}", body)


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


def _summary_line(incident: Incident, when) -> str:
    return (f'<p><a href="history.html#incident-{incident.key}">{escape(incident.title)}</a> '
            f'<span class="note">· resolved {when(incident.updated)}</span></p>')


def _maintenance(view: StatusView, window: Maintenance, when) -> str:
    names = escape(view.component_names(window.components))
    status = "Cancelled" if window.cancelled else ("In progress" if window.start <= view.now else "Scheduled")
    return (f'<article id="maintenance-{window.id}"><h3>{escape(window.title)} '
            f'<span class="state {"s-cancelled" if window.cancelled else "s-under-maintenance"}">{status}</span></h3>'
            f'<p class="note">{names}: {when(window.start)} to {when(window.end)}.</p>'
            f"<p>{escape(window.message)}</p></article>")
