"""The status page and its feeds, built from a copy of the example with a live incident in it.

The incident is opened and updated with the same functions `ops incident open` and `ops incident
update` run, at fixed moments; the feeds are read back with feedparser (Atom) and icalendar and vobject
(maintenance), and the HTML is checked for anything it would fetch.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import icalendar
import pytest
import vobject
from conftest import NOW
from opsbook.cli import main
from opsbook.validation import load_handbook
from opsbook.incident.public import post_update
from opsbook.incident.workflow import log_event, open_incident
from opsbook.status.build import render_status, write_status

UTC = dt.timezone.utc
ATOM = "{http://www.w3.org/2005/Atom}"
OPENED = NOW - dt.timedelta(hours=2)


def _at(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def live(handbook_copy: Path) -> tuple[Path, str]:
    """The example handbook with a SEV-1 checkout incident: opened, two public updates, not resolved."""
    event = open_incident(handbook_copy, title="Checkout down after key rotation", severity="SEV-1",
                          category="commerce", at=_at(OPENED), message="Alert: checkout_success_rate 0.41",
                          now=NOW)
    post_update(handbook_copy, event.incident_id, state="investigating", from_runbook="status-page",
                at=_at(OPENED + dt.timedelta(minutes=10)), now=NOW)
    post_update(handbook_copy, event.incident_id, state="identified", message="We found the cause and are fixing it.",
                at=_at(OPENED + dt.timedelta(minutes=30)), now=NOW)
    return handbook_copy, event.incident_id


def _render(root: Path, now: dt.datetime = NOW):
    return render_status(load_handbook(root, now), now)


def test_components_show_the_active_incident_by_severity(live):
    view, _ = _render(live[0])
    states = {component.name: component.state.value for component in view.components}
    # The incident names checkout and mcp-server (its public services); SEV-1 is a major outage.
    assert states == {"Checkout and payments": "major-outage", "Gift suggestions": "operational",
                      "GiftGenius in ChatGPT": "major-outage"}
    assert [incident.state.value for incident in view.active] == ["identified"]
    assert view.active[0].title == "Problem with Checkout and payments, GiftGenius in ChatGPT"


def test_monitoring_lowers_the_state_and_resolved_clears_it(live):
    root, incident_id = live
    later = NOW + dt.timedelta(hours=1)
    post_update(root, incident_id, state="monitoring", message="Payments work again; we are watching.",
                at=_at(NOW - dt.timedelta(minutes=20)), now=later)
    view, _ = _render(root, later)
    assert {c.id: c.state.value for c in view.components}["checkout"] == "degraded-performance"
    log_event(root, incident_id, "resolved", "key restored", at=_at(NOW - dt.timedelta(minutes=10)), now=later)
    post_update(root, incident_id, state="resolved", message="Payments work normally.", at=_at(NOW), now=later)
    view, _ = _render(root, later)
    assert {c.id: c.state.value for c in view.components}["checkout"] == "operational"
    assert view.active == [] and len(view.resolved) == 2  # this one and the example's November incident
    today = view.components[0].history[-1]
    assert {c.id: c.history[-1].value for c in view.components}["checkout"] == "major-outage"
    assert today is not None


def test_atom_feeds_parse_without_bozo_and_have_rfc_4287_required_elements(live):
    _, output = _render(live[0])
    feeds = {path: data for path, data in output.items() if path.endswith(".atom")}
    assert sorted(feeds) == ["components/checkout.atom", "components/gift-search.atom",
                             "components/mcp-server.atom", "feed.atom"]
    for path, data in feeds.items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        root = ET.fromstring(data)
        for name in ("id", "title", "updated"):
            assert root.find(ATOM + name) is not None and root.find(ATOM + name).text, (path, name)
        assert root.find(f"{ATOM}author/{ATOM}name").text == "GiftGenius status"
        assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/status/" + path)
        ids = [entry.find(ATOM + "id").text for entry in root.findall(ATOM + "entry")]
        assert len(ids) == len(set(ids))
        for entry in root.findall(ATOM + "entry"):
            for name in ("id", "title", "updated"):
                assert entry.find(ATOM + name).text, (path, name)
            assert entry.find(f"{ATOM}link[@rel='alternate']") is not None or entry.find(ATOM + "content") is not None
    whole = feedparser.parse(feeds["feed.atom"])
    # Newest `updated` first: the two windows, first shown by this build (as of NOW), then the incidents.
    assert [entry.title for entry in whole.entries] == [
        "Planned maintenance: Gift search index rebuild, 3 Dec 2026, 05:00–06:00 CET (cancelled)",
        "Planned maintenance: Payment provider upgrade, 8 Dec 2026, 06:00–06:30 CET (scheduled)",
        "Problem with Checkout and payments, GiftGenius in ChatGPT (identified)",
        "Errors when using GiftGenius in ChatGPT (resolved)"]
    assert [entry.updated for entry in whole.entries] == [
        "2026-11-26T12:00:00Z", "2026-11-26T12:00:00Z", "2026-11-26T10:30:00Z", "2026-11-23T14:45:00Z"]
    assert whole.feed.updated == "2026-11-26T12:00:00Z"
    assert whole.entries[2].summary == "We found the cause and are fixing it."
    assert whole.entries[2].link.startswith("https://giftgenius.github.io/handbook/status/history/2026-11-26.html#incident-")
    rebuild, upgrade = whole.entries[:2]
    assert upgrade.id.startswith("urn:uuid:") and upgrade.link.endswith("/status/#maintenance-checkout-stripe-api-2026-12")
    assert upgrade.summary.startswith("Checkout may be unavailable for up to ten minutes")
    assert "Planned maintenance of Checkout and payments, 8 Dec 2026, 06:00–06:30 CET." in upgrade.content[0].value
    assert rebuild.summary == ("Cancelled: this maintenance will not take place. "
                               "Gift suggestions may be slower than usual for up to an hour.")
    # A component's feed has the windows that affect it, and only those.
    titles = {path: [entry.title for entry in feedparser.parse(data).entries] for path, data in feeds.items()}
    assert titles["components/gift-search.atom"] == [rebuild.title]
    assert titles["components/checkout.atom"] == [upgrade.title, whole.entries[2].title]
    assert not any(title.startswith("Planned") for title in titles["components/mcp-server.atom"])


def test_entry_ids_are_stable_as_updates_arrive_and_builds_are_identical(live):
    root, incident_id = live
    _, first = _render(root)
    _, again = _render(root)
    assert first == again
    later = NOW + dt.timedelta(minutes=30)
    post_update(root, incident_id, state="monitoring", message="Payments work again; we are watching.",
                at=_at(NOW + dt.timedelta(minutes=5)), now=later)
    _, after = _render(root, later)
    before_ids = [e.id for e in feedparser.parse(first["feed.atom"]).entries if e.id.startswith("tag:")]
    after_entries = [e for e in feedparser.parse(after["feed.atom"]).entries if e.id.startswith("tag:")]
    assert [e.id for e in after_entries] == before_ids
    assert before_ids[0].startswith("tag:giftgenius.github.io,2026-11-26:incident/2026-11-26-")
    assert after_entries[0].updated == "2026-11-26T12:05:00Z"


def test_maintenance_calendar_has_stable_uids_cancellations_and_its_timezone():
    from conftest import REPO

    _, output = _render(REPO)
    data = output["maintenance.ics"]
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(data)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    # The status page's address without its scheme: another team's page on the same Pages host has its own.
    assert sorted(events) == ["maintenance/checkout-stripe-api-2026-12@giftgenius.github.io/handbook/status",
                              "maintenance/search-index-rebuild-2026-12@giftgenius.github.io/handbook/status"]
    cancelled = events["maintenance/search-index-rebuild-2026-12@giftgenius.github.io/handbook/status"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    upgrade = events["maintenance/checkout-stripe-api-2026-12@giftgenius.github.io/handbook/status"]
    assert str(upgrade["STATUS"]) == "CONFIRMED"
    assert upgrade["DTSTART"].dt == dt.datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
    assert upgrade["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    parsed = vobject.readOne(data.decode("utf-8"))
    assert len(parsed.vevent_list) == 2


class _Resources(html.parser.HTMLParser):
    """Every URL an HTML page would load or link to, and whether it has a script."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value is not None:
                self.urls.append((tag, name, value))
            if name == "style" and "url(" in (value or ""):
                self.urls.append((tag, name, value))


def test_pages_load_nothing_from_anywhere_and_have_no_script(live):
    _, output = _render(live[0])
    pages = sorted(path for path in output if path.endswith(".html"))
    assert pages == ["history.html", "history/2026-11-22.html", "history/2026-11-26.html", "index.html"]
    for path in pages:
        page = output[path].decode("utf-8")
        parser = _Resources()
        parser.feed(page)
        assert parser.scripts == 0
        assert "url(" not in page and "@import" not in page
        assert all(not value.startswith(("http:", "https:", "//")) for _, _, value in parser.urls), parser.urls
        assert '<html lang="en">' in page and '<meta name="viewport"' in page


def test_ops_status_build_writes_the_folder_and_refuses_a_broken_handbook(live, tmp_path, capsys):
    root, _ = live
    out = tmp_path / "status"
    built = write_status(load_handbook(root, NOW), out, NOW)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(built.files)
    (root / "ops" / "maintenance.yaml").write_text("windows:\n  - id: x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["status", "build", "--root", str(root), "--out", str(out), "--as-of", "2026-11-26T12:00:00+00:00"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert "ops/maintenance.yaml:2:5: error: windows[0].title: required key `title` is missing" in err
    assert err[-1] == "✗ 5 errors, 0 warnings; the status page was not built"  # title, start, end, components, message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(built.files)


GOLDEN = Path(__file__).parent / "golden" / "status"


@pytest.mark.parametrize("name", ["index.html", "history.html", "history/2026-11-22.html", "feed.atom",
                                  "components/mcp-server.atom",
                                  "maintenance.ics"])
def test_the_example_status_page_matches_its_golden_files(name):
    """Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff before committing."""
    import os
    from conftest import REPO

    _, output = _render(REPO)
    path = GOLDEN / name.replace("/", "-")
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(output[name])
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    assert output[name] == path.read_bytes(), f"{name} differs from its golden file"


def test_a_moved_or_cancelled_window_keeps_its_uid_and_raises_its_sequence(handbook_copy, tmp_path):
    out = tmp_path / "status"

    def build() -> dict[str, icalendar.Event]:
        write_status(load_handbook(handbook_copy, NOW), out, NOW)
        events = icalendar.Calendar.from_ical((out / "maintenance.ics").read_bytes()).walk("VEVENT")
        return {str(event["UID"]).split("@")[0]: event for event in events}

    upgrade = "maintenance/checkout-stripe-api-2026-12"
    assert int(build()[upgrade]["SEQUENCE"]) == 0
    assert int(build()[upgrade]["SEQUENCE"]) == 0  # an unchanged window keeps its number
    path = handbook_copy / "ops" / "maintenance.yaml"
    path.write_text(path.read_text().replace("2026-12-08T06:", "2026-12-09T06:"), encoding="utf-8")
    moved = build()[upgrade]
    assert int(moved["SEQUENCE"]) == 1 and moved["DTSTART"].dt.date() == dt.date(2026, 12, 9)
    text = path.read_text()
    path.write_text(text.replace("provider. Gift suggestions keep working; saved gifts stay in your list.\n",
                                 "provider. Gift suggestions keep working; saved gifts stay in your list.\n"
                                 "    status: cancelled\n"), encoding="utf-8")
    cancelled = build()[upgrade]
    assert (int(cancelled["SEQUENCE"]), str(cancelled["STATUS"])) == (2, "CANCELLED")


def _atom_entry(output: dict[str, bytes], path: str, title_start: str):
    return next(e for e in feedparser.parse(output[path]).entries if e.title.startswith(title_start))


def test_a_changed_window_keeps_its_entry_id_and_shows_again_in_the_feeds(handbook_copy, tmp_path):
    out = tmp_path / "status"
    path = handbook_copy / "ops" / "maintenance.yaml"

    def build(now: dt.datetime):
        built = write_status(load_handbook(handbook_copy, now), out, now)
        event = next(e for e in icalendar.Calendar.from_ical(built.files["maintenance.ics"]).walk("VEVENT")
                     if "checkout-stripe-api" in str(e["UID"]))
        return (_atom_entry(built.files, "feed.atom", "Planned maintenance: Payment provider upgrade"),
                _atom_entry(built.files, "components/checkout.atom", "Planned maintenance: Payment"), event)

    first, in_component, event = build(NOW)
    assert (first.updated, in_component.id) == ("2026-11-26T12:00:00Z", first.id)
    assert event["LAST-MODIFIED"].dt == NOW
    unchanged, _, event = build(NOW + dt.timedelta(hours=1))  # a later build of the same window: no news
    assert (unchanged.id, unchanged.updated, int(event["SEQUENCE"])) == (first.id, "2026-11-26T12:00:00Z", 0)
    path.write_text(path.read_text().replace("up to ten minutes", "up to twenty minutes"), encoding="utf-8")
    reworded, _, event = build(NOW + dt.timedelta(hours=2))
    assert (reworded.id, reworded.updated, int(event["SEQUENCE"])) == (first.id, "2026-11-26T14:00:00Z", 0)
    assert "up to twenty minutes" in reworded.summary
    path.write_text(path.read_text().replace("2026-12-08T06:", "2026-12-09T06:"), encoding="utf-8")
    moved, _, event = build(NOW + dt.timedelta(hours=3))
    assert (moved.id, moved.updated, int(event["SEQUENCE"])) == (first.id, "2026-11-26T15:00:00Z", 1)
    assert moved.title == "Planned maintenance: Payment provider upgrade, 9 Dec 2026, 06:00–06:30 CET (scheduled)"
    started = dt.datetime(2026, 12, 9, 5, 10, tzinfo=UTC)
    running, _, _ = build(started)
    assert running.title.endswith("(in progress)") and running.updated == "2026-12-09T05:00:00Z"
    over, _, _ = build(started + dt.timedelta(hours=1))
    assert over.title.endswith("(completed)") and over.updated == "2026-12-09T05:30:00Z"
    assert over.link == "https://giftgenius.github.io/handbook/status/"  # the front page no longer lists it


def _links(page: str) -> tuple[list[str], set[str]]:
    """The page's links and the ids of its elements."""
    parser = _Resources()
    ids: set[str] = set()
    parser.handle_startendtag = parser.handle_starttag
    original = parser.handle_starttag

    def starttag(tag, attrs):
        ids.update(value for name, value in attrs if name == "id")
        original(tag, attrs)

    parser.handle_starttag = starttag
    parser.feed(page)
    return [value for tag, name, value in parser.urls if tag == "a" and name == "href"], ids


def test_history_is_split_by_day_with_links_that_all_lead_somewhere():
    """Many incidents: history.html shows whole recent days up to 25 incidents and lists every day by month;
    each day's page holds only that day's, links to the days before and after, and every link resolves."""
    import dataclasses
    import posixpath

    from conftest import REPO
    from opsbook.handbook.models.postmortem import PublicState
    from opsbook.status.page import render_history
    from opsbook.status.view import Incident, Update

    view, _ = _render(REPO)
    incidents = []
    for day in range(40):  # 12 on each day with incidents, every third day from 26 November back
        for n in range(12):
            began = dt.datetime(2026, 11, 26, 8, tzinfo=UTC) - dt.timedelta(days=3 * day, minutes=n)
            incidents.append(Incident(f"k{day}-{n}", f"Incident {day}-{n}", ("checkout",),
                                      (Update(began, PublicState.INVESTIGATING, "Looking."),
                                       Update(began + dt.timedelta(minutes=30), PublicState.RESOLVED, "Fixed.")),
                                      None, view.components[0].state))
    output = {**render_history(dataclasses.replace(view, incidents=tuple(incidents))), "index.html": b"",
              "feed.atom": b"", "maintenance.ics": b""}
    pages = {path: data.decode("utf-8") for path, data in output.items() if path.startswith("history")}
    assert len(pages) == 41 and "history/2026-11-26.html" in pages and "history/2026-08-01.html" in pages
    assert max(page.count("<article") for page in pages.values()) == 24  # two whole days on history.html
    assert pages["history/2026-11-23.html"].count("<article") == 12
    assert pages["history.html"].count("<article") == 24
    assert "<h3>November 2026 (108 incidents)</h3>" in pages["history.html"]
    assert '<a href="history/2026-11-23.html">23 November 2026</a> (12 incidents)' in pages["history.html"]
    day = pages["history/2026-11-23.html"]
    assert '<a href="2026-11-20.html" rel="prev">Earlier: 20 November 2026</a>' in day
    assert '<a href="2026-11-26.html" rel="next">Later: 26 November 2026</a>' in day
    assert "rel=\"next\"" not in pages["history/2026-11-26.html"] and "rel=\"prev\"" not in pages["history/2026-08-01.html"]
    for path, page in pages.items():
        links, _ = _links(page)
        for link in links:
            target, _, fragment = posixpath.normpath(posixpath.join(posixpath.dirname(path), link)).partition("#")
            assert target in output, (path, link)
            if fragment:
                assert fragment in _links(pages[target])[1], (path, link)
