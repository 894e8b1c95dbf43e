"""Relative links in Markdown bodies that lead nowhere: caught by `ops validate` with file and line, not
only later by the site's strict build.

What is checked, for runbooks, post-mortems and process pages (`ops/*.md`):

1. Find the links: inline `[text](target)` and `![alt](target)`, and reference definitions
   `[name]: target`, outside fenced code blocks and code spans. A body without `](` or `]:` is skipped
   after a substring test or two, which keeps a handbook of thousands of documents about as fast.
2. Leave alone what is not a relative link within the site: URLs with a scheme (`https:`, `mailto:`),
   absolute paths (MkDocs warns about those itself), and anything resolving outside the content
   folders (the generated pages such as `../slos.md`, and `docs/`), and the generated listings inside
   them (`runbooks/by-category/`, `postmortems/by-year/` and `by-month/`).
3. Resolve the rest against the linking file's folder, as MkDocs does. A link into `runbooks/`,
   `postmortems/` or `ops/` must name a document there (or the generated `index.md` of the first two);
   `calendar/` and the YAML files are not published at all.
4. An anchor (`#final-fix`, or `#…` alone for the same page) must be one of the target's headings, made
   into an id the way Python-Markdown's `toc` extension does (or given with `{#id}`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import posixpath
import re
import unicodedata
from typing import Iterator
from urllib.parse import unquote

from opsbook.handbook.contents import Contents
from opsbook.problems import Problem

_INLINE = re.compile(r"\]\(\s*(<[^>\n]*>|[^)\s]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
_ATTR_ID = re.compile(r"\s*\{[^}]*#([\w-]+)[^}]*\}\s*$")
_PUBLISHED = ("runbooks", "postmortems", "ops")
_GENERATED_IN_FOLDERS = {"runbooks/index.md", "postmortems/index.md"}
# The site's listings inside those folders (`opsbook.site.layout`; a test keeps the two in step). Which of
# them exist depends on the handbook (a year's page, a busy month's), so MkDocs' strict build judges them.
GENERATED_SUBFOLDERS = ("runbooks/by-category/", "postmortems/by-year/", "postmortems/by-month/")


@dataclasses.dataclass
class _Page:
    """A published Markdown file: where its body starts, and (found when first needed) its anchors."""

    source_rel: str
    body: str
    body_line: int
    anchors: set[str] | None = None


def check_links(contents: Contents, now: dt.datetime) -> Iterator[Problem]:
    """An error for every relative link in a body whose file or heading does not exist."""
    bodies = [(doc.source.rel, doc.body) for doc in [*contents.runbooks, *contents.postmortems]]
    bodies += [(page.path, page.body) for page in contents.pages]
    linking = [src for src, body in bodies if "]" in body and ("](" in body or "]:" in body)]
    if not linking:  # the common case in a large handbook of plain documents: nothing more to build
        return
    pages = _pages(contents)

    def exists(rel: str) -> bool:
        # A document that did not load (its own errors say why) still exists: a link to it is not broken.
        return (contents.root / rel).is_file()

    for src in linking:
        page = pages[src]
        body = page.body
        for offset, target in _links(body):
            message = _broken(src, target, pages, exists)
            if message is not None:
                line = page.body_line + body.count("\n", 0, offset)
                column = offset - body.rfind("\n", 0, offset)
                text, hint = message
                yield Problem(page.source_rel, text, line, column, code="broken-link", hint=hint)


def _pages(contents: Contents) -> dict[str, _Page]:
    """Every published Markdown file by its path in the site (which is its path in the handbook)."""
    pages: dict[str, _Page] = {}
    for doc in [*contents.runbooks, *contents.postmortems]:
        pages[doc.source.rel] = _Page(doc.source.rel, doc.body, doc.source.body_line)
    for page in contents.pages:
        pages[page.path] = _Page(page.path, page.body, 1)
    return pages


def _links(body: str) -> Iterator[tuple[int, str]]:
    """(offset in `body`, target) of every link outside code."""
    if "`" in body or "~~~" in body:
        body = _blank_spans(_blank_fences(body))
    for pattern in (_INLINE, _DEFINITION):
        for match in pattern.finditer(body):
            target = match.group(1)
            yield match.start(1), target[1:-1] if target.startswith("<") else target


def _blank_fences(body: str) -> str:
    """`body` with fenced code blocks replaced by spaces, so offsets and lines stay the same."""
    if "```" not in body and "~~~" not in body:
        return body
    lines = body.split("\n")
    fence = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, lines[index] = match.group(1)[0] * 3, " " * len(line)
        elif fence is not None:
            if line.lstrip().startswith(fence):
                fence = None
            lines[index] = " " * len(line)
    return "\n".join(lines)


def _blank_spans(body: str) -> str:
    """`body` with code spans replaced by spaces."""
    return _CODE_SPAN.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), body)


def _broken(src: str, target: str, pages: dict[str, _Page], exists) -> tuple[str, str | None] | None:
    """(message, hint) if `target`, linked from the page `src`, leads nowhere; None if it is fine or not ours."""
    if _SCHEME.match(target) or target.startswith(("/", "//")):
        return None
    path, _, anchor = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if not path:  # `#anchor`: a heading of this page
        return _missing_anchor(src, anchor, pages[src], "this page") if anchor else None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
    if resolved.startswith("../") or resolved == "..":
        return (f"the link {target} leads outside the handbook", "link within the site, or use a full https:// URL")
    folder = resolved.split("/", 1)[0]
    if folder == "calendar" or (folder == "ops" and not resolved.endswith(".md")):
        return (f"the link {target} leads to {resolved}, which the site does not publish",
                "link to the page that shows it, such as ../reviews/index.md or ../slos.md")
    if folder not in _PUBLISHED or not resolved.endswith(".md") or resolved in _GENERATED_IN_FOLDERS \
            or resolved.startswith(GENERATED_SUBFOLDERS):
        return None
    page = pages.get(resolved)
    if page is None and exists(resolved):
        return None
    if page is None:
        close = difflib.get_close_matches(resolved, [p for p in pages if p.startswith(folder + "/")], n=1)
        hint = f"did you mean {posixpath.relpath(close[0], posixpath.dirname(src) or '.')}?" if close else None
        return (f"the link {target} leads to {resolved}, which does not exist", hint)
    return _missing_anchor(src, anchor, page, resolved) if anchor else None


def _missing_anchor(src: str, anchor: str, page: _Page, where: str) -> tuple[str, str | None] | None:
    if page.anchors is None:
        page.anchors = heading_ids(page.body)
    if anchor in page.anchors:
        return None
    close = difflib.get_close_matches(anchor, sorted(page.anchors), n=1)
    return (f"the link's anchor #{anchor} is not a heading of {where}",
            f"did you mean #{close[0]}?" if close else None)


def heading_ids(body: str) -> set[str]:
    """The ids the site gives the headings in `body` (and, for safety, the same without underscores)."""
    body = _blank_fences(body)  # a `# comment` in a shell example is not a heading
    ids: set[str] = set()
    for match in _HEADING.finditer(body):
        title = match.group(1)
        explicit = _ATTR_ID.search(title)
        if explicit:
            ids.add(explicit.group(1))
            continue
        base = slugify(title)
        anchor, n = base, 0
        while anchor in ids:  # the toc extension numbers repeated headings: x, x_1, x_2
            n += 1
            anchor = f"{base}_{n}"
        ids.add(anchor)
        ids.add(anchor.replace("_", ""))  # `_emphasis_` renders without its underscores
    return ids


def slugify(title: str) -> str:
    """A heading's id as Python-Markdown's `toc` extension makes it from the heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link's text, not its target
    text = text.replace("`", "").replace("*", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)
