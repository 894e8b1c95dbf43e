"""The build's independent, CPU-heavy work (the calendar feeds, the generated pages, the runbook and
post-mortem pages' header and footer fragments) done in a second process while MkDocs reads and converts
the handbook's pages in this one: MkDocs renders pages on one core, and nothing it does before the
generated pages are read depends on them.

The fragments come first and are only a head start: a page MkDocs reads before the worker has sent them
renders its own (the same function, so the same HTML), and a failure there is raised by that page.

The worker is forked, so it inherits the validated handbook instead of receiving a pickled copy; only
the results (bytes and strings) travel back. Where forking is not safe (other threads running, as under
`mkdocs serve`, or no `fork` on the platform) the same function runs in this process the first time a
result is needed. The output is the same either way; only the moment it is computed differs.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from typing import Mapping

from mkdocs.exceptions import PluginError

from opsbook.handbook import parallel
from opsbook.handbook.assembled import Handbook
from opsbook.problems import OpsbookError
from opsbook.site import decorate, pages

TIMEOUT = 600  # seconds; a thousand post-mortems take about one

_INHERITED: dict[int, tuple] = {}  # job number → `publish` arguments, read by the forked worker
_jobs = iter(range(1, 1 << 62))


@dataclasses.dataclass(frozen=True)
class Published:
    feeds: dict[str, bytes]     # by path in the site
    generated: dict[str, str]   # the generated pages' Markdown by source path


def publish(handbook: Handbook, now: dt.datetime, previous: Mapping[str, bytes], upcoming_days: int,
            feeds: dict[str, bytes] | None = None, measured=None) -> Published:
    """The feed files and the generated pages of one build; `feeds`, when given, are the feeds of an
    earlier build from the same inputs (see `opsbook.site.serving`), used instead of building them."""
    from opsbook.calendar.feed import build_feeds, feed_paths

    if feeds is None:
        feeds = build_feeds(handbook, now, previous)
    if list(feeds) != feed_paths(handbook):  # the site listed `feed_paths` before the feeds existed
        raise RuntimeError(f"opsbook: feed_paths() {feed_paths(handbook)} disagrees with build_feeds() {list(feeds)}")
    return Published(feeds, pages.generate(handbook, now, feeds.keys(), upcoming_days, measured))


def decorate_all(handbook: Handbook, items: list[tuple[str, str, str]], today: dt.date) -> dict[str, tuple[str, str]]:
    """(header, footer) fragments by source path for `items` of (source path, kind, id)."""
    return {src: decorate.fragments(handbook, kind, item_id, today) for src, kind, item_id in items}


def _publish_inherited(job: int) -> Published:
    return publish(*_INHERITED[job][:6])


def _decorate_inherited(job: int) -> dict[str, tuple[str, str]]:
    handbook, *_, items, today = _INHERITED[job]
    return decorate_all(handbook, items, today)


class Background:
    """One build's background work: `publish` (collected with `result()`, which waits if need be) and,
    before it, the `decorated` pages' fragments (offered by `fragments()`, which never waits)."""

    def __init__(self, handbook: Handbook, now: dt.datetime, previous: Mapping[str, bytes], upcoming_days: int,
                 decorated: list[tuple[str, str, str]] = (), today: dt.date | None = None,
                 feeds: dict[str, bytes] | None = None, measured=None):
        self._args = (handbook, now, dict(previous), upcoming_days, feeds, measured)
        self._result: Published | None = None
        self._fragments: dict[str, tuple[str, str]] | None = None
        self._executor: cf.ProcessPoolExecutor | None = None
        self._future: cf.Future | None = None
        self._decorating: cf.Future | None = None
        self._job = 0
        if parallel.can_fork():
            self._job = next(_jobs)
            _INHERITED[self._job] = self._args + (list(decorated), today)
            self._executor = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            if decorated:  # first: MkDocs reads these pages first
                self._decorating = self._executor.submit(_decorate_inherited, self._job)
            self._future = self._executor.submit(_publish_inherited, self._job)

    def fragments(self) -> dict[str, tuple[str, str]] | None:
        """The pages' fragments if the worker has sent them already, else None: render them in place."""
        if self._fragments is None and self._decorating is not None and self._decorating.done():
            future, self._decorating = self._decorating, None
            if future.exception() is None:  # else each page renders its own and meets the error itself
                self._fragments = future.result()
        return self._fragments

    def result(self) -> Published:
        """The feeds and pages; raises PluginError when they could not be built."""
        if self._result is None:
            try:
                self._result = self._collect() if self._future is not None else publish(*self._args)
            except OpsbookError as exc:
                raise PluginError(f"opsbook: {exc}") from None
            finally:
                self.close()
        return self._result

    def _collect(self) -> Published:
        try:
            return self._future.result(timeout=TIMEOUT)
        except cf.TimeoutError:  # `close` stops the worker
            raise PluginError(f"opsbook: the feeds and generated pages took longer than {TIMEOUT} s; "
                              "stopped the worker") from None
        except BrokenProcessPool:
            raise PluginError("opsbook: the worker building the feeds and generated pages stopped "
                              "unexpectedly (out of memory?)") from None

    def close(self) -> None:
        """Stop the worker (if any) and forget the inherited arguments; safe to call more than once."""
        _INHERITED.pop(self._job, None)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            done = self._future is None or self._future.done()
            if not done:
                _terminate(executor)
            executor.shutdown(wait=done, cancel_futures=True)
            if not done:
                _forget_at_exit(executor)


def _forget_at_exit(executor: cf.ProcessPoolExecutor) -> None:
    """Keep Python 3.11's exit hook from waking this executor's manager thread: `shutdown` woke it already,
    and the hook's write can meet the pipe that thread is closing, printing a "Bad file descriptor"
    traceback after the build's own error. (Waiting for the thread instead can hang on a terminated
    worker.) The hook's table of threads is private; without it there is nothing to forget."""
    thread = getattr(executor, "_executor_manager_thread", None)
    wakeups = getattr(getattr(cf, "process", None), "_threads_wakeups", None)
    if thread is not None and wakeups is not None:
        wakeups.pop(thread, None)


def _terminate(executor: cf.ProcessPoolExecutor) -> None:
    """Stop a worker that is still running (the build failed, or it hung), so nothing waits on it.
    The executor has no public way to do this; `_processes` is its map of worker processes."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()
