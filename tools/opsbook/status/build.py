"""Build the status page: handbook → public view → pages and feeds → a folder swapped into place.

The output is a folder of its own (default `status-site/` in the handbook's folder, beside the
handbook's `site/`), so it can be published on its own domain while the handbook stays internal:

    index.html                  components, active incidents, maintenance, 90 days per component
    history.html                the most recent incidents in full, and every day with incidents by month
    history/<YYYY-MM-DD>.html   the incidents that began that day, with their updates and summaries
    feed.atom                   all incidents and maintenance windows (Atom, RFC 4287)
    components/<service>.atom   one component's incidents and maintenance windows
    maintenance.ics             the maintenance windows (iCalendar)

`render_status` is pure (the same handbook and moment give the same bytes); `write_status` writes it
into a new folder beside the target and renames it into place, so a reader never sees half a page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import shutil
from pathlib import Path

from opsbook import files
from opsbook.status.atom import render_feeds
from opsbook.status.maintenance import render_maintenance, window_revisions
from opsbook.status.page import render_history, render_index
from opsbook.status.view import StatusView, public_view

DEFAULT_DIR = "status-site"


@dataclasses.dataclass(frozen=True)
class BuiltStatus:
    out: Path
    view: StatusView
    files: dict[str, bytes]


def render_status(handbook, now: dt.datetime, previous_maintenance: bytes | None = None
                  ) -> tuple[StatusView, dict[str, bytes]]:
    """The status page's files by relative path, as of `now` (aware); `previous_maintenance` is the last
    build's maintenance.ics, so a moved or cancelled window's SEQUENCE goes up and a changed one's feed
    entry is dated when the change was first built."""
    with _collector_paused():
        view = public_view(handbook, now)
        revised = window_revisions(view, previous_maintenance)
        output = {"index.html": render_index(view), **render_history(view)}
        output.update(render_feeds(view, revised))
        output["maintenance.ics"] = render_maintenance(view, revised)
    return view, output


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while rendering.

    Rendering makes many short-lived strings and no reference cycles, next to a loaded handbook of
    many objects that each collection would scan again: on 10,000 incidents the first render took
    several times as long as the next ones.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_status(handbook, out: Path | str, now: dt.datetime) -> BuiltStatus:
    """Render the status page and put it at `out`, replacing what was there only once it is complete."""
    target = Path(out).resolve()
    previous = target / "maintenance.ics"
    view, output = render_status(handbook, now, previous.read_bytes() if previous.is_file() else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = files.staging_folder(target.parent, f".{target.name}.building-")
    try:
        for rel, data in output.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, files.new_file_mode())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files.swap_folder(staging, target)
    return BuiltStatus(target, view, output)
