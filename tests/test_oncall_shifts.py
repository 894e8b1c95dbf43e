"""The shift engine against hand-computed tables: across DST changes, away periods, swaps and covers, and
the hours split into weekday, weekend and holiday hours.

Every table was worked out by hand from a calendar: Europe/Berlin moves to summer time on Sunday
2026-03-29 (02:00 → 03:00, a 23-hour day) and back on Sunday 2026-10-25 (a 25-hour day).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from opsbook.handbook.models.catalogue import Person, Rotation
from opsbook.handbook.models.oncall import Override
from opsbook.oncall.report import hours_by_kind
from opsbook.oncall.shifts import rotation_shifts

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def berlin(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def weekly(members, start="2026-03-02", **extra) -> Rotation:
    return Rotation(id="primary", name="Primary", members=members, period="1w", start=start,
                    handoff={"weekday": "monday", "time": "10:00", "timezone": "Europe/Berlin"}, **extra)


def people(*ids, away: dict | None = None) -> dict[str, Person]:
    away = away or {}
    return {i: Person(id=i, name=i.capitalize(), away=[{"start": s, "end": e} for s, e in away.get(i, [])])
            for i in ids}


def table(found) -> list[tuple]:
    """(key, local start, local end, elapsed hours, person, scheduled, override reason) of each shift."""
    return [(s.key, f"{s.start:%Y-%m-%d %H:%M %Z}", f"{s.end:%Y-%m-%d %H:%M %Z}",
             s.duration.total_seconds() / 3600, s.person, s.scheduled, s.override.reason if s.override else None)
            for s in found]


def test_weekly_handoffs_stay_at_ten_local_across_both_dst_changes():
    # Turns count from Mon 2026-03-02 (ann): 03-23 is turn 3 (bob), 10-19 turn 33 (bob).
    rotation = weekly(["ann", "bob"])
    spring = rotation_shifts(rotation, people("ann", "bob"), [], berlin("2026-03-24 12:00"),
                             berlin("2026-04-01 00:00"))
    assert table(spring) == [
        ("oncall/primary/2026-03-23", "2026-03-23 10:00 CET", "2026-03-30 10:00 CEST", 167.0, "bob", "bob", None),
        ("oncall/primary/2026-03-30", "2026-03-30 10:00 CEST", "2026-04-06 10:00 CEST", 168.0, "ann", "ann", None),
    ]
    autumn = rotation_shifts(rotation, people("ann", "bob"), [], berlin("2026-10-20 00:00"),
                             berlin("2026-10-27 00:00"))
    assert table(autumn) == [
        ("oncall/primary/2026-10-19", "2026-10-19 10:00 CEST", "2026-10-26 10:00 CET", 169.0, "bob", "bob", None),
        ("oncall/primary/2026-10-26", "2026-10-26 10:00 CET", "2026-11-02 10:00 CET", 168.0, "ann", "ann", None),
    ]


def test_an_away_member_is_covered_by_the_next_one_for_exactly_the_days_away():
    # bob's turn runs Mon 2026-03-09 10:00 to Mon 03-16 10:00; he is away Wednesday and Thursday.
    found = rotation_shifts(weekly(["ann", "bob", "cem"]), people("ann", "bob", "cem",
                                                                   away={"bob": [("2026-03-11", "2026-03-12")]}),
                            [], berlin("2026-03-09 12:00"), berlin("2026-03-16 09:00"))
    assert table(found) == [
        ("oncall/primary/2026-03-09", "2026-03-09 10:00 CET", "2026-03-11 00:00 CET", 38.0, "bob", "bob", None),
        ("oncall/primary/2026-03-09/2026-03-11T0000", "2026-03-11 00:00 CET", "2026-03-13 00:00 CET", 48.0, "cem",
         "bob", None),
        ("oncall/primary/2026-03-09/2026-03-13T0000", "2026-03-13 00:00 CET", "2026-03-16 10:00 CET", 82.0, "bob",
         "bob", None),
    ]
    assert found[1].standing_in_for == "bob"


def test_everyone_away_leaves_a_shift_with_nobody():
    found = rotation_shifts(weekly(["ann", "bob"]), people("ann", "bob", away={"ann": [("2026-03-03", "2026-03-03")],
                                                                                "bob": [("2026-03-03", "2026-03-04")]}),
                            [], berlin("2026-03-02 12:00"), berlin("2026-03-05 00:00"))
    assert [(s.start.day, s.start.hour, s.end.day, s.end.hour, s.person) for s in found] == [
        (2, 10, 3, 0, "ann"), (3, 0, 4, 0, None), (4, 0, 9, 10, "ann")]


def test_a_swap_of_a_whole_turn_keeps_its_key_and_names_the_reason():
    swap = Override(rotation="primary", person="bob", **{"from": "2026-03-02T10:00"}, until="2026-03-09T10:00",
                    reason="swap: ann's school play")
    before = rotation_shifts(weekly(["ann", "bob"]), people("ann", "bob"), [], berlin("2026-03-02 12:00"),
                             berlin("2026-03-16 00:00"))
    after = rotation_shifts(weekly(["ann", "bob"]), people("ann", "bob"), [swap], berlin("2026-03-02 12:00"),
                            berlin("2026-03-16 00:00"))
    assert table(before) == [
        ("oncall/primary/2026-03-02", "2026-03-02 10:00 CET", "2026-03-09 10:00 CET", 168.0, "ann", "ann", None),
        ("oncall/primary/2026-03-09", "2026-03-09 10:00 CET", "2026-03-16 10:00 CET", 168.0, "bob", "bob", None),
    ]
    assert table(after) == [
        ("oncall/primary/2026-03-02", "2026-03-02 10:00 CET", "2026-03-09 10:00 CET", 168.0, "bob", "ann",
         "swap: ann's school play"),
        ("oncall/primary/2026-03-09", "2026-03-09 10:00 CET", "2026-03-16 10:00 CET", 168.0, "bob", "bob", None),
    ]


def test_a_cover_inside_a_turn_cuts_it_in_three_and_one_across_a_handoff_in_two():
    covers = [Override(rotation="primary", person="cem", **{"from": "2026-03-04T18:00"}, until="2026-03-05T08:00",
                       reason="ann at the dentist"),
              Override(rotation="primary", person="ann", **{"from": "2026-03-15T00:00+01:00"},
                       until="2026-03-17T00:00+01:00", reason="bob travels")]
    found = rotation_shifts(weekly(["ann", "bob", "cem"]), people("ann", "bob", "cem"), covers,
                            berlin("2026-03-02 12:00"), berlin("2026-03-16 12:00"))
    assert table(found) == [
        ("oncall/primary/2026-03-02", "2026-03-02 10:00 CET", "2026-03-04 18:00 CET", 56.0, "ann", "ann", None),
        ("oncall/primary/2026-03-02/2026-03-04T1800", "2026-03-04 18:00 CET", "2026-03-05 08:00 CET", 14.0, "cem",
         "ann", "ann at the dentist"),
        ("oncall/primary/2026-03-02/2026-03-05T0800", "2026-03-05 08:00 CET", "2026-03-09 10:00 CET", 98.0, "ann",
         "ann", None),
        ("oncall/primary/2026-03-09", "2026-03-09 10:00 CET", "2026-03-15 00:00 CET", 134.0, "bob", "bob", None),
        ("oncall/primary/2026-03-09/2026-03-15T0000", "2026-03-15 00:00 CET", "2026-03-16 10:00 CET", 34.0, "ann",
         "bob", "bob travels"),
        ("oncall/primary/2026-03-16", "2026-03-16 10:00 CET", "2026-03-17 00:00 CET", 14.0, "ann", "cem",
         "bob travels"),
    ]


def test_daily_shifts_have_time_in_their_keys_only_when_shorter_than_a_day():
    daily = Rotation(id="d", name="D", members=["ann", "bob"], period="1d", start="2026-03-28",
                     handoff={"weekday": "saturday", "time": "09:00", "timezone": "Europe/Berlin"})
    found = rotation_shifts(daily, people("ann", "bob"), [], berlin("2026-03-28 12:00"), berlin("2026-03-30 00:00"))
    assert table(found) == [
        ("oncall/d/2026-03-28", "2026-03-28 09:00 CET", "2026-03-29 09:00 CEST", 23.0, "ann", "ann", None),
        ("oncall/d/2026-03-29", "2026-03-29 09:00 CEST", "2026-03-30 09:00 CEST", 24.0, "bob", "bob", None),
    ]
    halves = Rotation(id="h", name="H", members=["ann", "bob"], period="12h", start="2026-03-02",
                      handoff={"weekday": "monday", "time": "08:00", "timezone": "Europe/Berlin"})
    found = rotation_shifts(halves, people("ann", "bob"), [], berlin("2026-03-02 09:00"), berlin("2026-03-02 21:00"))
    assert [s.key for s in found] == ["oncall/h/2026-03-02T0800", "oncall/h/2026-03-02T2000"]


def test_hours_split_by_local_day_into_weekday_weekend_and_holiday():
    christmas = frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 26)})
    # Mon 12-21 10:00 to Mon 12-28 10:00: Mon 14 + Tue 24 + Wed 24 weekday; Thu, Fri, Sat (holidays) 72;
    # Sun 24 weekend; Mon 10 weekday.
    assert hours_by_kind(berlin("2026-12-21 10:00"), berlin("2026-12-28 10:00"), "Europe/Berlin", christmas) == {
        "weekday": 72.0, "weekend": 24.0, "holiday": 72.0}
    # Sat 03-28 10:00 to Sun 03-29 10:00 is 23 hours: 14 on Saturday, 9 on Sunday (02:00-03:00 never happens).
    assert hours_by_kind(berlin("2026-03-28 10:00"), berlin("2026-03-29 10:00"), "Europe/Berlin", frozenset()) == {
        "weekday": 0.0, "weekend": 23.0, "holiday": 0.0}
    # In another zone the same instants fall on other local days: 01:00 to 17:00 Tokyo time, a Saturday.
    assert hours_by_kind(berlin("2026-03-27 17:00"), berlin("2026-03-28 09:00"), "Asia/Tokyo", frozenset()) == {
        "weekday": 0.0, "weekend": 16.0, "holiday": 0.0}


def test_without_overrides_the_engine_agrees_with_the_schedules_on_call_every_five_hours_for_a_year(handbook_copy):
    from conftest import NOW
    from opsbook.calendar import schedule
    from opsbook.validation import load_handbook
    from opsbook.oncall.shifts import shift_at

    (handbook_copy / "ops" / "oncall-overrides.yaml").write_text("overrides: []\n", encoding="utf-8")
    handbook = load_handbook(handbook_copy, NOW)
    for rotation in handbook.team.rotations:
        for step in range(0, 400 * 24, 5):
            moment = NOW + dt.timedelta(hours=step, minutes=7)
            assert shift_at(handbook, rotation, moment).person == schedule.on_call(
                rotation, handbook.people, moment, handbook.team.timezone), (rotation.id, moment)
