"""`ops build`: run MkDocs on the handbook's `mkdocs.yml` with `--strict`, into a fresh folder that
replaces the old site only when the build succeeds, so a failed build never leaves half a site behind.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from pathlib import Path
from typing import Callable

from opsbook import files, urls
from opsbook.problems import OpsbookError, UsageError
from opsbook.site import hosting

CONFIG_FILE = "mkdocs.yml"


@dataclasses.dataclass(frozen=True)
class Built:
    site_dir: Path
    pages: int
    feeds: list[str]
    site_url: str
    generated: dict[str, str]  # the generated pages' Markdown by source path, as published
    size: hosting.SiteSize     # the whole site's bytes and its biggest page, status page included


class MkDocsMessages(logging.Handler):
    """MkDocs' warnings and errors, one line each, as MkDocs' own command line prints them."""

    def __init__(self, lines: list[str]):
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} - {record.getMessage()}")


def build_site(root: Path | str, site_dir: Path | str | None = None, as_of: str | None = None,
               messages: list[str] | None = None, add: Callable[[Path, Path], None] | None = None,
               measured=None, before: Callable[[Path], None] | None = None, checked=None) -> Built:
    """Build the site of the handbook at `root` into `site_dir` (default: the one `mkdocs.yml` names).

    MkDocs' warnings and errors are appended to `messages`. `add(staging, target)` may put more into the
    new site before it replaces the old one (the status page). `measured` (an `opsbook.slo.status.Report`)
    puts the SLOs' numbers on the SLO pages; `before(target)` runs before anything is read from the old
    site (`ops build --carry-over` fetches the published feeds into it); `checked`, the caller's own
    `check_handbook` report of `root` as of `as_of`, spares validating the handbook a second time.
    Raises OpsbookError when the build fails.
    """
    root = Path(root).resolve()
    config_file = root / CONFIG_FILE
    if not config_file.is_file():
        raise UsageError(f"{config_file}: not found; a handbook's site is configured in {CONFIG_FILE} "
                         "(copy the example's, with its docs/ folder)")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner is not for handbook authors
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    echo = MkDocsMessages(messages if messages is not None else [])
    logger = logging.getLogger("mkdocs")
    logger.addHandler(echo)
    try:
        config = load_config(str(config_file), strict=True)
        target = Path(site_dir).resolve() if site_dir else Path(config.site_dir)
        if before is not None:
            before(target)
        staging = _staging(target)
        config.site_dir = str(staging)
        plugin = config.plugins.get("opsbook")
        if plugin is None:
            raise UsageError(f"{config_file}: `plugins` does not list `opsbook`")
        plugin.config.root = str(root)
        plugin.config.as_of = as_of
        plugin.measured = measured
        plugin.checked = checked
        # As `mkdocs build` does: plugins with an `on_startup` hook (ours, Material's search) are kept by
        # MkDocs from one build to the next in a process, so each build must tell them it is a clean one.
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as exc:
        raise OpsbookError(f"the site did not build: {_reason(exc, echo.lines)}") from None
    finally:
        logger.removeHandler(echo)
    if add is not None:
        try:
            add(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    files.swap_folder(staging, target)
    feeds = sorted(path for path in plugin.site.feeds if path.endswith(".ics"))
    pages = sum(1 for _ in target.rglob("index.html"))
    return Built(target, pages, feeds, config.site_url or "", dict(plugin.site.generated), hosting.measure(target))


def _reason(exc: Exception, lines: list[str]) -> str:
    """MkDocs aborts with "Aborted with a BuildError!" after logging the error; say the error instead."""
    errors = [line for line in lines if line.startswith("ERROR - ")]
    if "BuildError" in str(exc) and errors:
        lines.remove(errors[-1])
        return errors[-1].removeprefix("ERROR - ")
    return str(exc)


def _staging(target: Path) -> Path:
    """A new folder beside `target`, holding the last build's feeds (their SEQUENCE numbers carry on)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = files.staging_folder(target.parent, f".{target.name}.building-")  # a new folder's mode, not 0700
    if (target / urls.FEED_DIR).is_dir():
        shutil.copytree(target / urls.FEED_DIR, staging / urls.FEED_DIR)
    return staging
