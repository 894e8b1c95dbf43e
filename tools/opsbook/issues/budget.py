"""GitHub's size limits on what a generated issue says, and how a long list is fitted into them.

GitHub refuses (422 "Validation Failed") an issue whose title is over 256 characters or whose body is
over 65,536, a comment over 65,536, and a label whose name is over 50 characters or whose description is
over 100. A review's context can be far longer than a body allows (5,000 secrets due for rotation,
overdue action items across 10,000 post-mortems), so:

1. the parts every issue needs (the marker, when, owner, links, checklist, footer) are kept whole;
2. what is left of the limit is shared between the long lists, each getting an equal share, and a list
   that needs less than its share hands the rest to the others;
3. a list that does not fit keeps its heading and summary, then as many rows as fit (they come most
   urgent first), then one line: how many more there are and where the full list is on the site.

Pure functions of their inputs: the same handbook gives the same body, so a re-run writes nothing.
Lengths are counted as GitHub counts them, in characters (code points).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

TITLE_LIMIT = 256
BODY_LIMIT = 65_536
COMMENT_LIMIT = 65_536
LABEL_NAME_LIMIT = 50
LABEL_DESCRIPTION_LIMIT = 100
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` on one line (each run of whitespace, a newline included, a single space) if it fits in
    `limit` characters, else cut at a word boundary where one is near, with `…`. Titles go through it:
    GitHub shows a title on one line, and a hand-written `title: |` would otherwise keep its newline."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + ELLIPSIS


def more_line(count: int, url: str) -> str:
    return f"_{count:,} more on the site: {url}_"


def fit_rows(head: str, rows: Sequence[str], budget: int, url: str) -> str:
    """`head`, then as many of `rows` (one line each, most urgent first) as fit within `budget`
    characters together with the closing `N more on the site: URL` line; all rows when they all fit."""
    whole = "\n".join([head, *rows])
    if len(whole) <= budget:
        return whole
    kept: list[str] = [head]
    used = len(head)
    for index, row in enumerate(rows):
        closing = more_line(len(rows) - index, url)
        if used + 1 + len(row) + 2 + len(closing) > budget:
            break
        kept.append(row)
        used += 1 + len(row)
    else:  # unreachable: the whole list did not fit
        index = len(rows)
    closing = more_line(len(rows) - index, url)
    # A table needs its rows to end before the closing line, or Markdown reads the line as one more row.
    return "\n".join(kept) + "\n\n" + closing


@dataclasses.dataclass(frozen=True)
class Listing:
    """A section of a body that may be long: `head` (heading, summary line, table header) always shows;
    `rows` (most urgent first) show as far as the budget allows; `url` is the full list on the site."""

    head: str
    rows: tuple[str, ...]
    url: str

    def text(self, budget: int | None = None) -> str:
        if budget is None:
            return "\n".join([self.head, *self.rows])
        return fit_rows(self.head, self.rows, budget, self.url)


Part = str | Listing


def fit_body(parts: Sequence[Part], limit: int = BODY_LIMIT, separator: str = "\n\n") -> str:
    """The parts joined by `separator`, within `limit` characters: plain strings whole, listings cut to
    their share of what the strings leave (see the module's docstring). The first part (the marker)
    always survives, even when the plain parts alone are too long."""
    fixed = sum(len(part) for part in parts if isinstance(part, str)) + len(separator) * (len(parts) - 1)
    listings = [part for part in parts if isinstance(part, Listing)]
    shares = _shares([len(listing.text()) for listing in listings], max(0, limit - fixed))
    budget = dict(zip(map(id, listings), shares))
    text = separator.join(part if isinstance(part, str) else part.text(budget[id(part)]) for part in parts)
    if len(text) > limit:  # only when the plain parts are too long on their own
        text = text[: limit - len(ELLIPSIS)] + ELLIPSIS
    return text


def _shares(needs: list[int], total: int) -> list[int]:
    """Split `total` between claims of `needs`: equal shares, what a small claim leaves going to the rest."""
    shares = [0] * len(needs)
    left, open_claims = total, sorted(range(len(needs)), key=lambda i: needs[i])
    while open_claims:
        share = left // len(open_claims)
        index = open_claims.pop(0)
        shares[index] = min(needs[index], share)
        left -= shares[index]
    return shares
