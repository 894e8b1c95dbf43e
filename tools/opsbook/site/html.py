"""HTML builders for the big generated blocks (metadata headers, long tables).

These blocks never go through Markdown: the plugin swaps them for placeholders before MkDocs converts
a page and puts them back after (`opsbook.site.decorate`). With a thousand post-mortems, parsing them
as Markdown was most of the plugin's cost. Links here are final URLs (`layout.href`), since MkDocs
does not check or rewrite them; `tests/test_site.py` checks that every one resolves in the built site.
"""

from __future__ import annotations

import html
from typing import Iterable, Sequence

DASH = "—"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def a(href: str, label: object) -> str:
    return f'<a href="{esc(href)}">{esc(label)}</a>'


def code(value: object) -> str:
    return f"<code>{esc(value)}</code>"


def strong(value: object) -> str:
    return f"<strong>{esc(value)}</strong>"


def badge(severity: object) -> str:
    """A coloured severity label (`SEV-1`); the colours live in the site's stylesheet."""
    value = str(getattr(severity, "value", severity))
    return f'<span class="ops-badge ops-{esc(value.lower())}">{esc(value)}</span>'


def status(value: object, kind: str = "status") -> str:
    value = str(getattr(value, "value", value))
    return f'<span class="ops-badge ops-{kind}-{esc(value)}">{esc(value)}</span>'


def person(people: dict, person_id: str | None) -> str:
    if person_id is None:
        return DASH
    found = people.get(person_id)
    return esc(found.name) if found else code(person_id)


def people_list(people: dict, ids: Iterable[str]) -> str:
    return ", ".join(person(people, pid) for pid in ids) or DASH


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "None.") -> list[str]:
    """A table as one raw HTML block (cells are HTML), with the blank lines Markdown needs around it."""
    rows = list(rows)
    if not rows:
        return ["", f"<p>{esc(empty)}</p>", ""]
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{cell or DASH}</td>" for cell in row) + "</tr>" for row in rows)
    return ["", f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>", ""]


def details(summary: str, inner: list[str], kind: str = "note") -> list[str]:
    """A collapsed block styled like Material's `???` admonitions."""
    return ["", f'<details class="{kind}"><summary>{esc(summary)}</summary>{"".join(inner)}</details>', ""]


def admonition(kind: str, title: str, inner: list[str]) -> list[str]:
    """A block styled like Material's `!!!` admonitions."""
    return ["", f'<div class="admonition {kind}"><p class="admonition-title">{esc(title)}</p>{"".join(inner)}</div>', ""]


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"

