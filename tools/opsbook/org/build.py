"""`ops org build`: the organisation's site from what each team publishes.

1. Read `org.yaml` (problems with file and line) and `mkdocs.yml`.
2. Read the copies the last build kept in the site folder (`fetched/`), then fetch every team's files,
   revalidating each copy (`opsbook.org.fetch`: plan, then apply).
3. Settle each team: read, stale since a day, or not reachable (`opsbook.org.kept.settle`).
4. Compute the view once (`opsbook.org.view`); render the pages (`opsbook.org.pages`).
5. Build the site with MkDocs (`--strict`) into a new folder beside the old one, dated from `now`
   (SOURCE_DATE_EPOCH), then add the merged feed, the merged search index, the Backstage catalogue and
   the kept copies, and put the new folder in place of the old one: a failed build leaves the old site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from opsbook import files
from opsbook.org import fetch, kept, merge
from opsbook.org.pages import FEED, PAGES, render_pages
from opsbook.problems import OpsbookError, UsageError


@dataclasses.dataclass(frozen=True)
class OrgBuilt:
    site_dir: Path
    copies: list                # `opsbook.org.kept.TeamCopy`, in org.yaml's order
    answers: dict[str, int]     # "new", "unchanged", "failed" → count of requests
    fetch_seconds: float
    events: int
    search_added: int
    search_left: int
    catalogue: int
    problems: list[str]         # files left out of the merged outputs


def _count(responses) -> dict[str, int]:
    counts = {"new": 0, "unchanged": 0, "failed": 0}
    for response in responses:
        counts["new" if response.fresh else "unchanged" if response.unchanged else "failed"] += 1
    return counts


def build_org(root: Path | str, config, site_dir: Path | str | None, now: dt.datetime) -> OrgBuilt:
    """Fetch, settle, render and build for `config` (`load_org`); raises OpsbookError when MkDocs fails."""
    root = Path(root).resolve()
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise UsageError(f"{config_file}: not found; `ops org init` writes one")
    target = Path(site_dir).resolve() if site_dir else root / "site"
    previous = kept.read_kept(target, [team.id for team in config.teams])
    started = time.monotonic()
    responses = fetch.apply(fetch.plan(config.teams, kept.validators(previous)), timeout=config.timeout,
                            max_bytes=config.max_bytes, concurrency=config.concurrency)
    fetch_seconds = time.monotonic() - started
    by_team: dict[str, dict] = {}
    for response in responses:
        by_team.setdefault(response.team, {})[response.path] = response
    copies = [kept.settle(team, by_team[team.id], previous.get(team.id), now.date()) for team in config.teams]
    from opsbook.org.view import build_view

    view = build_view(config, copies, now)
    pages = render_pages(view, config.scorecard)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = files.staging_folder(target.parent, f".{target.name}.building-")
    try:
        _mkdocs(config_file, config, pages, staging, now)
        feed, left_out = merge.merge_calendars(config.name, copies)
        files.write_atomically(staging / FEED, feed)
        search = staging / merge.SEARCH
        added = left = 0
        if search.is_file():
            merged, added, left = merge.merge_search(search.read_bytes(), copies, config.max_search_bytes)
            files.write_atomically(search, merged)
        from opsbook.org.catalogue import catalogue_files

        catalogue = catalogue_files(copies)
        for path, text in catalogue.items():
            files.write_atomically(staging / path, text)
        kept.write_kept(staging, copies)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files.swap_folder(staging, target)
    return OrgBuilt(target, copies, _count(responses), fetch_seconds, feed.count(b"BEGIN:VEVENT"), added, left,
                    len(catalogue), left_out)


def _mkdocs(config_file: Path, config, pages: dict[str, str], staging: Path, now: dt.datetime) -> None:
    """Build the pages with MkDocs into `staging`, dated `now` (the sitemap's dates), strict."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    errors: list[str] = []
    from opsbook.site.build import MkDocsMessages

    handler = MkDocsMessages(errors)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    with tempfile.TemporaryDirectory(prefix="opsbook-org-docs-") as docs:
        for path, text in pages.items():
            Path(docs, path).write_text(text, encoding="utf-8")
        try:
            mkdocs_config = load_config(str(config_file), strict=True, docs_dir=docs, site_dir=str(staging),
                                        site_url=config.site_url)
            mkdocs_config["nav"] = [{title: path} for path, title in PAGES.items()]
            from opsbook.site.adapter import apply_theme

            apply_theme(mkdocs_config)
            mkdocs_config.plugins.on_startup(command="build", dirty=False)
            try:
                build(mkdocs_config)
            finally:
                mkdocs_config.plugins.on_shutdown()
        except MkDocsException as exc:
            raise OpsbookError(f"the organisation's site did not build: {errors[-1] if errors else exc}") from None
        finally:
            logger.removeHandler(handler)
            if epoch is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = epoch
