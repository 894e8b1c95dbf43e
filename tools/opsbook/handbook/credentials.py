"""Find text that looks like a credential, without ever repeating it.

The handbook keeps secrets' names and rotation dates; a value pasted into a runbook or a post-mortem is
a leak waiting for the next push. Each finding gives the line and the kind of credential only.
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[str, str]] = [
    ("a private key block", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("a Stripe secret key", r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    ("a Stripe test key", r"\b[sr]k_test_[0-9A-Za-z]{16,}"),
    ("an OpenAI API key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a Slack token", r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
]
_ANY = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern) in enumerate(_PATTERNS)))
# Literal prefixes checked with `in` (far faster than a regex alternation), so the full patterns run
# only on the rare text that could match.
_PREFIXES = ("PRIVATE KEY", "k_live_", "k_test_", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
             "AKIA", "ASIA", "xox", "AIza")


def _may_hold_credentials(text: str) -> bool:
    return any(prefix in text for prefix in _PREFIXES)


def find_credentials(text: str) -> list[tuple[int, int, str]]:
    """(line, column, kind) for each credential-looking string in `text`; lines count from 1."""
    if not _may_hold_credentials(text):
        return []
    found = []
    for match in _ANY.finditer(text):
        kind = _PATTERNS[int(match.lastgroup[1:])][0]
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        found.append((line, column, kind))
    return found


def redact(text: str) -> str:
    """`text` with every credential-looking string replaced by a placeholder."""
    if not _may_hold_credentials(text):
        return text
    return _ANY.sub("[redacted]", text)
