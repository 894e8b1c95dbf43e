"""Write a pull plan into the post-mortems, one file at a time, the way `ops incident` edits them.

Each file is read with the round-trip editor (comments, key order, quoting and CRLF line endings kept),
its items changed, checked as `ops validate` would check it, and moved into place atomically; a file the
plan does not change is never rewritten. A run that stops part-way (killed, or a refusal) leaves every
file either as it was or fully edited, and the next run, planning from the files, writes only the rest:
the edits are idempotent, so nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Callable

from opsbook.incident.editing import locked, read_editable, replace_checked
from opsbook.issues.pull import Edit, PullPlan

_CLOSED_KEYS = ("date", "by", "reason", "via")


@dataclasses.dataclass
class WriteResult:
    written: list[str] = dataclasses.field(default_factory=list)  # post-mortems changed, relative to the root
    refused: list[str] = dataclasses.field(default_factory=list)  # why a file was left as it was

    @property
    def ok(self) -> bool:
        return not self.refused


def write_edits(root: Path, plan: PullPlan, now: dt.datetime, on_written: Callable[[str], None] | None = None,
                contents=None) -> WriteResult:
    """Apply `plan.edits` to the files under `root`; `on_written(path)` is called after each file is in place.
    `contents`, the rest of the handbook as `load_contents(root, postmortems=False)` gives it (or as the
    loaded handbook's `Contents.without_postmortems()`), spares reading it again."""
    from opsbook.handbook.validate import load_contents

    result = WriteResult()
    if not plan.edits:
        return result
    with locked(root / "postmortems"):
        if contents is None:
            contents, _ = load_contents(root, postmortems=False)
        texts: dict[Path, str] = {}
        for rel in plan.files():
            edits = [edit for edit in plan.edits if edit.path == rel]
            document = read_editable(root / rel, markdown=True)
            before = document.render()
            _apply(document.data.get("action_items") or [], edits)
            text = document.render()
            if text != before:
                texts[root / rel] = text

        def done(path: Path) -> None:
            result.written.append(path.relative_to(root).as_posix())
            if on_written:
                on_written(result.written[-1])

        _, refused = replace_checked(root, texts, "postmortem", now, contents=contents, on_written=done)
        result.refused += [str(exc) for exc in refused]
    return result


def _apply(items, edits: list[Edit]) -> None:
    """Change the round-trip items in place: status, `issue:` and the `closed` record, in the model's order."""
    from ruamel.yaml.comments import CommentedMap

    by_id = {str(item.get("id")): item for item in items if hasattr(item, "get")}
    for edit in edits:
        item = by_id.get(edit.item)
        if item is None:  # the file changed since it was read; the next run plans again
            continue
        item["status"] = edit.status.value
        if edit.issue_url:
            _put_after(item, "issue", edit.issue_url, "status")
        if edit.closed is None:
            item.pop("closed", None)
            continue
        closed = CommentedMap()
        for key in _CLOSED_KEYS:
            if edit.closed.get(key):
                closed[key] = dt.date.fromisoformat(edit.closed[key]) if key == "date" else edit.closed[key]
        _put_after(item, "closed", closed, "issue" if "issue" in item else "status")


def _put_after(mapping, key: str, value, after: str) -> None:
    """Set `key`, placing a new key right after `after` so the file reads in the model's order."""
    if key in mapping:
        mapping[key] = value
        return
    keys = list(mapping.keys())
    position = keys.index(after) + 1 if after in keys else len(keys)
    mapping.insert(position, key, value)
