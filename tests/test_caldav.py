"""End to end: the feed's events in a real CalDAV server (Radicale on 127.0.0.1), read back by time range.

The server stores the events and answers a `calendar-query` with its own time-range logic (and the
VTIMEZONE the feed carries), so what it returns for a month is an independent check of the engine.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import icalendar
import pytest
import requests
from conftest import NOW, REPO
from opsbook.calendar import feed, schedule
from opsbook.validation import load_handbook

pytestmark = pytest.mark.slow
UTC = dt.timezone.utc
HOST = "giftgenius.github.io/handbook"
SERVER_LIFETIME = 300  # seconds: the server stops by itself even if the test run is killed
NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"radicale exited with {process.returncode}:\n{log.read_text()}")
        try:
            requests.request("OPTIONS", url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"radicale did not answer within {seconds} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """A throwaway Radicale: storage in a temp folder, no authentication, a free port on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("radicale")
    port = _free_port()
    config = folder / "config"
    config.write_text(f"""[server]
hosts = 127.0.0.1:{port}
[auth]
type = none
[rights]
type = authenticated
[storage]
filesystem_folder = {folder / "collections"}
[web]
type = none
[logging]
level = warning
""")
    log = folder / "radicale.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["timeout", str(SERVER_LIFETIME), sys.executable, "-m", "radicale",
                                    "--config", str(config)], stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def handbook():
    return load_handbook(REPO, NOW)


def _one_event_calendars(data: bytes) -> dict[str, bytes]:
    """Each VEVENT of the feed as its own VCALENDAR (with the zones it needs), as CalDAV stores them."""
    whole = icalendar.Calendar.from_ical(data)
    zones = {str(tz["TZID"]): tz for tz in whole.walk("VTIMEZONE")}
    found = {}
    for event in whole.walk("VEVENT"):
        single = icalendar.Calendar()
        single.add("prodid", str(whole["PRODID"]))
        single.add("version", "2.0")
        tzid = event["DTSTART"].params.get("TZID")
        if tzid:
            single.add_component(zones[tzid])
        single.add_component(event)
        found[str(event["UID"])] = single.to_ical()
    return found


@pytest.fixture(scope="module")
def calendar_url(radicale, handbook):
    """A calendar collection holding every event of the whole feed, one resource per event."""
    assert requests.request("MKCOL", f"{radicale}/opsbook/", timeout=10).status_code == 201
    url = f"{radicale}/opsbook/reviews/"
    assert requests.request("MKCALENDAR", url, timeout=10).status_code == 201
    events = _one_event_calendars(feed.build_feed(handbook, NOW))
    with requests.Session() as session:
        for uid, body in events.items():
            answer = session.put(url + quote(uid.replace("/", "_"), safe="@") + ".ics", data=body, timeout=10,
                                 headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
            assert answer.status_code == 201, (uid, answer.status_code, answer.text)
    return url


def _query(url: str, start: dt.datetime, end: dt.datetime) -> list[icalendar.Event]:
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start:%Y%m%dT%H%M%SZ}" end="{end:%Y%m%dT%H%M%SZ}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
    answer = requests.request("REPORT", url, data=body.encode(), timeout=30,
                              headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    assert answer.status_code == 207, answer.text
    events = []
    for data in ET.fromstring(answer.content).iterfind(".//C:calendar-data", NS):
        events += icalendar.Calendar.from_ical(data.text).walk("VEVENT")
    return events


MONTHS = {
    # a rotation with priya away, a holiday on the month's last business day, an open action item
    "2026-12": (dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)),
    # the spring DST switch (28 March) and Easter Monday moving the weekly review to Tuesday
    "2027-03": (dt.datetime(2027, 3, 1, tzinfo=UTC), dt.datetime(2027, 4, 1, tzinfo=UTC)),
}


@pytest.mark.parametrize("month", sorted(MONTHS))
def test_server_returns_exactly_the_engine_occurrences_for_a_month(calendar_url, handbook, month):
    start, end = MONTHS[month]
    returned = _query(calendar_url, start, end)
    reviews = {str(e["UID"]): e.decoded("DTSTART") for e in returned
               if not str(e["UID"]).startswith(("action/", "postmortem/"))}
    expected = {f"{o.uid}@{HOST}": o.start for o in schedule.occurrences(handbook, start, end)}
    assert reviews == expected
    assert len(expected) >= 5
    # The rest is what the feed adds for the month: action items due and post-mortem reviews.
    others = {str(e["UID"]) for e in returned} - reviews.keys()
    added = {f"{e.key}@{HOST}" for e in feed.entries(handbook, NOW) if e.cadence_id is None
             and _overlaps(e, start, end)}
    assert others == added


def _overlaps(entry: feed.Entry, start: dt.datetime, end: dt.datetime) -> bool:
    def instant(value):
        return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time(), UTC)
    return instant(entry.end) > start and instant(entry.start) < end


def test_server_agrees_on_local_times_across_the_dst_switch(calendar_url):
    returned = _query(calendar_url, dt.datetime(2027, 3, 22, tzinfo=UTC), dt.datetime(2027, 4, 3, tzinfo=UTC))
    weekly = sorted(e.decoded("DTSTART") for e in returned if str(e["UID"]).startswith("weekly-slo-review/"))
    assert [(d.date().isoformat(), d.hour, d.utcoffset()) for d in weekly] == [
        ("2027-03-22", 10, dt.timedelta(hours=1)),
        ("2027-03-30", 10, dt.timedelta(hours=2)),  # Easter Monday (29th) moved it to Tuesday
    ]
