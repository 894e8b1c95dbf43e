"""`ops org build` against real team handbooks: made with `ops init`, built with `ops build`, served by a
local web server below Pages-like paths (`http://127.0.0.1:PORT/<team>/`), with one team whose site
answers 500, one that answers too slowly, and one on a port where nothing listens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import http.server
import json
import socket
import threading
import time
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import yaml
from conftest import ops
from test_caldav import radicale  # noqa: F401 (fixture)

AS_OF = "2026-11-26"
TEAMS = ("payments", "search")
SERVER_LIFETIME = 600


class PagesHost(http.server.SimpleHTTPRequestHandler):
    """A static host as GitHub Pages is one: ETag and Last-Modified on every file, 304 for a copy that is
    still current; `failing` paths answer 500, `slow` ones answer after `delay` seconds. Every answer is
    recorded in `log` as (path, status)."""

    failing: set = set()
    slow: set = set()
    delay = 3.0
    log: list = []

    def log_message(self, *args) -> None:
        pass

    def _team(self) -> str:
        return self.path.split("/")[1]

    def send_response(self, code, message=None):
        self.log.append((self.path, code))
        super().send_response(code, message)

    def do_GET(self):
        if self._team() in self.slow:
            time.sleep(self.delay)
        if self._team() in self.failing:
            self.send_error(500)
            return
        path = Path(self.translate_path(self.path))
        if path.is_file():
            etag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._etag = etag
        super().do_GET()

    def end_headers(self):
        if getattr(self, "_etag", None):
            self.send_header("ETag", self._etag)
            self._etag = None
        super().end_headers()


@contextlib.contextmanager
def serving(folder: Path):
    handler = functools.partial(type("Host", (PagesHost,), {"failing": set(), "slow": set(), "log": []}),
                                directory=str(folder))
    server = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # a client that gave up on the slow team
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    timer = threading.Timer(SERVER_LIFETIME, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        yield server, handler.func
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _team_site(tmp: Path, served: Path, team: str, base: str) -> None:
    root = tmp / f"{team}-handbook"
    assert ops("init", str(root), "--team", team.title(), "--owner", f"{team}-lead").returncode == 0
    # `ops init` dates the handbook today (UTC); as of AS_OF, whatever day the test runs.
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yaml") and today in (text := path.read_text()):
            path.write_text(text.replace(today, "2026-11-02"))
    config = root / "opsbook.yaml"
    text = config.read_text()
    config.write_text("\n".join(f"site_url: {base}{team}/" if line.startswith("site_url:") else line
                                for line in text.splitlines()) + "\n")
    built = ops("build", "--root", str(root), "--site-dir", str(served / team), "--as-of", AS_OF)
    assert built.returncode == 0, built.stderr


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("org")
    served = tmp / "pages"
    served.mkdir()
    with serving(served) as (server, handler):
        base = f"http://127.0.0.1:{server.server_port}/"
        for team in TEAMS:
            _team_site(tmp, served, team, base)
        yield tmp, base, handler


@pytest.fixture(scope="module")
def org(host):
    tmp, base, handler = host
    root = tmp / "acme"
    assert ops("org", "init", str(root), "--name", "Acme").returncode == 0
    teams = [{"id": team, "name": team.title(), "site_url": f"{base}{team}/"} for team in TEAMS]
    teams += [{"id": "offline", "name": "Offline", "site_url": f"http://127.0.0.1:{_closed_port()}/offline/"},
              {"id": "broken", "name": "Broken", "site_url": f"{base}broken/"},
              {"id": "slow", "name": "Slow", "site_url": f"{base}slow/"}]
    handler.failing.add("broken")
    handler.slow.add("slow")
    data = yaml.safe_load((root / "org.yaml").read_text())
    data.update(teams=teams, site_url="https://acme.github.io/org/", timeout=1)
    (root / "org.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    started = time.monotonic()
    first = ops("org", "build", "--root", str(root), "--as-of", AS_OF)
    elapsed = time.monotonic() - started
    return root, first, elapsed, handler


def _site_bytes(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def test_the_build_succeeds_and_names_each_team_that_could_not_be_read(org):
    root, first, elapsed, _ = org
    assert first.returncode == 0, first.stderr
    assert "! offline: not reachable: cannot connect" in first.stderr
    assert "! broken: not reachable: HTTP 500 for opsbook.json" in first.stderr
    assert "! slow: not reachable: timed out after 1 s" in first.stderr
    assert "Traceback" not in first.stderr
    assert not [line for line in first.stderr.splitlines() if line.startswith(("! payments", "! search"))]
    home = (root / "site" / "index.html").read_text()
    assert "not reachable: cannot connect" in home and "not reachable: HTTP 500" in home


def test_a_slow_team_does_not_stall_the_others(org):
    _, first, elapsed, _ = org
    fetched = float(first.stdout.split(" in ", 1)[1].split(" s:", 1)[0])
    assert fetched < 2.5  # every request at once: the slow team's timeout (1 s), not five of them


def _events(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def test_the_merged_feed_holds_every_event_of_the_reachable_teams_each_named_by_its_team(host, org):
    tmp, _, _ = host
    root = org[0]
    merged_data = (root / "site" / "feeds" / "organisation.ics").read_bytes()
    merged = icalendar.Calendar.from_ical(merged_data)
    uids = [str(e["UID"]) for e in merged.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    events = _events(merged_data)
    expected = 0
    for team in TEAMS:
        for feed in ("handbook.ics", "oncall.ics"):
            own = _events((tmp / "pages" / team / "feeds" / feed).read_bytes())
            expected += len(own)
            for uid, event in own.items():
                copy = events[f"{team}/{uid}"]
                assert str(copy["SUMMARY"]) == f"{team.title()}: {event['SUMMARY']}"
                assert copy["DTSTART"].dt == event["DTSTART"].dt and str(copy["X-OPSBOOK-TEAM"]) == team
    assert len(uids) == expected > 0
    # Read back as a calendar app expands it: December's events of both teams.
    december = recurring_ical_events.of(merged).between(dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert {str(e["X-OPSBOOK-TEAM"]) for e in december} == set(TEAMS)


def test_search_holds_the_other_teams_runbook_at_its_address(host, org):
    _, base, _ = host
    index = json.loads((org[0] / "site" / "search" / "search_index.json").read_text())
    runbooks = [doc for doc in index["docs"] if doc["location"].startswith(f"{base}search/runbooks/")]
    assert runbooks and all(doc["title"].startswith("Search · ") for doc in runbooks)


def test_each_reachable_team_has_a_catalogue_file(org):
    folder = org[0] / "site" / "catalog-info"
    assert sorted(p.name for p in folder.iterdir()) == ["payments.yaml", "search.yaml"]
    from test_org_catalogue import backstage_problems

    assert [problem for p in folder.iterdir() for problem in backstage_problems(p.read_text())] == []
    group, component = list(yaml.safe_load_all((folder / "search.yaml").read_text()))
    assert (group["kind"], group["metadata"]["namespace"], group["spec"]) == ("Group", "search",
                                                                               {"type": "team", "children": []})
    assert component["metadata"]["name"] == "app" and component["spec"]["owner"] == "group:search/search"


def test_a_rerun_against_unchanged_teams_transfers_only_304s_and_writes_the_same_bytes(host, org):
    root, _, _, handler = org
    before = _site_bytes(root / "site")
    handler.log.clear()
    again = ops("org", "build", "--root", str(root), "--as-of", AS_OF)
    assert again.returncode == 0, again.stderr
    answered = {status for path, status in handler.log if path.split("/")[1] in TEAMS}
    assert answered == {304}
    assert len([1 for path, _ in handler.log if path.split("/")[1] in TEAMS]) == 10
    after = _site_bytes(root / "site")
    assert sorted(after) == sorted(before)
    assert [path for path in after if after[path] != before[path]] == []


def test_a_team_that_stops_answering_is_shown_stale_since_its_last_read(host, org, tmp_path):
    root, _, _, handler = org
    site = tmp_path / "site"
    import shutil

    shutil.copytree(root / "site", site)
    handler.failing.add("search")
    try:
        later = ops("org", "build", "--root", str(root), "--site-dir", str(site), "--as-of", "2026-11-30")
    finally:
        handler.failing.discard("search")
    assert later.returncode == 0, later.stderr
    assert f"! search: stale since {AS_OF}: HTTP 500 for opsbook.json" in later.stderr
    assert f"stale since {AS_OF}" in (site / "index.html").read_text()
    assert "search.yaml" in {p.name for p in (site / "catalog-info").iterdir()}  # still shown, from the copy


def test_a_caldav_server_holds_the_merged_feed_and_agrees_with_a_calendar_app(org, radicale):
    """Every event of the merged feed stored in a real Radicale, one resource per UID (a repeated UID
    would be refused), and December asked of both Radicale and recurring-ical-events."""
    from urllib.parse import quote

    import requests
    from test_caldav import _one_event_calendars, _query

    data = (org[0] / "site" / "feeds" / "organisation.ics").read_bytes()
    url = f"{radicale}/acme/organisation/"
    assert requests.request("MKCOL", f"{radicale}/acme/", timeout=10).status_code == 201
    assert requests.request("MKCALENDAR", url, timeout=10).status_code == 201
    with requests.Session() as session:
        for uid, body in _one_event_calendars(data).items():
            answer = session.put(url + quote(uid.replace("/", "_"), safe="@") + ".ics", data=body, timeout=10,
                                 headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
            assert answer.status_code == 201, (uid, answer.status_code, answer.text)
    start, end = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    served = sorted((str(e["UID"]), e["DTSTART"].dt) for e in _query(url, start, end))
    expanded = sorted((str(e["UID"]), e["DTSTART"].dt)
                      for e in recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(start, end))
    assert served == expanded and {uid.split("/")[0] for uid, _ in served} == set(TEAMS)
