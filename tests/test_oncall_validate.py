"""On-call validation: each case changes a scratch copy of the example handbook in one way and asserts the
exact error lines of `ops validate` (exit 1), as a reviewer of the pull request would read them.

The clock is fixed at 2026-11-26; primary-on-call hands off on Mondays at 10:00 Europe/Berlin, members
maya, tomas, priya (priya's turns: 2026-11-30, 2026-12-21, ...); priya is away 2026-12-21 to 2027-01-03.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opsbook.cli import main

OVERRIDES = "ops/oncall-overrides.yaml"
TEAM = "ops/team.yaml"
MAYA_ROLES = "    roles: [on-call, incident-commander]\n"
TOMAS_ROLES = "    roles: [on-call, scribe]\n"
SWAP = """\
# yaml-language-server: $schema=../schemas/oncall-overrides.schema.json
overrides:
  - rotation: primary-on-call
    person: tomas
    from: 2026-12-07T10:00
    until: 2026-12-14T10:00
    reason: Swap with maya (school play)
"""
SECONDARY = """\
  - id: secondary-on-call
    name: Secondary on-call
    role: on-call
    members: [jordan]
    period: 1w
    start: 2026-01-05
    backs_up: primary-on-call
    handoff:
      weekday: monday
      time: "10:00"
      timezone: Europe/Berlin
"""


def away(start: str, end: str) -> str:
    return f"    away:\n      - {{start: {start}, end: {end}}}\n"


def _validate(root: Path, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(root), "--as-of", "2026-11-26"])
    out = capsys.readouterr().out
    return exit_info.value.code, [line for line in out.splitlines() if ": error: " in line or ": warning: " in line]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, marker: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(marker)) + 1


def test_a_swap_and_a_secondary_layer_are_valid(handbook_copy, capsys):
    (handbook_copy / OVERRIDES).write_text(SWAP, encoding="utf-8")
    _edit(handbook_copy / TEAM, "  - id: review-hosts\n", SECONDARY + "  - id: review-hosts\n")
    assert _validate(handbook_copy, capsys) == (0, [])


def test_overlapping_overrides_name_each_other(handbook_copy, capsys):
    (handbook_copy / OVERRIDES).write_text(SWAP + """\
  - rotation: primary-on-call
    person: priya
    from: 2026-12-13T18:00
    until: 2026-12-15T10:00
    reason: Cover for tomas
""", encoding="utf-8")
    assert _validate(handbook_copy, capsys) == (1, [
        "ops/oncall-overrides.yaml:10:5: error: overrides[1].from: overlaps overrides[0] (tomas on primary-on-call "
        "from 2026-12-07 10:00 until 2026-12-14 10:00): who holds the rotation then?"])


def test_an_override_for_someone_not_in_the_team_is_a_dangling_reference(handbook_copy, capsys):
    (handbook_copy / OVERRIDES).write_text(SWAP.replace("person: tomas", "person: tomaz"), encoding="utf-8")
    assert _validate(handbook_copy, capsys) == (1, [
        "ops/oncall-overrides.yaml:4:5: error: overrides[0].person: refers to unknown person 'tomaz'"])


def test_an_override_putting_someone_on_call_while_away(handbook_copy, capsys):
    (handbook_copy / OVERRIDES).write_text(SWAP.replace("person: tomas", "person: priya")
                                           .replace("2026-12-07T10:00", "2026-12-28T10:00")
                                           .replace("2026-12-14T10:00", "2027-01-04T10:00"), encoding="utf-8")
    assert _validate(handbook_copy, capsys) == (1, [
        "ops/oncall-overrides.yaml:4:5: error: overrides[0].person: priya would be on call while away: away from "
        "2026-12-21 to 2027-01-03 (Winter holiday)"])


def test_an_override_with_until_before_from(handbook_copy, capsys):
    (handbook_copy / OVERRIDES).write_text(SWAP.replace("until: 2026-12-14T10:00", "until: 2026-12-06T10:00"),
                                           encoding="utf-8")
    code, lines = _validate(handbook_copy, capsys)
    assert (code, lines) == (1, ["ops/oncall-overrides.yaml:3:5: error: overrides[0]: `until` is not after `from`"])


def test_everyone_away_is_an_error_naming_the_times(handbook_copy, capsys):
    team = handbook_copy / TEAM
    _edit(team, MAYA_ROLES, MAYA_ROLES + away("2026-12-23", "2026-12-27"))
    _edit(team, TOMAS_ROLES, TOMAS_ROLES + away("2026-12-24", "2026-12-31"))
    line = _line(team, "members: [maya, tomas, priya]")
    assert _validate(handbook_copy, capsys) == (1, [
        f"ops/team.yaml:{line}:5: error: rotations[0].members: nobody holds primary-on-call from Thu 2026-12-24 "
        "00:00 to Mon 2026-12-28 00:00 (Europe/Berlin): everyone in it is away"])


def test_an_override_fills_the_gap_when_everyone_is_away(handbook_copy, capsys):
    team = handbook_copy / TEAM
    _edit(team, MAYA_ROLES, MAYA_ROLES + away("2026-12-23", "2026-12-27"))
    _edit(team, TOMAS_ROLES, TOMAS_ROLES + away("2026-12-24", "2026-12-31"))
    (handbook_copy / OVERRIDES).write_text(SWAP.replace("person: tomas", "person: jordan")
                                           .replace("2026-12-07T10:00", "2026-12-24T00:00")
                                           .replace("2026-12-14T10:00", "2026-12-28T00:00"), encoding="utf-8")
    assert _validate(handbook_copy, capsys) == (0, [])


def test_a_secondary_equal_to_the_primary(handbook_copy, capsys):
    # The secondary's turns from 2026-11-30: maya, tomas, priya, maya; the primary's: priya, maya, tomas,
    # then priya, who is away, so maya stands in: maya would hold both layers that week. And the example's
    # February swap (ops/oncall-overrides.yaml) puts priya on the primary in her own secondary week.
    team = handbook_copy / TEAM
    _edit(team, "  - id: review-hosts\n", SECONDARY.replace("[jordan]", "[maya, tomas, priya]")
          .replace("start: 2026-01-05\n    backs_up", "start: 2026-11-30\n    backs_up") + "  - id: review-hosts\n")
    line = _line(team, "backs_up: primary-on-call")
    assert _validate(handbook_copy, capsys) == (1, [
        f"ops/team.yaml:{line}:5: error: rotations[1].backs_up: maya holds both secondary-on-call and "
        "primary-on-call from Mon 2026-12-21 10:00 to Mon 2026-12-28 10:00 (Europe/Berlin): a secondary must be "
        "someone else",
        f"ops/team.yaml:{line}:5: error: rotations[1].backs_up: priya holds both secondary-on-call and "
        "primary-on-call from Mon 2027-02-15 10:00 to Mon 2027-02-22 10:00 (Europe/Berlin): a secondary must be "
        "someone else"])


def test_an_override_time_that_is_not_a_date_time(handbook_copy, capsys):
    # YAML reads an unquoted 10:00 as the number 600, which must not become 1970-01-01 00:10 UTC.
    (handbook_copy / OVERRIDES).write_text(SWAP.replace("from: 2026-12-07T10:00", "from: 10:00"), encoding="utf-8")
    assert _validate(handbook_copy, capsys) == (1, [
        "ops/oncall-overrides.yaml:5:5: error: overrides[0].from: expected a date-time such as 2027-02-01T10:00 "
        "(local to the rotation's zone) or 2027-02-01T10:00+01:00"])


def test_a_rotation_that_backs_itself_up(handbook_copy, capsys):
    team = handbook_copy / TEAM
    _edit(team, "    period: 1w\n    start: 2026-01-05\n    handoff:",
          "    period: 1w\n    start: 2026-01-05\n    backs_up: primary-on-call\n    handoff:")
    line = _line(team, "backs_up: primary-on-call")
    assert _validate(handbook_copy, capsys) == (1, [
        f"ops/team.yaml:{line}:5: error: rotations[0].backs_up: primary-on-call backs itself up"])
