"""The iCalendar feed: what subscribers' calendar apps read, parsed by two independent parsers."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject
from conftest import NOW, REPO
from opsbook.calendar import feed, schedule
from opsbook.validation import load_handbook

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def handbook():
    return load_handbook(REPO, NOW)


@pytest.fixture(scope="module")
def data(handbook) -> bytes:
    return feed.build_feed(handbook, NOW)


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def raw_events(data: bytes) -> dict[str, bytes]:
    """Each VEVENT's exact bytes by UID, so tests can say which events changed."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S)
    return {re.search(rb"\r\nUID:([^\r]*)", block.replace(b"\r\n ", b"")).group(1).decode(): block
            for block in blocks}


# --- format ----------------------------------------------------------------------------------------

def test_feed_is_crlf_and_folded_at_75_octets(data):
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # no bare LF anywhere
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # long descriptions really are folded


def test_calendar_properties(data):
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "GiftGenius operations reviews"
    assert str(calendar["DESCRIPTION"]).startswith("GiftGenius operations handbook: reviews, post-mortem review")
    # X- properties are TEXT too (RFC 5545 3.8.8.2), escaped the same way; vobject unescapes both.
    parsed = vobject.readOne(io.StringIO(data.decode()))
    assert parsed.contents["x-wr-caldesc"][0].value == str(calendar["DESCRIPTION"])
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT12H\r\n" in data
    assert str(calendar["VERSION"]) == "2.0" and "opsbook" in str(calendar["PRODID"])


def test_every_tzid_has_its_vtimezone(data):
    tzids = set(re.findall(rb";TZID=([^:;]+)[:;]", data))
    defined = set(re.findall(rb"\r\nTZID:([^\r]+)", data))
    assert tzids == {b"Europe/Berlin"} and tzids <= defined
    assert icalendar.Calendar.from_ical(data).get_missing_tzids() == set()


def test_one_event_per_occurrence_with_stable_uids(handbook, data):
    start, end = feed.horizon(handbook, NOW)
    assert (start, end) == (dt.datetime(2026, 10, 29, tzinfo=UTC), dt.datetime(2027, 12, 27, tzinfo=UTC))
    expected = {f"{o.uid}@giftgenius.github.io/handbook": o for o in schedule.occurrences(handbook, start, end)}
    events = events_by_uid(data)
    reviews = {uid: e for uid, e in events.items() if not uid.startswith(("action/", "postmortem/"))}
    assert reviews.keys() == expected.keys()
    assert not any(b"RRULE" in block for block in raw_events(data).values())
    for uid, event in reviews.items():
        assert event.decoded("DTSTART") == expected[uid].start
        assert event.decoded("DTEND") == expected[uid].end


def test_event_content(data):
    event = events_by_uid(data)["weekly-slo-review/2026-W52@giftgenius.github.io/handbook"]
    assert str(event["SUMMARY"]) == "Weekly SLO review — 2026-W52 · Jordan Okafor"
    description = str(event["DESCRIPTION"])
    assert "Owner: Jordan Okafor" in description  # priya's turn, but she is away
    assert "- Walk through each SLO against its target for the last seven days" in description
    assert str(event["URL"]) == "https://giftgenius.github.io/handbook/reviews/weekly-slo-review/"
    assert event["CATEGORIES"].cats == ["review", "slo"]
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(hours=1) and str(alarm["ACTION"]) == "DISPLAY"
    assert b"DTSTART;TZID=Europe/Berlin:20261221T100000\r\n" in raw_events(data)[str(event["UID"])]



def test_an_event_names_the_fallback_standing_in_for_an_owner_away(data):
    # Priya owns the monthly cost review but is away over 30 Dec; the cadence's fallback, Maya, runs it.
    event = events_by_uid(data)["monthly-cost-review/2026-12@giftgenius.github.io/handbook"]
    assert str(event["SUMMARY"]) == "Monthly cost review — 2026-12 · Maya Lindqvist"
    assert str(event["DESCRIPTION"]).splitlines()[0] == "Owner: Maya Lindqvist, standing in for Priya Raman (away)"

def test_holiday_moved_event_says_so(handbook):
    later = feed.build_feed(handbook, dt.datetime(2027, 3, 1, tzinfo=UTC))
    event = events_by_uid(later)["weekly-slo-review/2027-W13@giftgenius.github.io/handbook"]
    assert event.decoded("DTSTART").date() == dt.date(2027, 3, 30)  # Easter Monday moves to Tuesday
    assert "Moved from 2027-03-29" in str(event["DESCRIPTION"]) and int(event["SEQUENCE"]) == 1


def test_action_item_due_dates_are_all_day_events(handbook, data):
    events = events_by_uid(data)
    due = {uid: e for uid, e in events.items() if uid.startswith("action/")}
    start, end = feed.horizon(handbook, NOW)
    expected = {f"action/{pm.id}/{item.id}@giftgenius.github.io/handbook" for pm, item in handbook.open_action_items()
                if start.date() <= item.due < end.date()}
    assert due.keys() == expected
    # In the checkout outage, AI-1 is done; AI-2 (in progress) and AI-3 (open) are in the feed.
    assert "action/pm-2026-10-14-checkout-outage/AI-1@giftgenius.github.io/handbook" not in due
    assert "action/pm-2026-10-14-checkout-outage/AI-2@giftgenius.github.io/handbook" in due
    ai3 = due["action/pm-2026-10-14-checkout-outage/AI-3@giftgenius.github.io/handbook"]
    assert ai3.decoded("DTSTART") == dt.date(2026, 12, 15) and ai3.decoded("DTEND") == dt.date(2026, 12, 16)
    assert str(ai3["TRANSP"]) == "TRANSPARENT"  # a due date must not block the whole day
    assert b"DTSTART;VALUE=DATE:20261215\r\n" in raw_events(data)[str(ai3["UID"])]
    assert str(ai3["URL"]).endswith("/postmortems/pm-2026-10-14-checkout-outage/")


def test_postmortem_review_meeting_is_an_event(handbook):
    october = feed.build_feed(handbook, dt.datetime(2026, 10, 20, tzinfo=UTC))
    event = events_by_uid(october)["postmortem/pm-2026-10-14-checkout-outage/review@giftgenius.github.io/handbook"]
    assert event.decoded("DTSTART") == dt.datetime(2026, 10, 16, 12, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Berlin:20261016T140000" in raw_events(october)[str(event["UID"])]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(hours=1)
    assert str(event["SUMMARY"]).startswith("Post-mortem review: ")


# --- a second, independent parser ------------------------------------------------------------------

def test_vobject_reads_the_same_events(handbook, data):
    parsed = vobject.readOne(io.StringIO(data.decode()))
    seen = {v.uid.value: v.dtstart.value for v in parsed.vevent_list}
    mine = events_by_uid(data)
    assert seen.keys() == mine.keys()
    for uid, start in seen.items():
        # vobject applies the feed's own VTIMEZONE (its RRULEs), not the tz database: same instants.
        assert start == mine[uid].decoded("DTSTART")
        if isinstance(start, dt.datetime):
            assert start.utcoffset() == mine[uid].decoded("DTSTART").utcoffset(), uid
    weekly = next(v for v in parsed.vevent_list if v.uid.value.startswith("weekly-slo-review/"))
    assert weekly.valarm.trigger.value == -dt.timedelta(hours=1)
    assert weekly.dtstart.value.tzinfo is not None and weekly.dtstart.value.hour == 10


def test_recurring_ical_events_expands_a_month_to_the_engine_occurrences(handbook, data):
    begin, end = dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)
    found = recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(begin, end)
    reviews = sorted((str(e["UID"]).split("@")[0], e.decoded("DTSTART")) for e in found
                     if not str(e["UID"]).startswith(("action/", "postmortem/")))
    assert reviews == sorted((o.uid, o.start) for o in schedule.occurrences(handbook, begin, end))


# --- determinism and SEQUENCE ----------------------------------------------------------------------

def test_two_builds_are_byte_identical_and_same_day_builds_too(handbook, data):
    assert feed.build_feed(handbook, NOW) == data
    assert feed.build_feed(handbook, NOW.replace(hour=23, minute=59)) == data
    assert feed.build_feeds(handbook, NOW) == feed.build_feeds(handbook, NOW)
    assert b"DTSTAMP:20261126T000000Z" in data
    # A previous file that is not a feed (or is empty) is ignored, not an error.
    assert feed.build_feed(handbook, NOW, previous=b"<html>not a calendar</html>") == data


def _set_time(root: Path, cadence_file: str, old: str, new: str) -> None:
    path = root / "calendar" / cadence_file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_changing_one_cadence_time_changes_only_its_events_and_bumps_sequence(handbook_copy):
    site = handbook_copy / "site"
    before = feed.write_feeds(load_handbook(handbook_copy, NOW), site, NOW)
    again = feed.write_feeds(load_handbook(handbook_copy, NOW), site, NOW)
    assert again == before  # a rebuild over the previous output changes nothing
    _set_time(handbook_copy, "weekly-slo-review.yaml", 'time: "10:00"', 'time: "09:30"')
    after = feed.write_feeds(load_handbook(handbook_copy, NOW), site, NOW)
    old, new = raw_events(before["feeds/handbook.ics"]), raw_events(after["feeds/handbook.ics"])
    assert old.keys() == new.keys()
    changed = {uid for uid in old if old[uid] != new[uid]}
    assert changed and all(uid.startswith("weekly-slo-review/") for uid in changed)
    assert changed == {uid for uid in old if uid.startswith("weekly-slo-review/")}
    for uid in changed:
        assert int(events_by_uid(after["feeds/handbook.ics"])[uid]["SEQUENCE"]) == \
            int(events_by_uid(before["feeds/handbook.ics"])[uid]["SEQUENCE"]) + 1
    # Moving it back is a change too: SEQUENCE keeps growing, it never returns to an old value.
    _set_time(handbook_copy, "weekly-slo-review.yaml", 'time: "09:30"', 'time: "10:00"')
    back = feed.write_feeds(load_handbook(handbook_copy, NOW), site, NOW)
    previous, now_back = events_by_uid(after["feeds/handbook.ics"]), events_by_uid(back["feeds/handbook.ics"])
    assert all(int(now_back[uid]["SEQUENCE"]) == int(previous[uid]["SEQUENCE"]) + 1 for uid in changed)
    # The cadence's own feed tells the same story; other cadences' feeds are byte-identical.
    assert after["feeds/cadences/monthly-cost-review.ics"] == before["feeds/cadences/monthly-cost-review.ics"]
    assert after["feeds/cadences/weekly-slo-review.ics"] != before["feeds/cadences/weekly-slo-review.ics"]


def test_pure_build_with_previous_bumps_sequence(handbook):
    import dataclasses

    previous = feed.build_feed(handbook, NOW)
    entry = handbook.cadences["monthly-cost-review"]
    moved = dataclasses.replace(entry, cadence=entry.cadence.model_copy(update={"time": dt.time(16, 0)}))
    edited = dataclasses.replace(handbook, cadences={**handbook.cadences, "monthly-cost-review": moved})
    events = events_by_uid(feed.build_feed(edited, NOW, previous=previous))
    assert {int(e["SEQUENCE"]) for u, e in events.items() if u.startswith("monthly-cost-review/")} == {1}
    assert {int(e["SEQUENCE"]) for u, e in events.items() if u.startswith("quarterly-")} == {0}
    # The site passes the last build's files by path; the per-cadence feed agrees with the whole feed.
    files = feed.build_feeds(edited, NOW, previous=feed.build_feeds(handbook, NOW))
    cadence_feed = events_by_uid(files["feeds/cadences/monthly-cost-review.ics"])
    assert {int(e["SEQUENCE"]) for e in cadence_feed.values()} == {1}


# --- the set of feeds ------------------------------------------------------------------------------

def test_build_feeds_per_owner_and_per_cadence_with_index(handbook):
    files = feed.build_feeds(handbook, NOW)
    index = json.loads(files["feeds/index.json"])
    paths = [f["path"] for f in index["feeds"]]
    assert sorted(files) == sorted(paths + ["feeds/index.json"])
    assert "feeds/owners/priya.ics" in paths and "feeds/cadences/weekly-slo-review.ics" in paths
    jordan = events_by_uid(files["feeds/owners/jordan.ics"])
    assert "weekly-slo-review/2026-W52@giftgenius.github.io/handbook" in jordan  # covering for priya
    assert all(("Owner: Jordan Okafor" in str(e["DESCRIPTION"])) or uid.startswith(("action/", "postmortem/"))
               or (uid.startswith("oncall/") and str(e["DESCRIPTION"]).startswith("Jordan Okafor holds "))
               for uid, e in jordan.items())
    assert "oncall/review-hosts/2026-12-21@giftgenius.github.io/handbook" in jordan  # his shift, covering for priya
    weekly = events_by_uid(files["feeds/cadences/weekly-slo-review.ics"])
    assert weekly and all(uid.startswith("weekly-slo-review/") for uid in weekly)
    for entry in index["feeds"]:
        assert entry["events"] == files[entry["path"]].count(b"BEGIN:VEVENT")
        assert entry["webcal"].startswith("webcal://giftgenius.github.io/handbook/feeds/")


def test_write_feed_is_atomic_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "out" / "feed.ics"
    feed.write_feed(target, b"one")
    feed.write_feed(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["feed.ics"]


# --- the command line ------------------------------------------------------------------------------

def test_cli_out_file_writes_the_whole_feed(tmp_path, run_ops):
    out = tmp_path / "reviews.ics"
    result = run_ops("calendar", "--root", str(REPO), "--out", str(out), "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (") and result.stderr == ""
    assert out.read_bytes() == feed.build_feed(load_handbook(REPO, NOW), NOW)
    assert [p.name for p in tmp_path.iterdir()] == ["reviews.ics"]


def test_cli_out_dir_writes_every_feed_and_the_index(tmp_path, run_ops):
    result = run_ops("calendar", "--root", str(REPO), "--out", f"{tmp_path / 'site'}/", "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "site" / "feeds" / "index.json").read_text())
    for entry in index["feeds"]:
        data = (tmp_path / "site" / entry["path"]).read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.count(b"BEGIN:VEVENT") == entry["events"]
    assert {e["kind"] for e in index["feeds"]} == {"all", "owner", "cadence", "oncall", "rotation"}


def test_cli_upcoming_text_and_json(run_ops):
    text = run_ops("calendar", "upcoming", "--root", str(REPO), "--days", "14", "--as-of", "2026-11-26")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[:2] == [
        "Mon 2026-11-30 10:00 CET  Weekly SLO review — 2026-W49  Jordan Okafor",
        "Mon 2026-11-30 15:00 CET  Monthly cost review — 2026-11  Priya Raman",
    ]
    as_json = run_ops("calendar", "upcoming", "--root", str(REPO), "--days", "14", "--as-of", "2026-11-26",
                      "--format", "json")
    rows = json.loads(as_json.stdout)["occurrences"]
    assert [r["uid"] for r in rows] == ["weekly-slo-review/2026-W49", "monthly-cost-review/2026-11",
                                        "weekly-slo-review/2026-W50"]
    assert rows[0]["start"] == "2026-11-30T10:00:00+01:00" and rows[0]["owner"] == "jordan"
    assert rows[0]["url"] == "https://giftgenius.github.io/handbook/reviews/weekly-slo-review/"


def test_cli_bad_handbook_exits_1_with_located_problems_and_writes_nothing(handbook_copy, tmp_path, run_ops):
    cadence = handbook_copy / "calendar" / "monthly-cost-review.yaml"
    cadence.write_text(cadence.read_text().replace("when: {every: month, business_day: -1}",
                                                   "when: {every: fortnight, business_day: -1}"))
    out = tmp_path / "feed.ics"
    out.write_bytes(b"the previous feed")
    result = run_ops("calendar", "--root", str(handbook_copy), "--out", str(out))
    assert result.returncode == 1
    assert "calendar/monthly-cost-review.yaml:" in result.stderr and "when.every" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert out.read_bytes() == b"the previous feed"
    folder = run_ops("calendar", "--root", str(handbook_copy), "--out", f"{tmp_path / 'site'}/")
    assert folder.returncode == 1 and not (tmp_path / "site").exists()
    upcoming = run_ops("calendar", "upcoming", "--root", str(handbook_copy))
    assert upcoming.returncode == 1 and "when.every" in upcoming.stderr


def test_cli_unwritable_out_is_one_clear_line(tmp_path, run_ops):
    (tmp_path / "plain-file").write_text("not a folder")
    for out in (f"{tmp_path / 'plain-file' / 'feed.ics'}", f"{tmp_path / 'plain-file' / 'site'}/"):
        result = run_ops("calendar", "--root", str(REPO), "--out", out)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("ops: error: cannot write ") and "plain-file" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["plain-file"]


def test_cli_usage_errors_exit_2(tmp_path, run_ops):
    assert run_ops("calendar", "--root", str(REPO)).returncode == 2
    bad_date = run_ops("calendar", "--root", str(REPO), "--out", str(tmp_path / "f.ics"), "--as-of", "soon")
    assert bad_date.returncode == 2 and "--as-of" in bad_date.stderr and not (tmp_path / "f.ics").exists()


def test_cli_out_is_a_file_only_when_it_ends_in_ics_and_a_folder_only_when_it_says_so(tmp_path, run_ops):
    """`--out feed.txt` used to make a folder called feed.txt; now it is a usage error that creates nothing."""
    for out in ("feed.txt", "feeds"):
        result = run_ops("calendar", "--root", str(REPO), "--out", str(tmp_path / out), "--as-of", "2026-11-26")
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (f"ops: error: --out '{tmp_path / out}': expected a file ending in .ics (the whole "
                                 f"feed) or a folder (every feed): an existing folder or a path ending in /, such as "
                                 f"{tmp_path / out}/\n")
    assert list(tmp_path.iterdir()) == []

    (tmp_path / "existing").mkdir()
    for out in (str(tmp_path / "existing"), f"{tmp_path / 'new'}/"):
        result = run_ops("calendar", "--root", str(REPO), "--out", out, "--as-of", "2026-11-26")
        assert result.returncode == 0, result.stderr
        assert (Path(out) / "feeds" / "handbook.ics").is_file()
    result = run_ops("calendar", "--root", str(REPO), "--out", str(tmp_path / "Reviews.ICS"), "--as-of", "2026-11-26")
    assert result.returncode == 0 and (tmp_path / "Reviews.ICS").is_file()


# --- VTIMEZONE -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
                                  "Europe/Dublin", "America/Sao_Paulo", "UTC"])
def test_vtimezone_gives_the_tz_database_offsets_to_a_reader_of_rrules(name):
    """dateutil's tzical (what vobject uses) reads our VTIMEZONE; every hour of 2026-2028 must agree."""
    from zoneinfo import ZoneInfo

    from dateutil import tz
    from opsbook.calendar.vtimezone import vtimezone

    data = vtimezone(name)
    assert b"RDATE" not in data  # readers that ignore RDATE lists would get summer wrong
    theirs = tz.tzical(io.StringIO(data.decode())).get(name)
    ours = ZoneInfo(name)
    moment = dt.datetime(2026, 1, 1, tzinfo=UTC)
    while moment < dt.datetime(2029, 1, 1, tzinfo=UTC):
        assert moment.astimezone(theirs).utcoffset() == moment.astimezone(ours).utcoffset(), (name, moment)
        moment += dt.timedelta(hours=1)


def test_build_feed_of_chosen_occurrences_only(handbook):
    chosen = schedule.upcoming(handbook, NOW, days=14)
    data = feed.build_feed(handbook, NOW, occurrences=chosen, name="Next two weeks")
    events = events_by_uid(data)
    assert list(events) == [f"{o.uid}@giftgenius.github.io/handbook" for o in chosen]
    assert str(icalendar.Calendar.from_ical(data)["X-WR-CALNAME"]) == "Next two weeks"


# --- two teams on one host --------------------------------------------------------------------------

def _uids_at(handbook, site_url: str) -> set[str]:
    import dataclasses

    moved = dataclasses.replace(handbook, config=handbook.config.model_copy(update={"site_url": site_url}))
    files = feed.build_feeds(moved, NOW)
    return {uid for path in ("feeds/handbook.ics", "feeds/oncall.ics") for uid in events_by_uid(files[path])}


def test_two_teams_on_one_pages_host_never_share_a_uid(handbook):
    payments = _uids_at(handbook, "https://acme.github.io/payments/")
    search = _uids_at(handbook, "https://acme.github.io/search/")
    assert payments and len(payments) == len(search)
    assert payments.isdisjoint(search)
    assert "weekly-slo-review/2026-W50@acme.github.io/payments" in payments


def test_a_site_at_the_root_of_its_host_keeps_the_host_alone_in_its_uids(handbook):
    uids = _uids_at(handbook, "https://ops.example.com/")
    assert "weekly-slo-review/2026-W50@ops.example.com" in uids
    assert _uids_at(handbook, "https://ops.example.com") == uids
