"""The prewritten user-facing messages of a runbook, by key, so an update can start from one.

A runbook's `## User-facing messages` section holds labelled quotes:

    **Status page, first post**

    > GiftGenius is not responding inside ChatGPT at the moment; ...
    > ... Next update within 30 minutes.

Each label becomes a key by its slug (`status-page-first-post`), and the quote's lines, joined with
spaces, its text. Anything after the bold label on its line is a note for the team and is left out.
"""

from __future__ import annotations

import re

from opsbook.slugs import slugify

SECTION = "User-facing messages"
_LABEL = re.compile(r"^\*\*(?P<label>[^*]+)\*\*")


def runbook_messages(section_text: str) -> dict[str, tuple[str, str]]:
    """{key: (label, message)} for every labelled quote in the section's text, in order."""
    return {key: (label, " ".join(text for _, text in lines))
            for key, (label, lines) in quoted_lines(section_text).items()}


def quoted_lines(section_text: str) -> dict[str, tuple[str, list[tuple[int, str]]]]:
    """{key: (label, [(line index in the section's text, quoted text), …])} for every labelled quote."""
    found: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    label: str | None = None
    quote: list[tuple[int, str]] = []

    def close() -> None:
        if label and quote and slugify(label) not in found:
            found[slugify(label)] = (label, quote)

    for index, line in enumerate(section_text.splitlines()):
        stripped = line.strip()
        if match := _LABEL.match(stripped):
            close()
            label, quote = match["label"].strip(), []
        elif stripped.startswith(">") and label:
            if text := stripped.lstrip(">").strip():
                quote.append((index, text))
        elif stripped and quote:
            close()
            label, quote = None, []
    close()
    return found
