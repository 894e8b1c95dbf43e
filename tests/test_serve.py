"""The author's loop: `ops serve` rebuilds on save, reloading only what changed (`opsbook.handbook.cache`,
`opsbook.site.serving`), and an invalid edit is reported with its file and line while the server runs on."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from conftest import NOW, TOOLS, site_copy
from mkdocs.commands.build import build
from mkdocs.config import load_config
from opsbook import urls
from opsbook.handbook import parallel
from opsbook.handbook.cache import DocumentCache
from opsbook.validation import check_handbook
from opsbook.site.adapter import describe

CHECKOUT = "runbooks/rb-checkout-failure.md"
OUTAGE = "pm-2026-10-14-checkout-outage"  # a post-mortem that followed the checkout runbook


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_reload_reads_only_the_files_that_changed(handbook_copy):
    cache = DocumentCache()
    first = check_handbook(handbook_copy, NOW, cache)
    handbook = first.handbook  # every file a model validates: documents, cadences, opsbook.yaml, ops/*.yaml, holidays
    assert len(cache.loaded) == len(handbook.runbooks) + len(handbook.postmortems) + len(handbook.cadences) + 9

    again = check_handbook(handbook_copy, NOW, cache)
    assert cache.loaded == []
    assert again.problems == first.problems
    assert again.handbook.runbooks.keys() == first.handbook.runbooks.keys()

    edit(handbook_copy / CHECKOUT, "title: ", "title: Renamed ")
    edited = check_handbook(handbook_copy, NOW, cache)
    assert cache.loaded == [handbook_copy / CHECKOUT]
    assert edited.handbook.runbooks["rb-checkout-failure"].meta.title.startswith("Renamed ")


def test_an_invalid_edit_is_reported_with_file_and_line_until_it_is_fixed(handbook_copy):
    cache = DocumentCache()
    check_handbook(handbook_copy, NOW, cache)
    path = handbook_copy / CHECKOUT
    good = path.read_text(encoding="utf-8")
    line = good.splitlines().index("owners: [priya, maya]") + 1
    edit(path, "owners: [priya, maya]", "owners: [priya, nobody]")

    broken = check_handbook(handbook_copy, NOW, cache)
    assert broken.handbook is None
    assert [describe(p) for p in broken.errors] == [
        f"{CHECKOUT}:{line}:17: owners[1]: refers to unknown person 'nobody' "
        "(expected a person id defined in ops/team.yaml (people))"]
    assert check_handbook(handbook_copy, NOW, cache).errors == broken.errors  # still broken: still reported

    path.write_text(good, encoding="utf-8")
    assert check_handbook(handbook_copy, NOW, cache).handbook is not None
    assert cache.loaded == [path]


class Server:
    """The plugin's rebuilds as `mkdocs serve --dirty` runs them, in this process and without HTTP."""

    def __init__(self, root: Path, site_dir: Path):
        self.root, self.site_dir, self.plugin = root, site_dir, None

    def build(self) -> None:
        config = load_config(config_file=str(self.root / "mkdocs.yml"), site_dir=str(self.site_dir))
        if self.plugin is None:
            config.plugins.on_startup(command="serve", dirty=True)
            self.plugin = config.plugins["opsbook"]
        assert config.plugins["opsbook"] is self.plugin  # MkDocs keeps it from one rebuild to the next
        config.plugins["opsbook"].config.as_of = NOW.isoformat()
        build(config, serve_url="http://127.0.0.1:8000/", dirty=True)

    def page(self, url: str) -> Path:
        return self.site_dir / url / "index.html"


def test_dirty_rebuild_redoes_the_edited_page_and_the_pages_that_show_it(handbook_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)  # as under `mkdocs serve`, whose threads forbid it
    root = site_copy(handbook_copy)
    server = Server(root, tmp_path / "served")
    server.build()
    untouched = server.page(urls.postmortem("pm-2026-03-17-gift-search-rate-limited"))
    untouched_mtime = untouched.stat().st_mtime_ns
    feeds = server.plugin.memory.feeds
    time.sleep(0.01)

    # A runbook's title shows on its page, in the navigation (so on every page) and on the post-mortems
    # that followed it: the navigation changed, so everything is rebuilt.
    edit(root / CHECKOUT, "title: ", "title: Renamed ")
    server.build()
    assert "Renamed " in server.page(urls.runbook("rb-checkout-failure")).read_text(encoding="utf-8")
    assert "Renamed " in server.page(urls.postmortem(OUTAGE)).read_text(encoding="utf-8")
    assert server.plugin.memory.feeds is feeds  # no feed reads a runbook: the last ones are reused

    # A change to a runbook's body shows on its page only: the others are left as they are.
    untouched_mtime = untouched.stat().st_mtime_ns
    edit(root / CHECKOUT, "## Final fix\n", "## Final fix\n\nA sentence added while serving.\n")
    server.build()
    assert "A sentence added while serving." in server.page(urls.runbook("rb-checkout-failure")).read_text(
        encoding="utf-8")
    assert untouched.stat().st_mtime_ns == untouched_mtime
    assert server.plugin.memory.feeds is feeds
    assert server.plugin.memory.documents.loaded == [root / CHECKOUT]

    # A post-mortem feeds the calendar (its review meeting, its action items): the feeds are rebuilt.
    edit(root / "postmortems" / f"{OUTAGE}.md", "## Summary\n", "## Summary\n\nEdited while serving.\n")
    server.build()
    assert server.plugin.memory.feeds is not feeds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, timeout: float = 60) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(predicate, what: str, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert server.poll() is None, f"ops serve exited while waiting for {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}:\n{log.read_text()}"
        time.sleep(0.1)


# MkDocs' server notices a saved file through watchdog's polling thread, whose timed waits never end
# under libfaketime's shifted clock: no edit is ever rebuilt there (the first build is served).
REAL_CLOCK = pytest.mark.skipif("FAKETIME" in os.environ, reason="the server's file watcher waits on the real "
                                "clock and never wakes under faketime")


@contextlib.contextmanager
def serving(root: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    """`ops serve` on a free port in a process of its own, logging to a file: the process, port and log."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(TOOLS), "NO_COLOR": "1"}
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen([sys.executable, "-m", "opsbook", "serve", "--root", str(root),
                                   "--dev-addr", f"127.0.0.1:{port}"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield server, port, log
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
@REAL_CLOCK
def test_ops_serve_shows_a_saved_edit_and_survives_an_invalid_one(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    with serving(root, tmp_path) as (server, port, log):
        page = f"http://127.0.0.1:{port}/{urls.runbook('rb-checkout-failure')}"
        wait_for(lambda: "Quick mitigation" in fetch(page), "the first build", server, log)
        runbook = root / CHECKOUT
        edit(runbook, "## Final fix\n", "## Final fix\n\nShown after saving.\n")
        wait_for(lambda: "Shown after saving." in fetch(page), "the edit to be served", server, log)

        good = runbook.read_text(encoding="utf-8")
        line = good.splitlines().index("owners: [priya, maya]") + 1
        edit(runbook, "owners: [priya, maya]", "owners: [priya, nobody]")
        wait_for(lambda: f"{CHECKOUT}:{line}:" in log.read_text(), "the error in the log", server, log)
        assert "'nobody'" in log.read_text()
        assert "The preview keeps the last good build" in log.read_text()
        assert server.poll() is None

        # The page answers at once (MkDocs alone holds every request until the error is fixed): the last
        # good build, under a banner that names the file and line.
        wait_for(lambda: "last good build" in fetch(page, timeout=5), "the banner", server, log)
        started = time.monotonic()
        shown = fetch(page, timeout=5)
        assert time.monotonic() - started < 5
        assert "Shown after saving." in shown
        banner = shown[shown.index('class="opsbook-preview-errors"'):shown.index("</div>", shown.index("last good"))]
        assert f"{CHECKOUT}:{line}:17: owners[1]: refers to unknown person &#x27;nobody&#x27;" in banner
        assert "last good build" in fetch(f"http://127.0.0.1:{port}/status/index.html", timeout=5)

        runbook.write_text(good.replace("Shown after saving.", "Fixed and shown again."), encoding="utf-8")
        wait_for(lambda: "Fixed and shown again." in fetch(page), "the fixed page", server, log)
        assert "opsbook-preview-errors" not in fetch(page)
    logging.getLogger(__name__).info(log.read_text())


@pytest.mark.slow
@REAL_CLOCK
def test_ops_serve_previews_the_status_page_and_its_edits(handbook_copy, tmp_path):
    root = site_copy(handbook_copy)
    with serving(root, tmp_path) as (server, port, log):
        page = f"http://127.0.0.1:{port}/status/index.html"
        wait_for(lambda: "GiftGenius status" in fetch(page), "the status page", server, log)
        windows = root / "ops" / "maintenance.yaml"
        text = windows.read_text(encoding="utf-8")
        first_title = next(line for line in text.splitlines() if line.strip().startswith("title:"))
        edit(windows, first_title, first_title.split("title:")[0] + "title: Card processor upgrade, previewed")
        wait_for(lambda: "Card processor upgrade, previewed" in fetch(page), "the edited window", server, log)


def test_a_build_after_a_dirty_rebuild_in_the_same_process_is_whole(handbook_copy, tmp_path, monkeypatch):
    """MkDocs keeps plugins that have an `on_startup` hook (ours, Material's search) from one build to the
    next in a process; `build_site` must tell them it is a clean build, or it leaves pages out of the
    search index and reuses the server's memory."""
    from opsbook.site.build import build_site

    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    root = site_copy(handbook_copy)
    Server(root, tmp_path / "served").build()
    build_site(root, tmp_path / "after", NOW.isoformat())
    monkeypatch.undo()
    build_site(root, tmp_path / "alone", NOW.isoformat())  # what a fresh process's first build gives
    index = "search/search_index.json"
    assert (tmp_path / "after" / index).read_bytes() == (tmp_path / "alone" / index).read_bytes()
