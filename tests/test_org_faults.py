"""Another team's site is input from outside: garbage, an unknown major version, a file too large, HTML
in its titles and links that are not http(s) must each end as a clear line, never on the page as markup."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.org import fetch, kept
from opsbook.org.config import DEFAULT_CRITERIA, TeamEntry
from opsbook.org.export import render_export
from opsbook.org.merge import merge_search
from opsbook.org.pages import render_pages
from opsbook.org.catalogue import render_catalogue
from opsbook.org.view import build_view
from test_org_build import serving

TODAY = NOW.date()


@pytest.fixture(scope="module")
def export_bytes() -> bytes:
    return render_export(load_handbook(REPO, NOW), NOW)


def _team(team_id: str, url: str) -> TeamEntry:
    return TeamEntry(id=team_id, name=team_id.title(), site_url=url)


def _answers(team: TeamEntry, max_bytes: int = 1_000_000, kept_copy=None):
    requests = fetch.plan([team], kept.validators({team.id: kept_copy} if kept_copy else {}))
    return {r.path: r for r in fetch.apply(requests, timeout=2, max_bytes=max_bytes, concurrency=5)}


@pytest.mark.parametrize("content, reason", [
    (b"<html>Moved</html>", "opsbook.json is not JSON"),
    (b"[1, 2]", "opsbook.json is not a JSON object"),
    (json.dumps({"schema_version": "2.0"}).encode(), "opsbook.json has schema_version '2.0'; this toolkit reads 1.x"),
    (json.dumps({"schema_version": "1.3", "name": "x"}).encode(), "opsbook.json is not an export: as_of: Field required"),
])
def test_a_team_publishing_what_cannot_be_read_is_not_reachable_with_the_reason(tmp_path, content, reason):
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "opsbook.json").write_bytes(content)
    with serving(tmp_path) as (server, _):
        team = _team("odd", f"http://127.0.0.1:{server.server_port}/odd/")
        copy = kept.settle(team, _answers(team), None, TODAY)
    assert (copy.state, copy.export) == (kept.UNREACHABLE, None)
    assert copy.reason.startswith(reason)


def test_an_export_over_max_bytes_is_refused_and_the_kept_copy_shown_stale(tmp_path, export_bytes):
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "opsbook.json").write_bytes(export_bytes)
    before = kept.Kept(dt.date(2026, 11, 20), {"opsbook.json": export_bytes}, {"opsbook.json": {}})
    with serving(tmp_path) as (server, _):
        team = _team("big", f"http://127.0.0.1:{server.server_port}/big/")
        copy = kept.settle(team, _answers(team, max_bytes=len(export_bytes) - 1), before, TODAY)
        fresh = kept.settle(team, _answers(team, max_bytes=len(export_bytes)), before, TODAY)
    assert copy.state == kept.STALE and copy.read_on == dt.date(2026, 11, 20)
    assert "over max_bytes" in copy.reason and "refused" in copy.reason
    assert fresh.state == kept.READ and fresh.read_on == TODAY


def _hostile(export_bytes: bytes) -> kept.TeamCopy:
    data = json.loads(export_bytes)
    data["incidents"][0]["title"] = "<script>alert('incident')</script>"
    data["incidents"][0]["url"] = "javascript:alert('url')"
    data["rotations"][0]["url"] = "javascript:alert('rotation')"
    data["links"]["status_page"] = "javascript:alert('status')"
    data["services"][0]["name"] = "<img src=x onerror=alert('service')>"
    data["people"][0]["name"] = "<b>Maya</b>"
    team = _team("evil", "https://acme.github.io/evil/")
    export, _ = kept.check_export(json.dumps(data).encode())
    search = {"config": {}, "docs": [{"location": "runbooks/rb-x/", "title": "<script>alert('search')</script>",
                                      "text": "<img src=x onerror=alert('text')>"},
                                     {"location": "javascript:alert('loc')", "title": "x", "text": ""}]}
    files = {"opsbook.json": json.dumps(data).encode(), "search/search_index.json": json.dumps(search).encode()}
    return kept.TeamCopy(team, kept.READ, TODAY, None, (), export, files, {})


def test_every_text_from_a_team_is_escaped_and_only_http_links_are_kept(export_bytes):
    copy = _hostile(export_bytes)
    config = type("Config", (), {"name": "Acme", "site_url": "https://acme.github.io/org/",
                                 "scorecard": DEFAULT_CRITERIA})
    view = build_view(config, [copy], dt.datetime(2026, 11, 26, 23, tzinfo=dt.timezone.utc))
    pages = "\n".join(render_pages(view, DEFAULT_CRITERIA).values())
    assert "&lt;script&gt;alert(&#x27;incident&#x27;)&lt;/script&gt;" in pages
    assert "&lt;img src=x onerror=alert(&#x27;service&#x27;)&gt;" in pages
    assert "<script" not in pages and "<img" not in pages and "<b>" not in pages
    assert "javascript:" not in pages
    catalogue = render_catalogue(copy)
    assert "javascript:" not in catalogue and "https://acme.github.io/evil/" in catalogue
    own = json.dumps({"config": {}, "docs": []}).encode()
    merged, added, _ = merge_search(own, [copy], 1_000_000)
    docs = json.loads(merged)["docs"]
    assert added == 1 and docs[0]["location"] == "https://acme.github.io/evil/runbooks/rb-x/"
    assert "<" not in docs[0]["title"] + docs[0]["text"]  # Material shows these as HTML: no markup survives
    assert docs[0]["title"] == "Evil · alert('search')"


def test_the_search_index_stops_at_max_search_bytes_runbooks_first(export_bytes):
    copy = _hostile(export_bytes)
    docs = [{"location": f"postmortems/pm-{i}/", "title": f"Incident {i}", "text": "long " * 50} for i in range(50)]
    docs.append({"location": "runbooks/rb-late/", "title": "Late runbook", "text": "steps"})
    copy.files["search/search_index.json"] = json.dumps({"config": {}, "docs": docs}).encode()
    own = json.dumps({"config": {}, "docs": []}).encode()
    merged, added, left = merge_search(own, [copy], 600)
    assert len(merged) <= 600 and left > 0
    assert json.loads(merged)["docs"][0]["location"].endswith("runbooks/rb-late/")
    assert all(doc["text"] == "" for doc in json.loads(merged)["docs"][1:])  # post-mortems by title alone


def test_the_merged_feed_names_teams_exactly_and_leaves_out_what_is_not_a_calendar():
    import icalendar
    from opsbook.calendar import feed
    from opsbook.org.merge import merge_calendars

    handbook = load_handbook(REPO, NOW)
    own = feed.build_feeds(handbook, NOW)["feeds/handbook.ics"]
    name = "Zahlungsverkehr; Über-Team, Köln — Ödland " * 3  # commas, semicolons, UTF-8 past a fold
    good = TeamEntry(id="pay", name=name.strip(), site_url="https://acme.github.io/pay/")
    bad = TeamEntry(id="bad", name="Bad", site_url="https://acme.github.io/bad/")
    copies = [kept.TeamCopy(good, kept.READ, TODAY, None, (), None, {"feeds/handbook.ics": own}, {}),
              kept.TeamCopy(bad, kept.READ, TODAY, None, (), None,
                            {"feeds/handbook.ics": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
                             "feeds/oncall.ics": b"<html>not found</html>"}, {})]
    merged, problems = merge_calendars("Acme", copies)
    assert problems == ["Bad: feeds/handbook.ics is not an iCalendar file; left out",
                        "Bad: feeds/oncall.ics is not an iCalendar file; left out"]
    assert max(len(line) for line in merged.split(b"\r\n")) <= 75
    originals = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(own).walk("VEVENT")}
    events = icalendar.Calendar.from_ical(merged).walk("VEVENT")
    assert len(events) == len(originals) > 0
    for event in events:
        original = originals[str(event["UID"]).removeprefix("pay/")]
        assert str(event["SUMMARY"]) == f"{name.strip()}: {original['SUMMARY']}"
        assert str(event["DESCRIPTION"]) == str(original["DESCRIPTION"]) and event["DTSTART"].dt == original["DTSTART"].dt
    assert {str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(merged).walk("VTIMEZONE")} == \
        {str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(own).walk("VTIMEZONE")}
