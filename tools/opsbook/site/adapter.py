"""The MkDocs-facing work of the plugin, as plain functions: load and validate the handbook for a build,
adjust the config, add files, decorate pages. `plugin.py` only calls these from its event hooks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
from pathlib import Path
from typing import Callable

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

from opsbook import urls
from opsbook.dates import parse_as_of
from opsbook.handbook.assembled import Handbook
from opsbook.validation import check_handbook
from opsbook.plural import plural
from opsbook.problems import Level, OpsbookError, Problem
from opsbook.site import decorate as decorations
from opsbook.site import pages, serving
from opsbook.site.background import Background
from opsbook.status.view import folder_in_site

RUNBOOK_SEARCH_BOOST = 4
THEME_OVERRIDES = Path(__file__).resolve().parent.parent / "templates" / "site"
STYLESHEET = "assets/opsbook/opsbook.css"  # badge colours, in THEME_OVERRIDES


@dataclasses.dataclass
class Site:
    """What one build publishes: the handbook, the moment it is judged at, and the files it adds."""

    root: Path
    handbook: Handbook
    now: dt.datetime
    background: Background            # renders `generated` and `feeds` while MkDocs converts pages
    generated_sources: tuple[str, ...]
    feed_paths: tuple[str, ...]
    content: dict[str, pages.ContentFile]
    decorated: dict[str, decorations.Decorated] = dataclasses.field(default_factory=dict)
    meta: dict[str, dict] = dataclasses.field(default_factory=dict)  # frontmatter handed over by `read_source`
    render_heading: Callable[[decorations.Heading], str] = decorations.Heading.html
    in_nav: set[str] | None = None  # what the navigation the plugin laid out lists; None: mkdocs.yml's own
    memory: serving.Memory | None = None  # under `mkdocs serve`: what the last build left
    feeds_key: tuple = ()
    rebuild: set[str] | None = None  # with `memory`: pages to rebuild though their file is unchanged; None: all
    charts: dict[str, bytes] = dataclasses.field(default_factory=dict)  # standalone chart files by path in the site

    @property
    def today(self) -> dt.date:
        return pages.local_today(self.handbook, self.now)

    @property
    def generated(self) -> dict[str, str]:
        """The generated pages' Markdown by source path (waits for the background work)."""
        return self.background.result().generated

    @property
    def feeds(self) -> dict[str, bytes]:
        """The feed files by path in the site (waits for the background work)."""
        return self.background.result().feeds


def describe(problem: Problem) -> str:
    """One log line per problem: `runbooks/x.md:12: owners: unknown person 'bob' (hint: …)`."""
    where = problem.location() + ": " + (f"{problem.key}: " if problem.key else "")
    extra = "; ".join(f"{label} {value}" for label, value in (
        ("expected", problem.expected), ("found", problem.found), ("hint:", problem.hint)) if value)
    return where + problem.message + (f" ({extra})" if extra else "")


def load_site(options, config: MkDocsConfig, log: logging.Logger, memory: serving.Memory | None = None,
              measured=None, checked=None) -> Site:
    """Validate the handbook; log every problem; raise PluginError when there are errors. With the
    `memory` of a server's last build, reuse what did not change since (see `opsbook.site.serving`).
    `checked` is the `check_handbook` report of the same root and moment, when the caller has one
    (`ops build` validates before it builds): the handbook is then not loaded and validated twice."""
    root = Path(options.root or Path(config.config_file_path or ".").parent).resolve()
    try:
        now = parse_as_of(options.as_of)
        report = checked if checked is not None else check_handbook(root, now, memory.documents if memory is not None else None)
    except OpsbookError as exc:
        raise PluginError(f"opsbook: {exc}") from None
    for problem in report.problems:
        if problem.is_error:
            log.error(describe(problem))
        elif problem.level is Level.NOTE:  # a consequence of an error above; never a warning of its own
            log.info(describe(problem))
        else:
            (log.warning if options.fail_on_warnings else log.info)(describe(problem))
    if report.handbook is None:
        errors = len(report.errors)
        raise PluginError(f"opsbook: the handbook in {root} has {plural(errors, 'error')}, listed above; "
                          "`ops validate` shows them with hints")
    from opsbook.calendar.feed import feed_paths
    from opsbook.site.charts import budget_files

    handbook = report.handbook
    content = {item.src: item for item in pages.content_files(handbook)}
    decorated = [(item.src, item.kind, item.id) for item in content.values() if item.kind != "page"]
    today = pages.local_today(handbook, now)
    feeds_key = serving.feeds_key(root, now, (options.as_of,)) if memory is not None else ()
    background = Background(handbook, now, previous_feeds(config.site_dir), options.upcoming_days, decorated,
                            today, serving.known_feeds(memory, feeds_key), measured)
    site = Site(root, handbook, now, background, tuple(pages.generated_sources(handbook)),
                tuple(feed_paths(handbook)), content, render_heading=heading_renderer(config), memory=memory,
                feeds_key=feeds_key, charts=budget_files(measured))
    if memory is not None:
        from opsbook.site.background import decorate_all

        site.rebuild = serving.changed_pages(memory, decorate_all(handbook, decorated, today),
                                             pages.navigation(handbook) if options.navigation else None)
    return site


def heading_renderer(config: MkDocsConfig) -> Callable[[decorations.Heading], str]:
    """Headings as this site's Markdown renders them (permalink and all), each converted once per build."""
    import markdown

    from opsbook.site.markdown import anchor_heading

    converter = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    rendered: dict[decorations.Heading, str] = {}

    def render(heading: decorations.Heading) -> str:
        if heading not in rendered:
            rendered[heading] = converter.reset().convert(anchor_heading(heading.level, heading.title, heading.anchor))
        return rendered[heading]

    return render


def previous_feeds(site_dir: str | Path) -> dict[str, bytes]:
    """The feed files of the last build in `site_dir` (read before MkDocs cleans it), so an event whose
    time changed gets a higher SEQUENCE and calendar apps pick up the change."""
    base = Path(site_dir) / urls.FEED_DIR
    if not base.is_dir():
        return {}
    return {path.relative_to(site_dir).as_posix(): path.read_bytes() for path in sorted(base.rglob("*.ics"))}


def watched(site: Site) -> list[Path]:
    """The handbook's files and folders that `mkdocs serve` should watch."""
    names = ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar")
    return [site.root / name for name in names if (site.root / name).exists()]


def configure(site: Site, config: MkDocsConfig, navigation: bool = True) -> MkDocsConfig:
    """Navigation from the handbook (unless `mkdocs.yml` has one), `site_url` from `opsbook.yaml`
    (unless set), the badges' stylesheet, and the theme override that keeps the header's repository
    link offline."""
    if navigation and not config.nav:
        config.nav = pages.navigation(site.handbook)
        # Bare paths at the top level: MkDocs titles each from its first heading (in a section of their
        # own, an index.md first would become the section's page under `navigation.indexes`).
        config.nav += _own_pages(Path(config.docs_dir))
        site.in_nav = pages.nav_sources(config.nav)
    if not config.site_url:
        config.site_url = site.handbook.config.site_url
    if not config.use_directory_urls:
        logging.getLogger("mkdocs.plugins.opsbook").warning(
            "opsbook: `use_directory_urls: false` breaks the links the feed and the issues carry")
    return apply_theme(config)


def apply_theme(config: MkDocsConfig) -> MkDocsConfig:
    """The toolkit's stylesheet (badges; WCAG AA contrast and underlined links in both schemes) and the
    theme override that keeps the header's repository link offline: for the handbook's site and the
    organisation's (`opsbook.org.build`)."""
    if STYLESHEET not in config.extra_css:
        config.extra_css.append(STYLESHEET)  # copied from THEME_OVERRIDES like any theme asset
    dirs = config.theme.dirs
    position = 1 if config.theme.custom_dir else 0
    if str(THEME_OVERRIDES) not in dirs:
        dirs.insert(position, str(THEME_OVERRIDES))
    return config


def _own_pages(docs_dir: Path) -> list[str]:
    """The Markdown pages a team added to docs/ itself, which the handbook's navigation must list too (a
    page missing from it fails the strict build); dotted names are left out, as MkDocs leaves them out."""
    if not docs_dir.is_dir():
        return []
    found = []
    for path in docs_dir.rglob("*.md"):
        rel = path.relative_to(docs_dir)
        if not any(part.startswith(".") for part in rel.parts):
            found.append(rel.as_posix())
    return sorted(found, key=lambda rel: (rel.count("/"), rel))


def add_files(site: Site, files: Files, config: MkDocsConfig) -> Files:
    """The handbook's pages from their folders, the generated pages, the feed files and the standalone charts."""
    if folder := folder_in_site(site.handbook.config):
        taken = sorted(f.src_uri for f in files if f.dest_uri.startswith(folder))
        if taken:
            raise PluginError(f"opsbook: the site already has pages at {folder}, where the status page goes "
                              f"({', '.join(taken[:3])}); move them, or set status.url in opsbook.yaml to "
                              "publish the status page elsewhere")
    for item in site.content.values():
        _refuse_clash(files, item.src)
        file = _HandbookFile.generated(config, item.src, abs_src_path=str(site.root / item.path),
                                       inclusion=_inclusion(site, item.src))
        file.rebuild = site.memory is not None and (site.rebuild is None or item.src in site.rebuild)
        file.edit_uri = item.path  # the edit link opens the file in the repository, not the page's URL
        files.append(file)
    for src in site.generated_sources:
        _refuse_clash(files, src)
        files.append(_Pending.of(config, src, lambda src=src: site.generated[src], _inclusion(site, src)))
    for path in site.feed_paths:
        _refuse_clash(files, path)
        files.append(_Pending.of(config, path, lambda path=path: site.feeds[path]))
    for path, content in site.charts.items():
        _refuse_clash(files, path)
        files.append(File.generated(config, path, content=content))
    return files


class _HandbookFile(File):
    """A runbook, post-mortem or process page. A dirty build (`mkdocs serve --dirty`) rebuilds a page
    only if its file is newer than its output; these are also rebuilt when what the plugin puts around
    them changed (`opsbook.site.serving`)."""

    rebuild = True

    def is_modified(self) -> bool:
        return self.rebuild or super().is_modified()


class _Pending(File):
    """A generated file whose content the background work may still be producing. MkDocs reads a
    generated file's `_content` only when it reads the page or copies the file (the generated pages
    come after the handbook's, the copies after every page is converted), so it rarely waits."""

    @classmethod
    def of(cls, config: MkDocsConfig, src: str, make, inclusion=InclusionLevel.UNDEFINED) -> File:
        file = cls.generated(config, src, content=b"", inclusion=inclusion)
        file._make = make
        return file

    @property
    def _content(self) -> str | bytes:
        return self._make()

    @_content.setter
    def _content(self, value: str | bytes) -> None:  # `File.generated` and the content setters
        self._make = lambda: value


def _inclusion(site: Site, src: str) -> InclusionLevel:
    """Pages the plugin's navigation leaves out (older incidents, each review's page) are published,
    searchable, and not reported as missing from the navigation."""
    if site.in_nav is None or src in site.in_nav:
        return InclusionLevel.UNDEFINED
    return InclusionLevel.NOT_IN_NAV


def _refuse_clash(files: Files, src: str) -> None:
    if files.get_file_from_path(src) is not None:
        raise PluginError(f"opsbook: {src} in the docs folder clashes with a page the handbook publishes "
                          "there; rename or remove it")


def read_source(site: Site, page: Page) -> str | None:
    """A runbook's or post-mortem's Markdown body as loaded with the handbook, its frontmatter kept for
    `restore_meta`; None for other pages (MkDocs reads them).

    MkDocs would read the file again and parse its frontmatter with PyYAML's pure-Python loader: a third
    of a second per thousand post-mortems, spent on data the handbook has already parsed."""
    item = site.content.get(page.file.src_uri)
    if item is None or item.kind == "page":
        return None
    documents = site.handbook.runbooks if item.kind == "runbook" else site.handbook.postmortems
    source = documents[item.id].source
    site.meta[page.file.src_uri] = dict(source.data)
    body = source.body
    if "\r" in body:  # MkDocs reads files in text mode, which turns line endings into "\n"
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    # The blank first line tells MkDocs there is no meta to look for (neither YAML nor MultiMarkdown).
    return "\n" + body.lstrip("\n")


def restore_meta(site: Site, page: Page) -> None:
    """Give a page read by `read_source` the meta MkDocs would have parsed from its frontmatter."""
    meta = site.meta.pop(page.file.src_uri, None)
    if meta is not None:
        page.meta = meta


def decorate(site: Site, page: Page, markdown: str) -> str:
    """Runbook and post-mortem pages get their header and cross-links; generated pages have their big
    HTML blocks lifted out of Markdown's way; process pages pass unchanged."""
    if page.file.src_uri in site.generated_sources:
        decorated = decorations.lift_html_blocks(markdown)
        site.decorated[page.file.src_uri] = decorated
        return decorated.markdown
    item = site.content.get(page.file.src_uri)
    if item is not None:
        # Material reads a page's `status` as its own page-status icon; ours is a post-mortem's state.
        page.meta.pop("status", None)
    if item is None or item.kind == "page":
        return markdown
    if item.kind == "runbook":
        # In an incident the runbook must come before the post-mortems that mention the same words.
        page.meta.setdefault("search", {"boost": RUNBOOK_SEARCH_BOOST})
    ready = site.background.fragments()
    fragments = (ready[item.src] if ready is not None
                 else decorations.fragments(site.handbook, item.kind, item.id, site.today))
    decorated = decorations.assemble(item.kind, fragments, markdown, site.render_heading)
    site.decorated[page.file.src_uri] = decorated
    return decorated.markdown


def fill(site: Site, page: Page, converted: str, indexed: bool) -> str:
    """Put a page's HTML fragments in place once MkDocs has converted its Markdown: `indexed` is False
    before the search plugin indexes the page (searchable fragments go in), True after (the others)."""
    decorated = site.decorated.get(page.file.src_uri)
    if decorated is None:
        return converted
    if not indexed:
        for heading in decorated.headings:
            _add_to_toc(page, heading)
    if decorated.searchable == indexed:
        return converted
    del site.decorated[page.file.src_uri]
    return decorated.fill(converted)


def for_print(site: Site, page: Page, content: str, site_url: str | None) -> str:
    """A runbook's links to other pages carry their full address for the print stylesheet."""
    item = site.content.get(page.file.src_uri)
    if item is None or item.kind != "runbook":
        return content
    from opsbook.site.printing import with_addresses

    return with_addresses(content, site_url or "", page.url)


def _add_to_toc(page: Page, heading: decorations.Heading) -> None:
    """Put a heading that skipped Markdown at the end of the page's table of contents, nested as the
    `toc` extension nests headings, and among the anchors links to the page may point at."""
    entry = AnchorLink(html.escape(heading.title), heading.anchor, heading.level)
    if not page.toc.items:
        entry.active = True  # as MkDocs marks the first entry
    items = page.toc.items
    while items and items[-1].level < heading.level:
        items = items[-1].children
    items.append(entry)
    if page.present_anchor_ids is not None:
        page.present_anchor_ids.add(heading.anchor)


def finish(site: Site | None, site_dir: str) -> None:
    """Collect the background work (raising its error, if any) and stop the worker; under `ops serve`,
    write the status page where the site publishes it, so public updates can be previewed too (`ops
    build` puts it into the finished site itself, carrying its calendar's SEQUENCE numbers on)."""
    if site is None:
        return
    serving.remember_feeds(site.memory, site.feeds_key, site.background.result().feeds)
    if site.memory is not None and (folder := folder_in_site(site.handbook.config)):
        from opsbook.status.build import write_status

        write_status(site.handbook, Path(site_dir) / folder, site.now)


def abandon(site: Site | None) -> None:
    """The build failed: stop the worker without waiting for it."""
    if site is not None:
        site.background.close()
