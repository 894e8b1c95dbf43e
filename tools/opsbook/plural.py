"""Counts in messages: `1 runbook`, `2 runbooks`, `0 errors`, never `1 error(s)`."""

from __future__ import annotations


def plural(number: int, noun: str, many: str | None = None) -> str:
    """`number` and `noun`, the noun in the plural unless the number is 1 (`many` for irregular plurals)."""
    return f"{number} {noun if number == 1 else many or noun + 's'}"
