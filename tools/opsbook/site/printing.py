"""A runbook on paper: each link to another page of the handbook carries its full address, which the
print stylesheet shows after the link's text (a war room's printout cannot be clicked, and a relative
`../rb-secret-leak/` means nothing on paper). Links that already hold an address (`https://…`,
`mailto:`) are printed by the stylesheet alone; links within the page (`#…`) are left as they are.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

_LINK = re.compile(r'<a\s[^>]*?\bhref="(?P<href>[^"#][^"]*)"')
ATTRIBUTE = "data-ops-address"


def with_addresses(content: str, site_url: str, page_url: str) -> str:
    """`content` (a page's HTML, the page published at `page_url` below `site_url`) with every link to
    another page of the site given its absolute address in `data-ops-address`."""
    if not site_url:
        return content
    base = urljoin(site_url if site_url.endswith("/") else site_url + "/", page_url)

    def addressed(match: re.Match) -> str:
        href = html.unescape(match["href"])
        if urlsplit(href).scheme:
            return match[0]
        return f'{match[0]} {ATTRIBUTE}="{html.escape(urljoin(base, href))}"'

    return _LINK.sub(addressed, content)
