"""Whether a built site fits where it is published.

GitHub Pages refuses to publish a site over 1 GB. A handbook's site grows with its pages, and each page
carries the menu, so a big handbook can cross the limit without anyone noticing until a deploy fails.
`ops build` measures the site it built (`measure`) and warns when it nears the limit (`warning`);
`OPSBOOK_SITE_LIMIT` sets another limit (a host with a smaller one, or a test).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Mapping

from opsbook.problems import UsageError

PAGES_LIMIT = 1_000_000_000  # bytes: GitHub Pages publishes sites of at most 1 GB
NEAR = 0.8  # warn from this share of the limit on: the next few hundred pages may cross it
LIMIT_ENV = "OPSBOOK_SITE_LIMIT"
_UNITS = {"": 1, "b": 1, "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class SiteSize:
    total: int               # bytes of every file in the site
    files: int
    largest_page: str        # the biggest HTML page, relative to the site's folder ("" for none)
    largest_page_bytes: int


def measure(site_dir: Path) -> SiteSize:
    """The size of the site in `site_dir` and its biggest HTML page."""
    total = files = 0
    largest, largest_bytes = "", 0
    for folder, _, names in os.walk(site_dir):
        for name in names:
            path = os.path.join(folder, name)
            size = os.stat(path).st_size
            total += size
            files += 1
            if name.endswith(".html") and size > largest_bytes:
                largest, largest_bytes = path, size
    page = Path(largest).relative_to(site_dir).as_posix() if largest else ""
    return SiteSize(total, files, page, largest_bytes)


def limit_from(environ: Mapping[str, str]) -> int:
    """The size limit in bytes: `OPSBOOK_SITE_LIMIT` (such as `1GB`, `500MB` or a number of bytes), or
    GitHub Pages' 1 GB. A value that is not a size is a usage error naming the variable."""
    text = environ.get(LIMIT_ENV, "").strip()
    if not text:
        return PAGES_LIMIT
    match = _SIZE.fullmatch(text)
    if match is None or match.group(2).lower() not in _UNITS or float(match.group(1)) <= 0:
        raise UsageError(f"{LIMIT_ENV}={text!r}: expected a size such as 1GB, 500MB, 800kB or a number of bytes")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def warning(size: SiteSize, limit: int) -> str | None:
    """A line for the person publishing when the site is within `NEAR` of `limit` or over it; else None."""
    if size.total < NEAR * limit:
        return None
    where = "over" if size.total > limit else f"{size.total / limit:.0%} of"
    which = f"GitHub Pages' {human(limit)} limit" if limit == PAGES_LIMIT else f"the {human(limit)} limit {LIMIT_ENV} sets"
    return (f"! the site is {human(size.total)}, {where} {which}; its biggest page is {size.largest_page} "
            f"({human(size.largest_page_bytes)})")


def human(size: int) -> str:
    """`1 GB`, `778 MB`, `353 kB`, `512 bytes`: decimal units, as GitHub states its limit."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            value = size / factor
            return f"{value:.1f} {unit}".replace(".0 ", " ") if value < 10 else f"{value:,.0f} {unit}"
    return f"{size} bytes"
