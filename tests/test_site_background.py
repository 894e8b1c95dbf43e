"""The feeds and generated pages rendered in a worker process during the site build (`opsbook.site.background`):
the same site as rendering them in the build's own process, and a worker that fails, dies or hangs fails
the build with a message instead of leaving it waiting."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import NOW, REPO
from opsbook.handbook import parallel
from opsbook.validation import load_handbook
from opsbook.problems import OpsbookError
from opsbook.site import background, decorate, pages
from opsbook.site.build import build_site

AS_OF = NOW.isoformat()


def test_worker_and_in_process_rendering_give_the_same_site(forks, tmp_path, monkeypatch):
    with_worker = build_site(REPO, tmp_path / "worker", AS_OF)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    in_process = build_site(REPO, tmp_path / "in-process", AS_OF)
    assert with_worker.generated == in_process.generated
    assert with_worker.feeds == in_process.feeds
    for folder in ("feeds", "reviews", "metrics", "runbooks", "postmortems"):
        for path in (tmp_path / "in-process" / folder).rglob("*"):
            if path.is_file():
                twin = tmp_path / "worker" / path.relative_to(tmp_path / "in-process")
                assert twin.read_bytes() == path.read_bytes(), path


def test_fragments_from_the_worker_are_the_ones_each_page_renders_itself(forks):
    handbook = load_handbook(REPO, NOW)
    today = pages.local_today(handbook, NOW)
    items = [(item.src, item.kind, item.id) for item in pages.content_files(handbook) if item.kind != "page"]
    work = background.Background(handbook, NOW, {}, 28, items, today)
    try:
        deadline = time.monotonic() + 30
        while work.fragments() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert work.fragments() == {src: decorate.fragments(handbook, kind, item_id, today)
                                    for src, kind, item_id in items}
        assert len(work.fragments()) == len(handbook.runbooks) + len(handbook.postmortems)
        assert set(work.result().generated) == set(pages.generated_sources(handbook))
    finally:
        work.close()  # and the worker's threads end, so the next test may fork again


def test_an_error_in_the_worker_fails_the_build_with_its_message(forks, tmp_path, monkeypatch):
    def broken(*args):
        raise OpsbookError("calendar/weekly-slo-review.yaml:3: rule: cannot be expanded")

    monkeypatch.setattr(background, "publish", broken)  # the forked worker inherits the patch
    with pytest.raises(OpsbookError, match=r"calendar/weekly-slo-review\.yaml:3: rule: cannot be expanded"):
        build_site(REPO, tmp_path / "site", AS_OF)
    assert not (tmp_path / "site").exists()


def test_a_worker_that_dies_fails_the_build(forks, tmp_path, monkeypatch):
    monkeypatch.setattr(background, "publish", lambda *args: os._exit(3))
    with pytest.raises(OpsbookError, match="stopped unexpectedly"):
        build_site(REPO, tmp_path / "site", AS_OF)


@pytest.mark.skipif("FAKETIME" in os.environ, reason="libfaketime moves the monotonic clock but not the kernel's "
                    "timed waits, so the build's one-second timeout would never expire")
def test_a_worker_that_hangs_is_stopped_and_fails_the_build(forks, tmp_path, monkeypatch):
    monkeypatch.setattr(background, "TIMEOUT", 1)
    # Blocks until a signal stops it: a timed sleep may return early under a moved clock (faketime).
    monkeypatch.setattr(background, "publish", lambda *args: [signal.pause() for _ in iter(int, 1)])
    begin = time.monotonic()
    with pytest.raises(OpsbookError, match="took longer than 1 s"):
        build_site(REPO, tmp_path / "site", AS_OF)
    assert time.monotonic() - begin < 20
