"""Ids and keys from titles and labels: `Checkout failing for EU users!` → `checkout-failing-for-eu-users`.

Apart from the scaffolding that uses it for new documents' ids, so that reading a runbook's prewritten
messages (whose keys are their labels' slugs) imports nothing else.
"""

from __future__ import annotations

import re
import unicodedata


def slugify(title: str, limit: int = 40) -> str:
    """`Checkout failing for EU users!` → `checkout-failing-for-eu-users`, cut at a word within `limit`."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text):
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug[:limit].strip("-") or "untitled"
