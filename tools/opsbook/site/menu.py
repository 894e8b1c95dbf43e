"""The menu, rendered once for all the pages that get the same HTML of it instead of once for every page.

MkDocs renders the theme's templates for each page, and the menu (Material's `partials/nav.html`) is the
largest of them: on a handbook of 1,000 post-mortems it took half the time of all the templates. Its HTML
for a page depends on two things only: which entries are the page itself or hold it (marked active, with
the page's table of contents), and the entries' addresses relative to the page. A page the menu does not
list (most post-mortems, the listings' numbered pages) has no active entry, so its menu is a function of
those addresses alone, and the pages that see the same addresses share one rendering of it. Pages the
menu lists render their own, as before.

This changes no byte of the site (a test builds it both ways). It holds for Material's own templates
and opsbook's (its repository link) only: a theme `custom_dir` that overrides the menu's partials may make
them depend on anything else, so then every page renders its own menu, as MkDocs does.

Every menu, shared or not, also loses the indentation of the templates: each run of white space that
holds a line break becomes one line break. HTML shows any run of white space as one space (the menu has
no `<pre>`), so the menu looks and reads the same, at 40% fewer bytes; repeated on every page, that was
a tenth of an organisation's site.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from markupsafe import Markup
from mkdocs.utils import normalize_url

MENU = "partials/nav.html"
# What the menu's template includes for a page outside the menu; each must be Material's or opsbook's own.
MENU_PARTS = (MENU, "partials/nav-item.html", "partials/logo.html", "partials/source.html")
THEME = "opsbook-theme"  # the theme's own templates, under a prefix, for the template that stands in for them

# Stands in for `partials/nav.html`: its output is the original's, tidied, rendered or remembered. (No
# text outside the tags, so it adds no whitespace; a `set` block captures the include's output as it is.)
SHARED_MENU = (
    "{%- set menu_key = opsbook_menu.key(page, nav, base_url, config.extra.homepage) -%}"
    "{%- if menu_key is not none and opsbook_menu.has(menu_key) -%}"
    "{{ opsbook_menu.get(menu_key) }}"
    "{%- else -%}"
    '{%- set menu_html -%}{% include "' + THEME + "/" + MENU + '" %}{%- endset -%}'
    "{{ opsbook_menu.keep(menu_key, menu_html) }}"
    "{%- endif -%}"
)
_INDENTATION = re.compile(r"[ \t\r\f]*\n\s*")


class SharedMenu:
    """The menu's HTML by what it depends on, for one build (a new one for each: `share_menu`); with
    `sharing` off, each page's own, tidied all the same."""

    def __init__(self, sharing: bool = True) -> None:
        self.sharing = sharing
        self._html: dict[tuple, Markup] = {}
        self._navs: dict[int, tuple[object, frozenset[int], tuple[str, ...]]] = {}

    def key(self, page, nav, base_url: str, homepage=None) -> tuple | None:
        """What the menu of `page` depends on, or None when the page renders its own (it is in the menu).
        `homepage`: the theme's `extra.homepage`, where the menu's logo links instead of the home page."""
        if not self.sharing or page is None or nav is None:
            return None
        known = self._navs.get(id(nav))
        if known is None or known[0] is not nav:
            listed = frozenset(id(item) for item in nav.pages)
            urls = tuple(sorted({item.url for item in _entries(nav.items) if getattr(item, "url", None) is not None}
                                | {nav.homepage.url if nav.homepage else ""}
                                | ({homepage} if isinstance(homepage, str) and homepage else set())))
            known = self._navs[id(nav)] = (nav, listed, urls)
        _, listed, urls = known
        if id(page) in listed:
            return None
        # `base_url` stands for every other address the menu holds (the logo's), all of them from the root.
        return (id(nav), base_url, tuple(normalize_url(url, page=page) for url in urls))

    def has(self, key: tuple) -> bool:
        return key in self._html

    def get(self, key: tuple) -> Markup:
        return self._html[key]

    def keep(self, key: tuple | None, html: str) -> Markup:
        """The menu tidied; remembered under `key` unless it is None (a page that renders its own)."""
        tidied = Markup(_INDENTATION.sub("\n", html))
        if key is not None:
            self._html[key] = tidied
        return tidied


def _entries(items):
    for item in items:
        yield item
        yield from _entries(getattr(item, "children", None) or ())


def share_menu(env: jinja2.Environment, sharing: bool = True) -> jinja2.Environment:
    """Make `env` render the menu tidied, and once per set of pages that share it (unless not `sharing`),
    when the menu's templates are Material's and opsbook's own; otherwise leave it as it is."""
    original = env.loader
    if original is None or not all(_is_known(original, env, name) for name in MENU_PARTS):
        return env
    env.loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({MENU: SHARED_MENU}),
        jinja2.PrefixLoader({THEME: original}),
        original,
    ])
    env.globals["opsbook_menu"] = SharedMenu(sharing)
    return env


def _is_known(loader: jinja2.BaseLoader, env: jinja2.Environment, name: str) -> bool:
    """Whether the template `name` is Material's or opsbook's own, whose inputs are known."""
    try:
        _, filename, _ = loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return False
    import material

    known = (Path(material.__file__).resolve().parent, (Path(__file__).parent.parent / "templates" / "site").resolve())
    return filename is not None and any(folder in Path(filename).resolve().parents for folder in known)
