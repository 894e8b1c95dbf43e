"""The schedule engine against hand-computed dates and an independent expander."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from conftest import NOW
from hypothesis import given, settings
from hypothesis import strategies as st
from opsbook.calendar import schedule
from opsbook.handbook.models.cadence import Cadence
from opsbook.handbook.models.catalogue import Person, Rotation
from opsbook.validation import load_handbook

UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def cadence(**overrides) -> Cadence:
    data = {"id": "c", "title": "Review", "when": {"every": "week", "weekday": "monday"}, "start": "2026-01-01",
            "time": "10:00", "timezone": "Europe/Berlin", "duration": "30m", "owner": "alice",
            "checklist": ["look"]}
    data.update(overrides)
    return Cadence.model_validate(data)


def window(first: str, last: str) -> dict:
    """Keyword arguments for the whole days from `first` to `last` (inclusive) in UTC."""
    begin = dt.datetime.fromisoformat(first).replace(tzinfo=UTC)
    end = dt.datetime.fromisoformat(last).replace(tzinfo=UTC) + dt.timedelta(days=1)
    return {"start": begin, "end": end}


def starts(found) -> list[str]:
    return [o.start.isoformat() for o in found]


def dates(found) -> list[str]:
    return [o.start.date().isoformat() for o in found]


# --- DST -------------------------------------------------------------------------------------------

def test_berlin_review_stays_at_ten_local_across_both_dst_switches():
    weekly = cadence(when={"every": "week", "weekday": "monday"})
    spring = schedule.cadence_occurrences(weekly, **window("2026-03-20", "2026-04-01"))
    autumn = schedule.cadence_occurrences(weekly, **window("2026-10-20", "2026-11-03"))
    # Clocks go forward on Sunday 2026-03-29 and back on Sunday 2026-10-25.
    assert starts(spring) == ["2026-03-23T10:00:00+01:00", "2026-03-30T10:00:00+02:00"]
    assert starts(autumn) == ["2026-10-26T10:00:00+01:00", "2026-11-02T10:00:00+01:00"]
    assert [o.start.astimezone(UTC).hour for o in spring] == [9, 8]


def test_new_york_review_stays_at_nine_local_across_its_dst_switches():
    weekly = cadence(when={"every": "week", "weekday": "monday"}, time="09:00", timezone="America/New_York")
    # US clocks go forward on 2026-03-08 and back on 2026-11-01, weeks apart from Europe's.
    found = schedule.cadence_occurrences(weekly, **window("2026-03-01", "2026-03-10"))
    assert starts(found) == ["2026-03-02T09:00:00-05:00", "2026-03-09T09:00:00-04:00"]
    found = schedule.cadence_occurrences(weekly, **window("2026-10-26", "2026-11-03"))
    assert starts(found) == ["2026-10-26T09:00:00-04:00", "2026-11-02T09:00:00-05:00"]


def test_a_time_inside_the_spring_gap_moves_forward_by_the_gap():
    sunday = cadence(when={"every": "week", "weekday": "sunday"}, time="02:30")
    found = schedule.cadence_occurrences(sunday, **window("2026-03-29", "2026-03-29"))
    assert starts(found) == ["2026-03-29T03:30:00+02:00"]


def test_duration_is_elapsed_time_even_over_the_autumn_switch():
    night = cadence(when={"every": "week", "weekday": "sunday"}, time="01:30", duration="2h")
    (found,) = schedule.cadence_occurrences(night, **window("2026-10-25", "2026-10-25"))
    assert found.end.astimezone(UTC) - found.start.astimezone(UTC) == dt.timedelta(hours=2)


# --- day-of-month rules ----------------------------------------------------------------------------

def test_day_31_clamps_to_the_last_day_of_shorter_months():
    monthly = cadence(when={"every": "month", "day": 31})
    found = schedule.cadence_occurrences(monthly, **window("2026-01-01", "2026-06-30"))
    assert dates(found) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]
    assert [o.period for o in found] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]


def test_day_29_and_30_land_on_29_february_in_a_leap_year():
    for day in (29, 30, 31):
        monthly = cadence(when={"every": "month", "day": day}, start="2027-12-01")
        found = schedule.cadence_occurrences(monthly, **window("2028-02-01", "2028-02-29"))
        assert dates(found) == ["2028-02-29"], day
        found = schedule.cadence_occurrences(monthly, **window("2027-02-01", "2027-02-28"))
        assert found == []  # before the cadence's start
    monthly = cadence(when={"every": "month", "day": 29})
    found = schedule.cadence_occurrences(monthly, **window("2027-02-01", "2027-02-28"))
    assert dates(found) == ["2027-02-28"]


def test_last_weekday_of_the_month_and_a_missing_fifth():
    last_friday = cadence(when={"every": "month", "weekday": "friday", "nth": -1})
    found = schedule.cadence_occurrences(last_friday, **window("2026-01-01", "2026-03-31"))
    assert dates(found) == ["2026-01-30", "2026-02-27", "2026-03-27"]
    fifth_monday = cadence(when={"every": "month", "weekday": "monday", "nth": 5})
    found = schedule.cadence_occurrences(fifth_monday, **window("2026-01-01", "2026-04-30"))
    assert dates(found) == ["2026-03-30"]  # only March 2026 has five Mondays among Jan-Apr


# --- business days and holidays ---------------------------------------------------------------------

def test_first_business_day_skips_a_holiday_on_monday():
    first = cadence(when={"every": "month", "business_day": 1})
    # 2027-03-01 is a Monday; make it a holiday: the first business day is Tuesday the 2nd.
    found = schedule.cadence_occurrences(first, holidays=[dt.date(2027, 3, 1)], **window("2027-03-01", "2027-03-31"))
    assert dates(found) == ["2027-03-02"]
    assert found[0].shifted_from is None  # the rule itself counts business days; nothing was moved
    # Without the holiday it is the Monday.
    assert dates(schedule.cadence_occurrences(first, **window("2027-03-01", "2027-03-31"))) == ["2027-03-01"]


def test_weekly_review_on_a_holiday_moves_to_the_next_business_day_and_keeps_its_period():
    weekly = cadence(on_holiday="next-business-day")
    holidays = [dt.date(2027, 3, 29)]  # Easter Monday
    found = schedule.cadence_occurrences(weekly, holidays=holidays, **window("2027-03-29", "2027-04-04"))
    assert dates(found) == ["2027-03-30"]
    assert found[0].shifted_from == dt.date(2027, 3, 29)
    assert found[0].uid == "c/2027-W13"


@pytest.mark.parametrize("rule, expected", [
    ("next-business-day", ["2027-01-04"]),      # Fri 1 Jan is a holiday; skip the weekend
    ("previous-business-day", ["2026-12-30"]),  # Thu 31 Dec is a holiday too
    ("keep", ["2027-01-01"]),
    ("skip", []),
])
def test_each_shift_rule(rule, expected):
    friday = cadence(when={"every": "week", "weekday": "friday"}, on_holiday=rule)
    holidays = [dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
    found = schedule.cadence_occurrences(friday, holidays=holidays, **window("2026-12-28", "2027-01-05"))
    found = [o for o in found if o.period == "2026-W53"]
    assert dates(found) == expected


def test_skip_dates_shift_like_holidays_and_keep_drops_them():
    weekly = cadence(skip=["2026-06-01"], on_holiday="next-business-day")
    assert dates(schedule.cadence_occurrences(weekly, **window("2026-06-01", "2026-06-05"))) == ["2026-06-02"]
    kept = cadence(skip=["2026-06-01"], on_holiday="keep")
    assert schedule.cadence_occurrences(kept, **window("2026-06-01", "2026-06-05")) == []


def test_previous_business_day_can_pull_an_occurrence_into_the_window():
    weekly = cadence(on_holiday="previous-business-day")
    found = schedule.cadence_occurrences(weekly, holidays=[dt.date(2026, 6, 1)], **window("2026-05-29", "2026-05-29"))
    assert dates(found) == ["2026-05-29"] and found[0].period == "2026-W23"


def test_last_business_day_of_the_month_before_new_years_eve():
    last = cadence(when={"every": "month", "business_day": -1})
    holidays = [dt.date(2026, 12, 31)]
    found = schedule.cadence_occurrences(last, holidays=holidays, **window("2026-12-01", "2026-12-31"))
    assert dates(found) == ["2026-12-30"]


# --- quarters --------------------------------------------------------------------------------------

def test_quarter_boundaries():
    first_bd = cadence(when={"every": "quarter", "business_day": 1})
    holidays = [dt.date(2027, 1, 1)]
    found = schedule.cadence_occurrences(first_bd, holidays=holidays, **window("2026-01-01", "2027-12-31"))
    assert dates(found) == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01",
                            "2027-01-04", "2027-04-01", "2027-07-01", "2027-10-01"]
    assert [o.period for o in found][:4] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    last_bd = cadence(when={"every": "quarter", "business_day": -1})
    found = schedule.cadence_occurrences(last_bd, **window("2026-01-01", "2026-12-31"))
    # 2026-03-31 Tue, 2026-06-30 Tue, 2026-09-30 Wed, 2026-12-31 Thu
    assert dates(found) == ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]


def test_quarter_month_with_nth_weekday_and_interval():
    mid = cadence(when={"every": "quarter", "month": 2, "weekday": "tuesday", "nth": 2})
    found = schedule.cadence_occurrences(mid, **window("2026-01-01", "2026-12-31"))
    assert dates(found) == ["2026-02-10", "2026-05-12", "2026-08-11", "2026-11-10"]
    half_yearly = cadence(when={"every": "quarter", "interval": 2, "month": 3, "day": 31}, start="2026-02-15")
    found = schedule.cadence_occurrences(half_yearly, **window("2026-01-01", "2027-12-31"))
    assert dates(found) == ["2026-03-31", "2026-09-30", "2027-03-31", "2027-09-30"]
    assert [o.index for o in found] == [0, 1, 2, 3]


def test_interval_counts_from_start_and_until_is_inclusive():
    fortnightly = cadence(when={"every": "week", "weekday": "wednesday", "interval": 2}, start="2026-01-05",
                          until="2026-02-04")
    found = schedule.cadence_occurrences(fortnightly, **window("2025-12-01", "2026-12-31"))
    assert dates(found) == ["2026-01-07", "2026-01-21", "2026-02-04"]


# --- an independent expander: RRULEs (with BYSETPOS) expanded by recurring-ical-events --------------

def expand_rrule(rule: str, first: str, time: str, zone: str, start: dt.datetime, end: dt.datetime) -> list:
    """Starts of an RRULE series as recurring-ical-events expands it: no code of ours involved."""
    text = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
            f"DTSTAMP:20260101T000000Z\r\nDTSTART;TZID={zone}:{first.replace('-', '')}T{time.replace(':', '')}00\r\n"
            f"DURATION:PT30M\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    calendar = icalendar.Calendar.from_ical(text)
    return sorted(e.decoded("DTSTART") for e in recurring_ical_events.of(calendar).between(start, end))


CROSS_CHECKS = [
    # (our `when`, start, time, zone, the same series as an RRULE, its DTSTART)
    ({"every": "week", "weekday": "monday"}, "2026-01-05", "10:00", "Europe/Berlin",
     "FREQ=WEEKLY;BYDAY=MO", "2026-01-05"),
    ({"every": "week", "weekday": "thursday", "interval": 2}, "2026-01-05", "09:00", "America/New_York",
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=MO", "2026-01-08"),
    ({"every": "month", "day": 31}, "2026-01-01", "15:00", "Europe/Berlin",
     "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1", "2026-01-31"),
    ({"every": "month", "day": 30}, "2026-01-01", "15:00", "Europe/Berlin",
     "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", "2026-01-30"),
    ({"every": "month", "business_day": -1}, "2026-01-01", "15:00", "Europe/Berlin",
     "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-01-30"),
    ({"every": "month", "business_day": 3}, "2026-01-01", "08:30", "America/New_York",
     "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=3", "2026-01-05"),
    ({"every": "month", "weekday": "friday", "nth": -1}, "2026-01-01", "16:00", "Europe/Berlin",
     "FREQ=MONTHLY;BYDAY=-1FR", "2026-01-30"),
    ({"every": "month", "weekday": "monday", "nth": 5}, "2026-01-01", "10:00", "Europe/Berlin",
     "FREQ=MONTHLY;BYDAY=5MO", "2026-03-30"),
    ({"every": "quarter", "month": 2, "weekday": "tuesday", "nth": 2}, "2026-01-01", "14:00", "Europe/Berlin",
     "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", "2026-02-10"),
    ({"every": "quarter", "business_day": 1}, "2026-01-01", "11:00", "Europe/Berlin",
     "FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1", "2026-01-01"),
    ({"every": "quarter", "business_day": -1}, "2026-01-01", "11:00", "Europe/Berlin",
     "FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-03-31"),
]


@pytest.mark.parametrize("when, start, time, zone, rule, first", CROSS_CHECKS, ids=[c[4] for c in CROSS_CHECKS])
def test_engine_matches_an_independent_rrule_expansion(when, start, time, zone, rule, first):
    """Three years (two leap days' worth of Februaries and six DST switches) without holidays."""
    begin, end = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2029, 1, 1, tzinfo=UTC)
    ours = schedule.cadence_occurrences(cadence(when=when, start=start, time=time, timezone=zone), start=begin, end=end)
    theirs = expand_rrule(rule, first, time, zone, begin, end)
    assert [o.start for o in ours] == theirs
    assert all(o.start.tzinfo.key == zone for o in ours)


@settings(max_examples=60, deadline=None)
@given(day=st.integers(1, 31), months=st.integers(0, 35))
def test_any_day_of_month_clamps_like_bysetpos(day, months):
    first_of = dt.date(2026 + months // 12, months % 12 + 1, 1)
    begin = dt.datetime.combine(first_of, dt.time(), UTC)
    end = dt.datetime.combine(schedule._add_months(first_of, 1), dt.time(), UTC)
    (ours,) = schedule.cadence_occurrences(cadence(when={"every": "month", "day": day}, time="12:00"),
                                           start=begin, end=end)
    candidates = ",".join(str(d) for d in range(min(day, 28), day + 1))
    # DTSTART a month before the window: RFC 5545 counts DTSTART itself as an instance even when it
    # does not match the rule, so it must stay out of the window.
    (theirs,) = expand_rrule(f"FREQ=MONTHLY;BYMONTHDAY={candidates};BYSETPOS=-1", "2025-12-01",
                             "12:00", "Europe/Berlin", begin, end)
    assert ours.start == theirs


# --- rotations -------------------------------------------------------------------------------------

def person(pid: str, *away: tuple[str, str]) -> Person:
    return Person.model_validate({"id": pid, "name": pid.title(),
                                  "away": [{"start": a, "end": b} for a, b in away]})


def test_rotation_walks_members_by_index_and_skips_someone_away():
    hosts = Rotation.model_validate({"id": "hosts", "name": "Hosts", "members": ["ann", "bob", "cy"],
                                     "period": "1w", "start": "2026-01-05"})
    people = {"ann": person("ann"), "bob": person("bob"), "cy": person("cy")}
    weekly = cadence(owner=None, rotation="hosts", start="2026-01-05")
    kwargs = {"rotations": {"hosts": hosts}, **window("2026-01-01", "2026-02-09")}
    found = schedule.cadence_occurrences(weekly, people=people, **kwargs)
    assert [o.owner for o in found] == ["ann", "bob", "cy", "ann", "bob", "cy"]
    assert [o.index for o in found] == [0, 1, 2, 3, 4, 5]
    # Bob is away the week of 12 Jan: the next member takes that turn; the order after it is unchanged.
    people["bob"] = person("bob", ("2026-01-10", "2026-01-18"))
    found = schedule.cadence_occurrences(weekly, people=people, **kwargs)
    assert [o.owner for o in found] == ["ann", "cy", "cy", "ann", "bob", "cy"]


def test_rotation_with_everyone_away_has_no_owner():
    hosts = Rotation.model_validate({"id": "h", "name": "H", "members": ["ann"], "period": "1w",
                                     "start": "2026-01-05"})
    assert schedule.rotation_member(hosts, {"ann": person("ann", ("2026-01-01", "2026-01-31"))}, 7,
                                    dt.date(2026, 1, 12)) is None



def test_a_fallback_stands_in_for_an_owner_who_is_away_and_says_for_whom():
    monthly = cadence(owner="ann", fallback="bob", when={"every": "month", "day": 10}, start="2026-01-01")
    people = {"ann": person("ann", ("2026-02-09", "2026-02-11")), "bob": person("bob")}
    found = schedule.cadence_occurrences(monthly, people=people, **window("2026-01-01", "2026-03-31"))
    assert [(o.owner, o.standing_in_for) for o in found] == [("ann", None), ("bob", "ann"), ("ann", None)]
    # A fallback who is away too cannot stand in: the owner keeps it (and validation warns).
    people["bob"] = person("bob", ("2026-02-10", "2026-02-10"))
    found = schedule.cadence_occurrences(monthly, people=people, **window("2026-02-01", "2026-02-28"))
    assert [(o.owner, o.standing_in_for) for o in found] == [("ann", None)]


def test_a_fallback_stands_in_when_everyone_in_the_rotation_is_away():
    hosts = Rotation.model_validate({"id": "hosts", "name": "Hosts", "members": ["ann", "bob"],
                                     "period": "1w", "start": "2026-01-05"})
    weekly = cadence(owner=None, rotation="hosts", fallback="cy", start="2026-01-05")
    people = {"ann": person("ann", ("2026-01-12", "2026-01-12")), "bob": person("bob", ("2026-01-12", "2026-01-12")),
              "cy": person("cy")}
    found = schedule.cadence_occurrences(weekly, rotations={"hosts": hosts}, people=people,
                                         **window("2026-01-05", "2026-01-19"))
    # Bob's turn on 12 Jan (index 1), but both members are away.
    assert [(o.owner, o.standing_in_for) for o in found] == [("ann", None), ("cy", "bob"), ("ann", None)]

def test_on_call_hands_over_at_ten_local_on_mondays_across_dst():
    rotation = Rotation.model_validate({
        "id": "oc", "name": "On call", "members": ["ann", "bob"], "period": "1w", "start": "2026-03-23",
        "handoff": {"weekday": "monday", "time": "10:00", "timezone": "Europe/Berlin"}})
    people = {"ann": person("ann"), "bob": person("bob")}
    at = lambda text: dt.datetime.fromisoformat(text)  # noqa: E731
    assert schedule.on_call(rotation, people, at("2026-03-23T08:59:00+00:00")) is None
    assert schedule.on_call(rotation, people, at("2026-03-23T09:00:00+00:00")) == "ann"
    # After the spring switch 10:00 Berlin is 08:00 UTC.
    assert schedule.on_call(rotation, people, at("2026-03-30T07:59:00+00:00")) == "ann"
    assert schedule.on_call(rotation, people, at("2026-03-30T08:00:00+00:00")) == "bob"
    assert schedule.on_call(rotation, people, at("2026-04-06T08:00:00+00:00")) == "ann"



# Who holds a rotation that starts on Sunday 29 Nov 2026 (members ann, bob, cy; Monday 10:00 Berlin
# handoffs), worked out by hand: the first turn began at the handoff at or before the start date,
# Monday 23 Nov 10:00, so someone holds it on the start date itself.
SUNDAY_START_TURNS = [
    ("2026-11-23T09:59:00+01:00", None),   # before the first handoff
    ("2026-11-23T10:00:00+01:00", "ann"),  # turn 0 begins
    ("2026-11-29T00:00:00+01:00", "ann"),  # the start date
    ("2026-11-29T15:00:00+01:00", "ann"),
    ("2026-11-30T09:59:00+01:00", "ann"),
    ("2026-11-30T10:00:00+01:00", "bob"),  # turn 1
    ("2026-12-07T10:00:00+01:00", "cy"),   # turn 2
    ("2026-12-14T09:59:00+01:00", "cy"),
    ("2026-12-14T10:00:00+01:00", "ann"),  # turn 3: round again
]


@pytest.mark.parametrize("moment, holder", SUNDAY_START_TURNS)
def test_a_rotation_starting_on_sunday_is_held_from_the_monday_handoff_before(moment, holder):
    rotation = Rotation.model_validate({
        "id": "oc", "name": "On call", "members": ["ann", "bob", "cy"], "period": "1w", "start": "2026-11-29",
        "handoff": {"weekday": "monday", "time": "10:00", "timezone": "Europe/Berlin"}})
    people = {pid: person(pid) for pid in ("ann", "bob", "cy")}
    assert schedule.on_call(rotation, people, dt.datetime.fromisoformat(moment)) == holder


def test_turns_begin_at_the_handoff_at_or_before_the_start_date():
    def first_turn(start: str, weekday: str) -> str:
        rotation = Rotation.model_validate({
            "id": "oc", "name": "On call", "members": ["ann"], "period": "1w", "start": start,
            "handoff": {"weekday": weekday, "time": "10:00", "timezone": "Europe/Berlin"}})
        return schedule.turn_start(rotation, 0).isoformat()

    assert first_turn("2026-11-29", "monday") == "2026-11-23T10:00:00+01:00"  # Sunday start
    assert first_turn("2026-11-30", "monday") == "2026-11-30T10:00:00+01:00"  # a Monday start is that Monday
    assert first_turn("2026-12-01", "monday") == "2026-11-30T10:00:00+01:00"  # Tuesday start
    assert first_turn("2026-11-29", "sunday") == "2026-11-29T10:00:00+01:00"
    # Without a handoff a turn begins at midnight of the start date, in the team's zone.
    plain = Rotation.model_validate({"id": "h", "name": "H", "members": ["ann"], "period": "1w",
                                     "start": "2026-11-29"})
    assert schedule.turn_start(plain, 1, "Europe/Berlin").isoformat() == "2026-12-06T00:00:00+01:00"

# --- the example handbook --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def handbook():
    from conftest import REPO
    return load_handbook(REPO, NOW)


def test_example_handbook_upcoming(handbook):
    found = schedule.upcoming(handbook, NOW, days=35)
    assert [(o.uid, o.start.isoformat(), o.owner) for o in found] == [
        ("weekly-slo-review/2026-W49", "2026-11-30T10:00:00+01:00", "jordan"),
        ("monthly-cost-review/2026-11", "2026-11-30T15:00:00+01:00", "priya"),
        ("weekly-slo-review/2026-W50", "2026-12-07T10:00:00+01:00", "maya"),
        ("weekly-slo-review/2026-W51", "2026-12-14T10:00:00+01:00", "tomas"),
        # priya's turn, but she is away from 21 Dec: the next member takes it.
        ("weekly-slo-review/2026-W52", "2026-12-21T10:00:00+01:00", "jordan"),
        ("weekly-slo-review/2026-W53", "2026-12-28T10:00:00+01:00", "jordan"),
        # 31 Dec is a holiday, so the last business day of December is the 30th; priya is away, and
        # the cadence's fallback stands in.
        ("monthly-cost-review/2026-12", "2026-12-30T15:00:00+01:00", "maya"),
    ]


def test_occurrences_are_sorted_and_inside_the_window(handbook):
    begin, end = NOW, NOW + dt.timedelta(days=400)
    found = schedule.occurrences(handbook, begin, end)
    keys = [(o.start, o.cadence_id) for o in found]
    assert keys == sorted(keys)
    assert all(o.end > begin and o.start < end for o in found)
    assert len({o.uid for o in found}) == len(found)
