"""Changes to a converted page's HTML that assistive technology needs and Markdown cannot express.

Task lists (`- [ ] step`, as `pymdownx.tasklist` renders them, the review pages' checklists among them)
come out as checkboxes with no accessible name: a screen reader announces "checkbox, not checked" and
never says what is to be checked. Each checkbox is named by its item's text with `aria-labelledby`
(the text stays where it is, so links inside it keep working and the layout does not change).
"""

from __future__ import annotations

import re

_ITEM = re.compile(
    r'(?P<start><li class="task-list-item">\s*(?:<p>)?(?:<label class="task-list-control">)?)'
    r'(?P<input><input type="checkbox"[^>]*?)(?P<end>\s*/?>(?:<span class="task-list-indicator"></span></label>)?)'
    r'(?P<text>(?:(?!<(?:/li|/p|p|ul|ol|div)\b).)*)',
    re.DOTALL)
_PREFIX = "ops-task-"


def label_task_lists(html: str) -> str:
    """`html` with every task list checkbox named by the text of its item."""
    if "task-list-item" not in html:
        return html
    count = 0

    def labelled(match: re.Match) -> str:
        nonlocal count
        text = match["text"]
        if not text.strip() or "aria-label" in match["input"]:
            return match[0]
        count += 1
        anchor = f"{_PREFIX}{count}"
        leading = text[: len(text) - len(text.lstrip())]
        return (f'{match["start"]}{match["input"]} aria-labelledby="{anchor}"{match["end"]}'
                f'{leading}<span id="{anchor}">{text.strip()}</span>{text[len(text.rstrip()):]}')

    return _ITEM.sub(labelled, html)
