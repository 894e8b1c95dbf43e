"""What was fetched from each team, kept in the organisation's site (`fetched/<team>/`) for the next run.

`settle` (pure) decides, from this run's answers and the kept copy, what each team is now:

- **read**: its `opsbook.json` came (200) or was confirmed unchanged (304) and is an export this toolkit
  reads (JSON, a known major `schema_version`, the contract's fields). Each other file is the new one
  when it came and looks right, else the kept one (a failed feed never removes the last good copy);
- **stale**: it could not be read this time, but a copy was kept: that copy is shown, "stale since" the
  day it was last read (`read_on`, from `--as-of`, never the clock);
- **not reachable**: it could not be read and nothing was ever kept.

`state.json` beside the files holds `read_on` and each file's validators (ETag, Last-Modified), so an
unchanged team costs 304s next time and writes the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from pydantic import ValidationError

from opsbook import files as atomic
from opsbook.org import contract
from opsbook.org.fetch import FILES, Response

FOLDER = "fetched"
STATE = "state.json"
READ, STALE, UNREACHABLE = "read", "stale", "not reachable"


@dataclasses.dataclass(frozen=True)
class Kept:
    """One team's copy as the last run left it."""

    read_on: dt.date | None
    files: dict[str, bytes]
    validators: dict[str, dict]


@dataclasses.dataclass(frozen=True)
class TeamCopy:
    """One team after this run: what it is, why, and the files the pages are built from."""

    team: object                     # the org.yaml entry (`opsbook.org.config.TeamEntry`)
    state: str                       # READ, STALE or UNREACHABLE
    read_on: dt.date | None          # the day its copy was last read
    reason: str | None               # why it could not be read this time
    notes: tuple[str, ...]           # files that failed while the team was read (their last copy kept)
    export: contract.Export | None
    files: dict[str, bytes]
    validators: dict[str, dict]


def read_kept(site_dir: Path, team_ids) -> dict[str, Kept]:
    """The copies the last run left in `site_dir/fetched/`; a damaged state counts as no copy."""
    found = {}
    for team_id in team_ids:
        folder = site_dir / FOLDER / team_id
        try:
            state = json.loads((folder / STATE).read_text(encoding="utf-8"))
            read_on = dt.date.fromisoformat(state["read_on"])
            validators = {path: dict(v) for path, v in state.get("files", {}).items() if path in FILES}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        kept = {path: (folder / path).read_bytes() for path in FILES if (folder / path).is_file()}
        found[team_id] = Kept(read_on, kept, {path: v for path, v in validators.items() if path in kept})
    return found


def validators(kept: dict[str, Kept]) -> dict[str, dict]:
    """team → path → the validators to revalidate it with (for `opsbook.org.fetch.plan`)."""
    return {team_id: copy.validators for team_id, copy in kept.items()}


def check_export(data: bytes) -> tuple[contract.Export | None, str | None]:
    """The export in `data`, or why it is not one this toolkit reads."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "opsbook.json is not JSON"
    if not isinstance(parsed, dict):
        return None, "opsbook.json is not a JSON object"
    version = parsed.get("schema_version")
    major = contract.major(version)
    if major != contract.MAJOR:
        return None, (f"opsbook.json has schema_version {str(version)[:20]!r}; this toolkit reads "
                      f"{contract.MAJOR}.x (a newer toolkit may read it)")
    try:
        return contract.Export.model_validate(parsed), None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(step) for step in error["loc"])
        return None, f"opsbook.json is not an export: {where}: {error['msg']}"


def _looks_right(path: str, data: bytes) -> bool:
    if path.endswith(".ics"):
        return data.lstrip().startswith(b"BEGIN:VCALENDAR")
    try:
        return isinstance(json.loads(data.decode("utf-8")), dict)
    except (UnicodeDecodeError, ValueError):
        return False


def settle(team, answers: dict[str, Response], kept: Kept | None, today: dt.date) -> TeamCopy:
    """What `team` is after this run's `answers` (by path), given its `kept` copy."""
    kept = kept or Kept(None, {}, {})
    answer = answers["opsbook.json"]
    if answer.fresh:
        export, reason = check_export(answer.body)
    elif answer.unchanged and "opsbook.json" in kept.files:
        export, reason = check_export(kept.files["opsbook.json"])
    else:
        export, reason = None, answer.reason or f"HTTP {answer.status} for opsbook.json"
    if export is None:
        previous = check_export(kept.files["opsbook.json"])[0] if "opsbook.json" in kept.files else None
        if previous is not None:
            return TeamCopy(team, STALE, kept.read_on, reason, (), previous, dict(kept.files), dict(kept.validators))
        return TeamCopy(team, UNREACHABLE, None, reason, (), None, {}, {})
    chosen, checks, notes = {}, {}, []
    for path in FILES:
        answer = answers[path]
        if answer.fresh and _looks_right(path, answer.body):
            chosen[path] = answer.body
            checks[path] = {k: v for k, v in (("etag", answer.etag), ("last_modified", answer.last_modified)) if v}
        elif path in kept.files:
            chosen[path] = kept.files[path]
            checks[path] = kept.validators.get(path, {})
            if not answer.unchanged:
                notes.append(f"{path}: {answer.reason or 'not a ' + path.rsplit('.', 1)[-1] + ' file'}; "
                             f"the copy of {kept.read_on} is shown")
        else:
            notes.append(f"{path}: {answer.reason or 'not a ' + path.rsplit('.', 1)[-1] + ' file'}")
    return TeamCopy(team, READ, today, None, tuple(notes), export, chosen, checks)


def write_kept(site_dir: Path, copies: list[TeamCopy]) -> None:
    """Keep each team's files and state in `site_dir/fetched/<team>/` (a staging folder: written whole)."""
    for copy in copies:
        if copy.state == UNREACHABLE:
            continue
        folder = site_dir / FOLDER / copy.team.id
        for path, data in copy.files.items():
            atomic.write_atomically(folder / path, data)
        state = {"read_on": copy.read_on.isoformat(), "files": {path: copy.validators.get(path, {})
                                                                 for path in sorted(copy.files)}}
        atomic.write_atomically(folder / STATE, json.dumps(state, indent=1, sort_keys=True) + "\n")
