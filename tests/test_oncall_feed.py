"""The shift feeds: a swap changes only the events it touches (same UIDs, SEQUENCE bumped), the bytes are
deterministic, and the shifts read back the same through `recurring-ical-events` and a real Radicale.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import icalendar
import pytest
import recurring_ical_events
import requests
from conftest import NOW, REPO
from opsbook.calendar import feed
from opsbook.validation import load_handbook
from opsbook.oncall.shifts import shifts
from test_caldav import _one_event_calendars, _query, radicale  # noqa: F401  (radicale is a fixture)

UTC = dt.timezone.utc
HOST = "@giftgenius.github.io/handbook"
SWAP = """\
overrides:
  - rotation: primary-on-call
    person: tomas
    from: 2026-12-07T10:00
    until: 2026-12-14T10:00
    reason: Swap with maya (school play)
"""


def events(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def raw_events(data: bytes) -> dict[str, bytes]:
    """Each VEVENT's exact bytes by UID."""
    found = {}
    for chunk in data.split(b"BEGIN:VEVENT\r\n")[1:]:
        body = chunk.split(b"END:VEVENT\r\n")[0]
        uid = next(line for line in body.replace(b"\r\n ", b"").split(b"\r\n") if line.startswith(b"UID:"))
        found[uid[4:].decode()] = body
    return found


def test_a_swap_changes_only_the_shifts_it_touches(handbook_copy):
    before = feed.build_feeds(load_handbook(handbook_copy, NOW), NOW)
    overrides = handbook_copy / "ops" / "oncall-overrides.yaml"  # the example's, with a swap in February
    overrides.write_text(overrides.read_text(encoding="utf-8") + SWAP.removeprefix("overrides:\n"), encoding="utf-8")
    after = feed.build_feeds(load_handbook(handbook_copy, NOW), NOW, previous=before)
    old, new = raw_events(before["feeds/oncall.ics"]), raw_events(after["feeds/oncall.ics"])
    assert old.keys() == new.keys()
    changed = sorted(uid for uid in new if new[uid] != old[uid])
    assert changed == [f"oncall/primary-on-call/2026-12-07{HOST}"]
    swapped = events(after["feeds/oncall.ics"])[changed[0]]
    assert (swapped["SEQUENCE"], str(swapped["SUMMARY"])) == (1, "Primary on-call: Tomás Ferreira")
    assert str(swapped["DESCRIPTION"]).splitlines()[:2] == [
        "Tomás Ferreira holds Primary on-call (primary) from Mon 2026-12-07 10:00 to Mon 2026-12-14 10:00 "
        "(Europe/Berlin).", "Override: Swap with maya (school play) (instead of Maya Lindqvist)."]
    # The shift moved from maya's personal feed to tomas's, under the same UID.
    assert changed[0] in events(before["feeds/owners/maya.ics"]) and changed[0] not in events(after["feeds/owners/maya.ics"])
    assert changed[0] in events(after["feeds/owners/tomas.ics"])
    # Everything else keeps its bytes, in every file.
    for path in before:
        if path not in ("feeds/oncall.ics", "feeds/rotations/primary-on-call.ics", "feeds/owners/maya.ics",
                        "feeds/owners/tomas.ics", "feeds/index.json"):
            assert after[path] == before[path], path
    # A rebuild with nothing changed keeps the bumped SEQUENCE: the same bytes again.
    again = feed.build_feeds(load_handbook(handbook_copy, NOW), NOW, previous=after)
    assert again == after


def test_the_shift_feeds_are_deterministic_and_show_as_free_time():
    handbook = load_handbook(REPO, NOW)
    first, second = feed.build_feeds(handbook, NOW), feed.build_feeds(handbook, NOW)
    assert first["feeds/oncall.ics"] == second["feeds/oncall.ics"]
    shift_events = events(first["feeds/oncall.ics"]).values()
    assert shift_events and all(str(e["TRANSP"]) == "TRANSPARENT" for e in shift_events)


def test_recurring_ical_events_reads_back_every_shift_without_gaps_or_overlaps():
    handbook = load_handbook(REPO, NOW)
    files = feed.build_feeds(handbook, NOW)
    start, end = dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2027, 3, 1, tzinfo=UTC)
    for rotation in handbook.team.rotations:
        calendar = icalendar.Calendar.from_ical(files[f"feeds/rotations/{rotation.id}.ics"])
        read = sorted(((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC), str(e["UID"]))
                       for e in recurring_ical_events.of(calendar).between(start, end)))
        expected = [(s.start.astimezone(UTC), s.end.astimezone(UTC), s.key + HOST)
                    for s in shifts(handbook, start, end, [rotation.id])]
        assert read == expected
        assert all(a[1] == b[0] for a, b in zip(read, read[1:]))  # each shift ends where the next begins
        assert read[0][0] <= start and read[-1][1] >= end


@pytest.mark.slow
def test_radicale_returns_the_engines_shifts_for_a_month(radicale):  # noqa: F811
    handbook = load_handbook(REPO, NOW)
    data = feed.build_feeds(handbook, NOW)["feeds/oncall.ics"]
    assert requests.request("MKCOL", f"{radicale}/oncall/", timeout=10).status_code == 201
    url = f"{radicale}/oncall/shifts/"
    assert requests.request("MKCALENDAR", url, timeout=10).status_code == 201
    with requests.Session() as session:
        for uid, body in _one_event_calendars(data).items():
            answer = session.put(url + quote(uid.replace("/", "_"), safe="@") + ".ics", data=body, timeout=10,
                                 headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
            assert answer.status_code == 201, (uid, answer.status_code, answer.text)
    # December 2026 in Berlin: priya is away from the 21st, so maya stands in for her.
    start, end = dt.datetime(2026, 11, 30, 23, tzinfo=UTC), dt.datetime(2026, 12, 31, 23, tzinfo=UTC)
    found = sorted((str(e["UID"]), e["DTSTART"].dt.astimezone(UTC), str(e["SUMMARY"])) for e in _query(url, start, end))
    names = {p.id: p.name for p in handbook.team.people}
    expected = sorted((s.key + HOST, s.start.astimezone(UTC), f"{handbook.rotations[s.rotation].name}: {names[s.person]}")
                      for s in shifts(handbook, start, end))
    assert found == expected
    assert (f"oncall/primary-on-call/2026-12-21{HOST}", dt.datetime(2026, 12, 21, 9, tzinfo=UTC),
            "Primary on-call: Maya Lindqvist") in found
