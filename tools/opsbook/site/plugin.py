"""The `opsbook` MkDocs plugin: a thin adapter between MkDocs' events and the plain page builders.

- `on_startup` notes whether this is `mkdocs serve --dirty`: then each build remembers what the next
  can reuse (`opsbook.site.serving`);
- `on_config` validates the handbook (errors fail the build with file and line), lays out the
  navigation when `mkdocs.yml` has none, and takes `site_url` from `opsbook.yaml` when it is unset;
- `on_files` adds the runbooks, post-mortems and process pages from their own folders (with edit links
  to those files), the generated pages, and the calendar feeds;
- `on_env` has the theme render the menu once for all the pages that share it (`opsbook.site.menu`);
- `on_page_read_source` hands MkDocs a runbook's or post-mortem's body as the handbook loaded it, and
  `on_page_markdown` first gives the page the frontmatter as its meta;
- `on_page_markdown` and `on_page_content` decorate runbook and post-mortem pages with their
  metadata and cross-links; `on_page_content` also names task lists' checkboxes for screen readers
  (`opsbook.site.accessible`);
- the feeds and generated pages are rendered by a worker process started at `on_config`
  (`opsbook.site.background`), collected when MkDocs first reads them, stopped at `on_post_build`
  or `on_build_error`;
- `on_serve` watches the handbook's folders and makes the server keep the last good site, with a
  banner naming the errors, while a rebuild fails (`opsbook.site.preview`).
"""

from __future__ import annotations

import gc

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from opsbook.site import accessible, adapter, menu, preview, serving

log = get_plugin_logger(__name__)


class OpsbookConfig(base.Config):
    root = c.Optional(c.Dir(exists=True))
    """The handbook's folder; default: the folder holding `mkdocs.yml`."""
    as_of = c.Optional(c.Type(str))
    """Build as of this date (YYYY-MM-DD) or ISO date-time instead of now; for reproducible builds."""
    fail_on_warnings = c.Type(bool, default=False)
    """Log handbook warnings (a runbook past its review date) as MkDocs warnings, so `--strict` fails."""
    navigation = c.Type(bool, default=True)
    """Lay out the navigation from the handbook when `mkdocs.yml` has no `nav`."""
    upcoming_days = c.Type(int, default=28)
    """How many days of reviews the calendar page lists."""
    share_menu = c.Type(bool, default=True)
    """Render the menu once for the pages that share it (the site's bytes are the same either way; for a
    theme whose menu templates it does not know, it is off)."""


class OpsbookPlugin(BasePlugin[OpsbookConfig]):
    """Publishes an opsbook handbook: validated, indexed, cross-linked, with its calendar feeds."""

    def __init__(self) -> None:
        self.site: adapter.Site | None = None
        self.memory: serving.Memory | None = None
        self.measured = None  # the SLOs' numbers `ops build --prometheus` measured, for the SLO pages
        self.checked = None  # `ops build`'s own validation of the handbook (its `check_handbook` report)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Under `mkdocs serve --dirty` (what `ops serve` runs) remember each build for the next one.
        (Having this hook also makes MkDocs keep this instance from one rebuild to the next.)"""
        self.memory = serving.Memory() if command == "serve" and dirty else None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Validate the handbook and adjust the site's config to it."""
        self.site = adapter.load_site(self.config, config, log, self.memory, self.measured, self.checked)
        # The handbook lives as long as the build: spare the collector from scanning it again at every
        # full collection while MkDocs renders (thawed when the build ends).
        gc.freeze()
        return adapter.configure(self.site, config, self.config.navigation)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Add the handbook's pages, the generated pages and the feeds."""
        return adapter.add_files(self.site, files, config)

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        """Render the menu once for every set of pages that get the same HTML of it, not once per page, and
        without the templates' indentation."""
        return menu.share_menu(env, self.config.share_menu)

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        """Hand over a runbook's or post-mortem's body as loaded with the handbook (no second read and parse)."""
        return adapter.read_source(self.site, page)

    @event_priority(100)  # before any other plugin looks at the page's meta (tags, search boost)
    def _restore_meta(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        adapter.restore_meta(self.site, page)
        return markdown

    def _decorate(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Put metadata and cross-links around runbook and post-mortem pages."""
        return adapter.decorate(self.site, page, markdown)

    on_page_markdown = CombinedEvent(_restore_meta, _decorate)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Put searchable decorations in place (they skip Markdown: see `opsbook.site.decorate`), and
        name each task list checkbox by its item's text."""
        return accessible.label_task_lists(adapter.fill(self.site, page, html, indexed=False))

    @event_priority(-100)  # after the search plugin has indexed the page
    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        """Put the decorations the search index leaves out in place; give a runbook's links their
        full address for print."""
        page.content = adapter.for_print(self.site, page, adapter.fill(self.site, page, page.content, indexed=True),
                                         config.site_url)
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The feeds are in place by now; make sure the worker that built them has stopped."""
        gc.unfreeze()
        adapter.finish(self.site, config.site_dir)

    def on_build_error(self, *, error: Exception) -> None:
        """Stop the worker of a failed build rather than wait for it."""
        gc.unfreeze()
        adapter.abandon(self.site)

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        """`mkdocs serve` rebuilds when a handbook file changes, not only a file in `docs_dir`, and keeps
        serving the last good site, with the errors as a banner, while a rebuild fails."""
        for path in adapter.watched(self.site):
            server.watch(str(path))
        preview.keep_last_good(server)
        return server
