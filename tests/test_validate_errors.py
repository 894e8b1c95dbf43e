"""A corpus of broken handbooks: each gives one exact, located message and exit code 1, never a traceback.

Each case breaks a scratch copy of the example handbook in one way, runs `ops validate` in-process and
asserts the first line of the report for that problem: `file:line[:column]: error: key: message`.
Line numbers are found from a marker in the broken file, so the assertion checks that the message
points at the line where the mistake is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from opsbook.cli import main

RUNBOOK = """\
---
id: rb-test
title: Test runbook
category: availability
severity: SEV-2
services: [mcp-server]
detection:
  summary: MCP success rate under 80%
  slos: [mcp-availability]
scope: Everyone
owners: [maya]
last_reviewed: 2026-11-01
review_every: 90d
---

## Quick mitigation

Roll back.

## Final fix

Fix it.

## What to update afterwards

The alert.

## User-facing messages

We are on it.
"""

POSTMORTEM = """\
---
id: pm-test
title: Test incident
status: published
severity: SEV-2
category: latency
services: [gift-search]
runbook: rb-checkout-failure
roles:
  on_call: tomas
timeline:
  - {at: "2026-11-02T10:00:00+01:00", type: started}
  - {at: "2026-11-02T10:05:00+01:00", type: detected}
  - {at: "2026-11-02T10:20:00+01:00", type: mitigated}
  - {at: "2026-11-02T11:00:00+01:00", type: resolved}
action_items:
  - id: AI-1
    title: Add a cache
    owner: tomas
    due: 2026-12-20
---

## Summary

Slow.

## Root cause

A cache expired.

## Action items

One.
"""

CADENCE = """\
id: test-review
title: Test review
when: {every: week, weekday: friday}
start: 2026-01-02
time: "09:00"
timezone: Europe/Berlin
duration: 30m
owner: maya
checklist:
  - Look at the numbers
"""


@dataclass
class Case:
    name: str
    path: str  # the file the case writes or edits
    change: Callable[[str], str] | str | bytes | None  # new text, a text edit, raw bytes, or None: make a dir
    expected: str  # the report line, with {line} standing for the marker's line
    marker: str | None = None  # text on the line the problem is at


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"the fixture no longer contains {old!r}"
        return text.replace(old, new, 1)
    return edit


def rb(old: str, new: str) -> str:
    return _replace(old, new)(RUNBOOK)


def pm(old: str, new: str) -> str:
    return _replace(old, new)(POSTMORTEM)


def cad(old: str, new: str) -> str:
    return _replace(old, new)(CADENCE)


R, P, C = "runbooks/rb-test.md", "postmortems/pm-test.md", "calendar/test-review.yaml"

CASES = [
    # --- files that cannot be read as a document -------------------------------------------------
    Case("broken-yaml", "ops/slos.yaml", _replace("  - id: gift-search-latency\n", "  - id: gift-search-latency\n   bad: [\n"),
         "ops/slos.yaml:{line}:4: error: is not valid YAML: did not find expected '-' indicator",
         marker="   bad: ["),
    Case("unclosed-frontmatter", R, RUNBOOK.replace("---\n\n## Quick", "\n## Quick"),
         "runbooks/rb-test.md:1: error: frontmatter is not closed"),
    Case("no-frontmatter", R, "# Just a title\n\nNo frontmatter here.\n",
         "runbooks/rb-test.md:1: error: has no frontmatter"),
    Case("not-utf8", C, CADENCE.encode() + b"# caf\xe9\n",
         "calendar/test-review.yaml:11: error: is not valid UTF-8 text"),
    Case("directory-not-file", "runbooks/rb-dir.md", None,
         "runbooks/rb-dir.md: error: is a directory, expected a file"),
    Case("empty-file", C, "",
         "calendar/test-review.yaml:1: error: is empty"),
    Case("whitespace-only-file", P, "\n\n   \n",
         "postmortems/pm-test.md:1: error: is empty"),
    Case("top-level-list", "ops/services.yaml", "- id: mcp-server\n",
         "ops/services.yaml:1: error: must hold a YAML mapping of keys to values"),
    Case("duplicate-key", C, CADENCE.replace("duration: 30m\n", "duration: 30m\nduration: 1h\n"),
         "calendar/test-review.yaml:{line}:1: error: is not valid YAML: the key 'duration' is given twice in one mapping",
         marker="duration: 1h"),
    Case("tab-indent", C, CADENCE.replace("  - Look at the numbers", "\t- Look at the numbers"),
         "calendar/test-review.yaml:{line}:1: error: is not valid YAML: found character that cannot start any token",
         marker="\t- Look"),
    Case("conflict-in-yaml", C, cad("duration: 30m\n", "<<<<<<< HEAD\nduration: 30m\n=======\nduration: 45m\n"
                                    ">>>>>>> review-longer\n"),
         "calendar/test-review.yaml:{line}:1: error: unresolved merge conflict", marker="<<<<<<< HEAD"),
    Case("conflict-in-frontmatter", R, rb("owners: [maya]\n", "<<<<<<< ours\nowners: [maya]\n=======\nowners: [tomas]\n"
                                        ">>>>>>> theirs\n"),
         "runbooks/rb-test.md:{line}:1: error: unresolved merge conflict", marker="<<<<<<< ours"),
    Case("conflict-in-body", P, pm("A cache expired.\n", "<<<<<<< HEAD\nA cache expired.\n=======\nThe cache expired.\n"
                                   ">>>>>>> 3f2a9c1 (fix wording)\n"),
         "postmortems/pm-test.md:{line}:1: error: unresolved merge conflict", marker="<<<<<<< HEAD"),
    Case("conflict-in-process-page", "ops/roles.md", _replace("\n", "\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> main\n"),
         "ops/roles.md:{line}:1: error: unresolved merge conflict", marker="<<<<<<< HEAD"),
    Case("missing-team", "ops/team.yaml", "DELETE",
         "ops/team.yaml: error: is missing"),
    # --- files in a content folder that would not be read ----------------------------------------
    Case("markdown-suffix", "runbooks/rb-x.markdown", RUNBOOK,
         "runbooks/rb-x.markdown: error: not read: handbook documents end in .md; rename it to runbooks/rb-x.md"),
    Case("uppercase-md-suffix", "postmortems/pm-x.MD", "no frontmatter, and not read either\n",
         "postmortems/pm-x.MD: error: not read: handbook documents end in .md; rename it to postmortems/pm-x.md"),
    Case("md-txt-suffix", "ops/on-call.md.txt", "# On call\n",
         "ops/on-call.md.txt: error: not read: handbook documents end in .md; rename it to ops/on-call.md"),
    Case("runbook-in-subfolder", "runbooks/payments/rb-x.md", RUNBOOK,
         "runbooks/payments: error: not read: runbooks/ is not searched in subfolders"),
    Case("slos-yml", "ops/slos.yml", "slos: []\n",
         "ops/slos.yml: error: not read: ops/ reads slos.yaml; rename it to ops/slos.yaml"),
    Case("holidays-yml", "calendar/holidays.yml", "holidays: []\n",
         "calendar/holidays.yml: error: not read: calendar/ reads holidays.yaml; rename it to calendar/holidays.yaml"),
    Case("uppercase-yaml-suffix", "calendar/test-review.YAML", CADENCE,
         "calendar/test-review.YAML: error: not read: YAML files here end in .yaml; rename it to "
         "calendar/test-review.yaml"),
    Case("stray-file-in-calendar", "calendar/notes.txt", "ideas for reviews\n",
         "calendar/notes.txt: error: not read: calendar/ holds review cadences (*.yaml) and holidays.yaml"),
    Case("stray-yaml-in-ops", "ops/oncall.yaml", "rotations: []\n",
         "ops/oncall.yaml: error: not read: ops/ holds process pages (*.md) and slos.yaml, severity.yaml, "
         "services.yaml, team.yaml, secrets.yaml, oncall-overrides.yaml, maintenance.yaml"),
    # --- one document's shape ---------------------------------------------------------------------
    Case("unknown-key-typo", R, rb("severity: SEV-2", "severty: SEV-2"),
         "runbooks/rb-test.md:{line}:1: error: severty: unknown key `severty`", marker="severty:"),
    Case("unknown-key-nested", P, pm("type: started}", "type: started, when: now}"),
         "postmortems/pm-test.md:{line}:54: error: timeline[0].when: unknown key `when`", marker="when: now"),
    Case("wrong-type-number", "ops/slos.yaml", _replace("target: 0.995", "target: high"),
         "ops/slos.yaml:{line}:5: error: slos[0].target: cannot be read", marker="target: high"),
    Case("wrong-type-list", R, rb("services: [mcp-server]", "services: mcp-server"),
         "runbooks/rb-test.md:{line}:1: error: services: has the wrong type", marker="services: mcp-server"),
    Case("bad-enum", R, rb("category: availability", "category: payments"),
         "runbooks/rb-test.md:{line}:1: error: category: is not one of the allowed values", marker="category:"),
    Case("unknown-severity", P, pm("severity: SEV-2", "severity: SEV-4"),
         "postmortems/pm-test.md:{line}:1: error: severity: is not one of the allowed values", marker="severity:"),
    Case("month-13", R, rb("last_reviewed: 2026-11-01", "last_reviewed: 2026-13-01"),
         "runbooks/rb-test.md:{line}:1: error: last_reviewed: is not a real date: there is no month 13 "
         "(months are 01 to 12)", marker="last_reviewed"),
    Case("february-30", "ops/secrets.yaml", _replace("last_rotated: 2026-10-01", "last_rotated: 2026-02-30"),
         "ops/secrets.yaml:{line}:5: error: secrets[0].last_rotated: is not a real date: February 2026 has 28 days",
         marker="2026-02-30"),
    Case("april-31-in-a-timeline", P, pm('"2026-11-02T10:00:00+01:00"', '"2026-04-31T10:00:00+01:00"'),
         "postmortems/pm-test.md:{line}:6: error: timeline[0].at: is not a real date: April 2026 has 30 days",
         marker="2026-04-31"),
    Case("unreadable-date", R, rb("last_reviewed: 2026-11-01", "last_reviewed: 1st of November"),
         "runbooks/rb-test.md:{line}:1: error: last_reviewed: cannot be read", marker="last_reviewed"),
    Case("date-with-time", R, rb("last_reviewed: 2026-11-01", "last_reviewed: 2026-11-01T10:00:00Z"),
         "runbooks/rb-test.md:{line}:1: error: last_reviewed: expected a date (YYYY-MM-DD) without a time",
         marker="last_reviewed"),
    Case("naive-datetime", P, pm('"2026-11-02T10:05:00+01:00"', '"2026-11-02T10:05:00"'),
         "postmortems/pm-test.md:{line}:6: error: timeline[1].at: cannot be read", marker="10:05:00\""),
    Case("bad-zone", C, cad("timezone: Europe/Berlin", "timezone: Europe/Berlinn"),
         "calendar/test-review.yaml:{line}:1: error: timezone: unknown IANA time zone 'Europe/Berlinn' "
         "(expected a name such as Europe/Berlin)", marker="timezone:"),
    Case("bad-duration", C, cad("duration: 30m", "duration: half an hour"),
         "calendar/test-review.yaml:{line}:1: error: duration: expected a duration such as 15m, 1h30m, 2d or 1w",
         marker="duration:"),
    Case("bad-clock", C, cad('time: "09:00"', 'time: "25:00"'),
         "calendar/test-review.yaml:{line}:1: error: time: expected a time of day as HH:MM, such as \"10:00\"",
         marker="time:"),
    Case("ratio-target-as-percent", "ops/slos.yaml", _replace("target: 0.995", "target: 99.5"),
         "ops/slos.yaml:{line}:5: error: slos[0].target: is not a ratio: with `unit: ratio` it is a fraction from 0 "
         "to 1", marker="target: 99.5"),
    Case("ratio-alert-as-percent", "ops/slos.yaml", _replace("threshold: 0.8,", "threshold: 80,"),
         "ops/slos.yaml:{line}:30: error: slos[0].alert.threshold: is not a ratio: with `unit: ratio` it is a "
         "fraction from 0 to 1", marker="threshold: 80"),
    Case("uppercase-id", "ops/services.yaml", _replace("- id: widget", "- id: Widget"),
         "ops/services.yaml:{line}:5: error: services[3].id: does not have the expected form", marker="id: Widget"),
    Case("missing-key", R, rb("scope: Everyone\n", ""),
         "runbooks/rb-test.md:2:1: error: scope: required key `scope` is missing"),
    Case("action-item-no-owner", P, pm("    owner: tomas\n", ""),
         "postmortems/pm-test.md:{line}:5: error: action_items[0].owner: required key `owner` is missing",
         marker="- id: AI-1"),
    Case("action-item-no-due", P, pm("    due: 2026-12-20\n", ""),
         "postmortems/pm-test.md:{line}:5: error: action_items[0].due: required key `due` is missing",
         marker="- id: AI-1"),
    Case("action-item-bad-url", P, pm("    due: 2026-12-20\n", "    due: 2026-12-20\n    issue: not a url\n"),
         "postmortems/pm-test.md:{line}:5: error: action_items[0].issue: is not a web address", marker="issue: not"),
    Case("action-item-title-block", P, pm("    title: Add a cache\n", "    title: |\n      Add a cache\n      for search\n"),
         "postmortems/pm-test.md:{line}:5: error: action_items[0].title: is more than one line",
         marker="title: |"),
    Case("owner-and-rotation", C, cad("owner: maya", "owner: maya\nrotation: review-hosts"),
         "calendar/test-review.yaml:1:1: error: give exactly one of `owner` (a person) or `rotation`"),
    Case("weekly-without-weekday", C, cad("{every: week, weekday: friday}", "{every: week}"),
         "calendar/test-review.yaml:{line}:1: error: when: a weekly cadence needs `weekday`", marker="when:"),
    Case("monthly-two-rules", C, cad("{every: week, weekday: friday}", "{every: month, day: 3, business_day: 1}"),
         "calendar/test-review.yaml:{line}:1: error: when: give exactly one of `day`, `weekday` (with `nth`) or "
         "`business_day`", marker="when:"),
    Case("empty-checklist", C, cad("checklist:\n  - Look at the numbers\n", "checklist: []\n"),
         "calendar/test-review.yaml:{line}:1: error: checklist: is empty", marker="checklist"),
    Case("id-no-is-false", R, rb("id: rb-test", "id: no"),
         "runbooks/rb-test.md:{line}:1: error: id: YAML reads the unquoted no as false, not as text", marker="id: no"),
    Case("owner-number", C, cad("owner: maya", "owner: 1234"),
         "calendar/test-review.yaml:{line}:1: error: owner: YAML reads the unquoted 1234 as the number 1234, "
         "not as text", marker="owner:"),
    Case("cyrillic-e-in-id", R, rb("id: rb-test", "id: rb-t\u0435st"),
         "runbooks/rb-test.md:{line}:1: error: id: contains U+0435 CYRILLIC SMALL LETTER IE at position 5, which "
         "only looks like plain text", marker="id: rb-t"),
    Case("non-breaking-hyphen-in-reference", P, pm("runbook: rb-checkout-failure", "runbook: rb\u2011checkout-failure"),
         "postmortems/pm-test.md:{line}:1: error: runbook: contains U+2011 NON-BREAKING HYPHEN at position 3, which "
         "only looks like plain text", marker="runbook:"),
    Case("negative-count", P, pm("roles:\n", "impact: {summary: Slow, users_affected: -3}\nroles:\n"),
         "postmortems/pm-test.md:{line}:25: error: impact.users_affected: is out of range", marker="impact:"),
    # --- across files -----------------------------------------------------------------------------
    Case("duplicate-slo-id", "ops/slos.yaml", _replace("- id: gift-search-errors", "- id: gift-search-latency"),
         "ops/slos.yaml:{line}:5: error: slos[2].id: SLO id 'gift-search-latency' is already used in ops/slos.yaml",
         marker="- id: gift-search-latency\n    title: Gift search error rate"),
    Case("duplicate-person", "ops/team.yaml", _replace("- id: jordan", "- id: maya"),
         "ops/team.yaml:{line}:5: error: people[3].id: person id 'maya' is already used in ops/team.yaml",
         marker="- id: maya\n    name: Jordan"),
    Case("dangling-runbook", P, pm("runbook: rb-checkout-failure", "runbook: rb-checkout-failures"),
         "postmortems/pm-test.md:{line}:1: error: runbook: refers to unknown runbook 'rb-checkout-failures'",
         marker="runbook:"),
    Case("dangling-slo", R, rb("slos: [mcp-availability]", "slos: [mcp-uptime]"),
         "runbooks/rb-test.md:{line}:10: error: detection.slos[0]: refers to unknown SLO 'mcp-uptime'",
         marker="slos:"),
    Case("dangling-service", "ops/slos.yaml", _replace("service: mcp-server", "service: mcp"),
         "ops/slos.yaml:{line}:5: error: slos[0].service: refers to unknown service 'mcp'", marker="service: mcp"),
    Case("dangling-person", P, pm("on_call: tomas", "on_call: tom"),
         "postmortems/pm-test.md:{line}:3: error: roles.on_call: refers to unknown person 'tom'", marker="on_call"),
    Case("dangling-role", "ops/team.yaml", _replace("role: on-call", "role: oncall"),
         "ops/team.yaml:{line}:5: error: rotations[0].role: refers to unknown role 'oncall'", marker="role: oncall"),
    Case("dangling-rotation", C, cad("owner: maya", "rotation: hosts"),
         "calendar/test-review.yaml:{line}:1: error: rotation: refers to unknown rotation 'hosts'", marker="rotation:"),
    Case("dangling-fallback", C, cad("owner: maya", "owner: maya\nfallback: mya"),
         "calendar/test-review.yaml:{line}:1: error: fallback: refers to unknown person 'mya'", marker="fallback:"),
    Case("fallback-is-owner", C, cad("owner: maya", "owner: maya\nfallback: maya"),
         "calendar/test-review.yaml:1:1: error: `fallback` is the `owner`: name someone who can stand in for them"),
    Case("dangling-metric", "ops/severity.yaml", _replace("{metric: checkout_success_rate,", "{metric: checkout_rate,"),
         "ops/severity.yaml:{line}:10: error: rules[0].any[0].metric: refers to unknown metric 'checkout_rate'",
         marker="checkout_rate"),
    Case("duplicate-action-item", P, pm("    due: 2026-12-20\n", "    due: 2026-12-20\n  - id: AI-1\n    title: Alert on "
                                        "cache misses\n    owner: tomas\n    due: 2026-12-22\n"),
         "postmortems/pm-test.md:{line}:5: error: action_items[1].id: action item id 'AI-1' is already used by "
         "action_items[0] (line 17)", marker="- id: AI-1\n    title: Alert"),
    Case("resolved-before-detected", P, pm('"2026-11-02T11:00:00+01:00", type: resolved',
                                           '"2026-11-02T09:00:00+01:00", type: resolved'),
         "postmortems/pm-test.md:{line}:6: error: timeline[3].at: `resolved` is before `mitigated`", marker="resolved"),
    Case("no-detected", P, pm('  - {at: "2026-11-02T10:05:00+01:00", type: detected}\n', ""),
         "postmortems/pm-test.md:{line}:1: error: timeline: the timeline has no `detected` event", marker="timeline:"),
    Case("second-triage", P, pm("type: mitigated}", "type: mitigated}\n  - {at: \"2026-11-02T10:30:00+01:00\", type: mitigated}"),
         "postmortems/pm-test.md:{line}:39: error: timeline[3].type: the timeline has a second `mitigated` event",
         marker="10:30:00"),
    Case("published-without-root-cause", P, pm("## Root cause\n\nA cache expired.\n\n", ""),
         "postmortems/pm-test.md:{line}: error: a published post-mortem needs a `## Root cause` section",
         marker="---\n\n## Summary"),
    Case("published-empty-root-cause", P, pm("A cache expired.\n", ""),
         "postmortems/pm-test.md:{line}: error: a published post-mortem needs text under `## Root cause`",
         marker="## Root cause"),
    Case("published-without-action-items", P, pm("action_items:\n  - id: AI-1\n    title: Add a cache\n    owner: tomas\n"
                                                 "    due: 2026-12-20\n", ""),
         "postmortems/pm-test.md:{line}:1: error: status: a published post-mortem needs at least one action item",
         marker="status:"),
    Case("published-unresolved", P, pm('  - {at: "2026-11-02T11:00:00+01:00", type: resolved}\n', ""),
         "postmortems/pm-test.md:{line}:1: error: status: a post-mortem published needs a `resolved` event",
         marker="status:"),
    Case("runbook-missing-section", R, rb("## Final fix\n\nFix it.\n\n", ""),
         "runbooks/rb-test.md:{line}: error: the body has no `## Final fix` section", marker="---\n\n## Quick"),
    Case("runbook-empty-section", R, rb("Roll back.\n", ""),
         "runbooks/rb-test.md:{line}: error: the `## Quick mitigation` section is empty", marker="## Quick mitigation"),
    Case("broken-link-to-runbook", R, rb("Roll back.", "Roll back as [the checkout runbook](rb-checkout-failur.md) says."),
         "runbooks/rb-test.md:{line}:37: error: the link rb-checkout-failur.md leads to runbooks/rb-checkout-failur.md, "
         "which does not exist", marker="Roll back as"),
    Case("broken-link-anchor", P, pm("A cache expired.", "A cache expired ([runbook](../runbooks/rb-checkout-failure.md"
                                     "#final-fixes))."),
         "postmortems/pm-test.md:{line}:28: error: the link's anchor #final-fixes is not a heading of "
         "runbooks/rb-checkout-failure.md", marker="A cache expired ("),
    Case("broken-link-same-page", R, rb("Fix it.", "Fix it, after [the mitigation](#quick-mitigaton)."),
         "runbooks/rb-test.md:{line}:32: error: the link's anchor #quick-mitigaton is not a heading of this page",
         marker="Fix it, after"),
    Case("broken-reference-link", "ops/roles.md", _replace("\n", "\n\n[pm]: ../postmortems/pm-2026-10-41-outage.md\n"),
         "ops/roles.md:{line}:7: error: the link ../postmortems/pm-2026-10-41-outage.md leads to "
         "postmortems/pm-2026-10-41-outage.md, which does not exist", marker="[pm]:"),
    Case("link-to-unpublished-yaml", R, rb("The alert.", "The alert in [the catalogue](../ops/slos.yaml)."),
         "runbooks/rb-test.md:{line}:30: error: the link ../ops/slos.yaml leads to ops/slos.yaml, which the site does "
         "not publish", marker="The alert in"),
    Case("file-name-not-id", R, rb("id: rb-test", "id: rb-other"),
         "runbooks/rb-test.md:{line}:1: error: id: the id 'rb-other' does not match the file name 'rb-test'",
         marker="id: rb-other"),
    Case("commerce-below-floor", P, pm("category: latency", "category: commerce"),
         "postmortems/pm-test.md:{line}:1: error: severity: commerce incidents are at least SEV-1 by the severity policy",
         marker="severity:"),
    Case("future-review-date", R, rb("last_reviewed: 2026-11-01", "last_reviewed: 2062-11-01"),
         "runbooks/rb-test.md:{line}:1: error: last_reviewed: is in the future", marker="last_reviewed"),
    Case("future-timeline", P, pm('"2026-11-02T11:00:00+01:00", type: resolved', '"2027-11-02T11:00:00+01:00", type: resolved'),
         "postmortems/pm-test.md:{line}:6: error: timeline[3].at: is in the future", marker="2027-11-02"),
    # --- credentials: located, never echoed -------------------------------------------------------
    Case("openai-key", R, rb("Roll back.", "Roll back. Key: sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"),
         "runbooks/rb-test.md:{line}:17: error: looks like an OpenAI API key; a handbook must never hold a credential",
         marker="Roll back. Key"),
    Case("aws-key", C, cad("duration: 30m", "duration: 30m\n# AKIAIOSFODNN7EXAMPLE"),
         "calendar/test-review.yaml:{line}:3: error: looks like an AWS access key id; a handbook must never hold a "
         "credential", marker="# AKIA"),
    Case("stripe-live-key", P, pm("A cache expired.", "A cache expired. sk_live_51HxYzAbCdEfGhIjKlMnOp"),
         "postmortems/pm-test.md:{line}:18: error: looks like a Stripe secret key; a handbook must never hold a "
         "credential", marker="sk_live_"),
    Case("private-key", "ops/secrets.yaml",
         _replace("secrets:\n", "secrets:\n# -----BEGIN RSA PRIVATE KEY-----\n"),
         "ops/secrets.yaml:{line}:3: error: looks like a private key block; a handbook must never hold a credential",
         marker="BEGIN RSA"),
    Case("secret-value-key", "ops/secrets.yaml",
         _replace("    owner: tomas\n", "    owner: tomas\n    value: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"),
         "ops/secrets.yaml:{line}:5: error: secrets[0].value: unknown key `value`", marker="value: ghp_"),
]


def _apply(root: Path, case: Case) -> None:
    target = root / case.path
    if case.change is None:
        target.mkdir(parents=True)
        return
    if case.change == "DELETE":
        target.unlink()
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if callable(case.change):
        base = target.read_text(encoding="utf-8") if target.exists() else {R: RUNBOOK, P: POSTMORTEM, C: CADENCE}[case.path]
        target.write_text(case.change(base), encoding="utf-8")
    elif isinstance(case.change, bytes):
        target.write_bytes(case.change)
    else:
        target.write_text(case.change, encoding="utf-8")


def _marker_line(path: Path, marker: str) -> int:
    text = path.read_bytes().decode("utf-8", errors="replace")
    index = text.index(marker)
    line = text.count("\n", 0, index) + 1
    return line + 1 if marker.startswith("---\n") else line  # the body starts after the closing ---


def _validate(root: Path, capsys, *extra: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(root), "--as-of", "2026-11-26", *extra])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.fixture
def small_handbook(handbook_copy: Path) -> Path:
    """The example plus one small runbook, post-mortem and cadence that the cases break."""
    (handbook_copy / R).write_text(RUNBOOK, encoding="utf-8")
    (handbook_copy / P).write_text(POSTMORTEM, encoding="utf-8")
    (handbook_copy / C).write_text(CADENCE, encoding="utf-8")
    return handbook_copy


def test_the_unbroken_fixtures_are_valid(small_handbook, capsys):
    code, out, err = _validate(small_handbook, capsys, "--strict")
    assert (code, err) == (0, ""), out


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    assert len({case.expected for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_input_gives_a_located_message(small_handbook, capsys, case):
    _apply(small_handbook, case)
    code, out, err = _validate(small_handbook, capsys)
    expected = case.expected
    if case.marker:
        expected = expected.format(line=_marker_line(small_handbook / case.path, case.marker))
    assert code == 1
    assert "Traceback" not in out + err
    assert expected in out.splitlines(), out
    # A credential is named by kind and place, never repeated.
    for secret in re.findall(r"(sk-proj-\w+|AKIA\w+|sk_live_\w+|ghp_\w+)", str(case.change) if not callable(case.change) else ""):
        assert secret not in out
    assert not re.search(r"(sk-proj-|AKIAI|sk_live_5|ghp_a)", out)


def test_a_title_over_two_lines_is_shown_on_one(small_handbook, capsys):
    (small_handbook / P).write_text(pm("    title: Add a cache\n", "    title: |\n      Add a cache\n      for search\n"),
                                    encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    lines = out.splitlines()
    at = lines.index("postmortems/pm-test.md:18:5: error: action_items[0].title: is more than one line")
    assert (code, lines[at + 1:at + 4]) == (1, [
        "    expected: one line of text", "    found: 'Add a cache\\nfor search\\n'",
        "    hint: write it on the key's own line: a `|` or `>` block keeps its line breaks"])


def test_a_ratio_given_as_a_percentage_shows_the_ratio_meant(small_handbook, capsys):
    slos = small_handbook / "ops/slos.yaml"
    slos.write_text(slos.read_text(encoding="utf-8").replace("target: 0.995", "target: 99.5"), encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "slos[0].target: is not a ratio" in line)
    assert lines[at + 1:at + 4] == ["    expected: a number from 0 to 1", "    found: 99.5",
                                    "    hint: write it as a ratio: 0.995 (that is 99.5%), or set `unit: percent`"]


def test_a_merge_conflict_names_its_marker_lines_and_nothing_else(small_handbook, capsys):
    """The conflict is the one problem: no YAML error about the markers, no follow-on errors."""
    (small_handbook / R).write_text(rb("owners: [maya]\n", "<<<<<<< ours\nowners: [maya]\n=======\nowners: [tomas]\n"
                                       ">>>>>>> theirs\n") + "\nA heading\n=======\n", encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    assert out.splitlines()[:4] == [
        "runbooks/rb-test.md:11:1: error: unresolved merge conflict",
        "    found: <<<<<<< on line 11, ======= on line 13, >>>>>>> on line 15",
        "    hint: keep the lines you want from both sides and delete the <<<<<<<, ======= and >>>>>>> lines",
        "✗ 1 error, 0 warnings"]


def test_words_from_other_trackers_and_a_hand_written_closed_get_a_hint(small_handbook, capsys):
    """`wontfix` is GitHub's and Jira's word; `closed:` is written by `ops actions pull`, as a mapping."""
    (small_handbook / P).write_text(pm("    due: 2026-12-20\n", "    due: 2026-12-20\n    status: wontfix\n"
                                                               "    closed: 2026-11-18\n"), encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[lines.index("    found: 'wontfix'") + 1] == "    hint: did you mean 'wont-do'?"
    assert lines[lines.index("    found: '2026-11-18'") + 1] == (
        "    hint: Written by `ops actions pull` when GitHub closed the tracking issue: a mapping of `date` and, "
        "when GitHub says, `by`, `reason` and `via`; kept when someone reopens the item in the handbook.")


def test_links_that_work_on_the_site_pass(small_handbook, capsys):
    """Generated pages, full URLs, code, a document that fails on its own, a repeated heading: no link errors."""
    (small_handbook / R).write_text(rb("Roll back.", """Roll back: [SLOs](../slos.md), [reviews](../reviews/index.md),
[all runbooks](index.md), [web](https://example.com/x.md), [mail](mailto:a@example.com), [pm](../postmortems/pm-test.md),
[roles](../ops/roles.md#incident-commander), [again](#final-fix_1), `[code](nowhere.md)`, [broken pm](../postmortems/pm-bad.md),
[this category](by-category/availability.md), [this year's incidents](../postmortems/by-year/2026.md),
[one month](../postmortems/by-month/2026-11.md).

```
[in a fence](nowhere.md)
```""").replace("## What to update", "## Final fix\n\nAgain.\n\n## What to update"), encoding="utf-8")
    (small_handbook / "postmortems/pm-bad.md").write_text(pm("id: pm-test", "id: pm-bad").replace("SEV-2", "SEV-9"))
    code, out, _ = _validate(small_handbook, capsys)
    assert "link" not in out and out.count(": error: ") == 1, out


def test_a_top_level_folder_named_like_a_handbook_folder_is_a_warning_naming_the_right_one(small_handbook, capsys):
    """Its files would be skipped without a word; other folders (the toolkit's, the site's, `_` ones) are not."""
    for name in ("runbook/rb-new.md", "calender/x.yaml", "Postmortems/.gitkeep", "tools/x.py", "bench/x.py",
                 "site/index.html", "schemas/x.json", "_old-runbooks/rb-x.md", "doc/page.md"):
        (small_handbook / name).parent.mkdir(exist_ok=True)
        (small_handbook / name).write_text("x\n", encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    found = [line for line in out.splitlines() if "/: warning" in line or "hint: move" in line or "hint: rename" in line]
    assert (code, found) == (0, [
        "Postmortems/: warning: not read: the handbook reads postmortems/, not Postmortems/",
        "    hint: move its files into postmortems/, or start its name with _ to keep it unread",
        "calender/: warning: not read: the handbook reads calendar/, not calender/",
        "    hint: move its files into calendar/, or start its name with _ to keep it unread",
        "doc/: warning: not read: the handbook reads docs/, not doc/",
        "    hint: rename it to docs/, or start its name with _ to keep it unread",  # no docs/ in this handbook
        "runbook/: warning: not read: the handbook reads runbooks/, not runbook/",
        "    hint: move its files into runbooks/, or start its name with _ to keep it unread"]), out


def test_editor_backups_templates_and_os_files_stay_quiet(small_handbook, capsys):
    """Left by editors, merges and file browsers, or kept on purpose (`_`): not content, not reported."""
    for name in ("runbooks/.rb-test.md.swp", "runbooks/rb-test.md~", "runbooks/#rb-test.md#", "runbooks/.#rb-test.md",
                 "runbooks/.DS_Store", "runbooks/_template.md", "postmortems/pm-test.md.orig", "calendar/x.yaml.bak",
                 "ops/Thumbs.db", "runbooks/_drafts/rb-later.md", "ops/.gitkeep"):
        (small_handbook / name).parent.mkdir(parents=True, exist_ok=True)
        (small_handbook / name).write_text("not a valid document\n", encoding="utf-8")
    code, out, err = _validate(small_handbook, capsys, "--strict")
    assert (code, err) == (0, ""), out


def test_json_format_carries_file_line_key_and_expectation(small_handbook, capsys):
    (small_handbook / R).write_text(rb("category: availability", "category: payments"), encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys, "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["valid"] is False and document["errors"] == 1
    [problem] = document["problems"]
    assert problem["file"] == R and problem["line"] == 4 and problem["key"] == "category"
    assert problem["found"] == "'payments'"
    assert problem["expected"].startswith("one of 'availability', 'latency', 'quality', 'commerce'")


def test_github_format_escapes_annotations_and_writes_a_step_summary(small_handbook, capsys, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (small_handbook / R).write_text(rb("title: Test runbook", "title: Test runbook\nnotes: 'a, b: c'"), encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys, "--format", "github")
    assert code == 1
    line = next(l for l in out.splitlines() if l.startswith("::error "))
    assert line.startswith("::error file=runbooks/rb-test.md,line=4,col=1,title=opsbook unknown-key at notes::")
    assert "unknown key `notes`" in line
    assert "| ❌ | `runbooks/rb-test.md:4:1` | `notes` | unknown key `notes` |" in summary.read_text()


@pytest.mark.parametrize("change, message", [
    (lambda root: (root / "runbooks/rb-test.md").write_text(rb("last_reviewed: 2026-11-01", "last_reviewed: 2026-01-01")),
     "runbooks/rb-test.md:12:1: warning: last_reviewed: the runbook was due for review on 2026-04-01"),
    (lambda root: (root / "postmortems/pm-test.md").write_text(pm("due: 2026-12-20", "due: 2026-11-20")),
     "postmortems/pm-test.md:20:5: warning: action_items[0].due: action item AI-1 is overdue since 2026-11-20"),
    (lambda root: (root / "ops/secrets.yaml").write_text(
        (root / "ops/secrets.yaml").read_text().replace("last_rotated: 2026-10-01", "last_rotated: 2026-05-01")),
     "warning: secrets[0].last_rotated: OPENAI_API_KEY was due for rotation on 2026-07-30"),
    (lambda root: (root / "postmortems/pm-test.md").write_text(pm("status: published", "status: draft")
                                                              .replace("severity: SEV-2", "severity: SEV-1")
                                                              .replace("category: latency", "category: availability")),
     "postmortems/pm-test.md:4:1: warning: status: the SEV-1 post-mortem was due to be published by 2026-11-07"),
])
def test_warnings_pass_unless_strict(small_handbook, capsys, change, message):
    change(small_handbook)
    code, out, _ = _validate(small_handbook, capsys)
    assert code == 0 and any(line.endswith(message) for line in out.splitlines()), out
    code, out, _ = _validate(small_handbook, capsys, "--strict")
    assert code == 1 and "--strict: warnings count" in out


def test_every_problem_is_reported_once_across_files(small_handbook, capsys):
    (small_handbook / R).write_text(rb("category: availability", "category: payments"), encoding="utf-8")
    (small_handbook / C).write_text(cad("duration: 30m", "duration: forever"), encoding="utf-8")
    (small_handbook / "ops/slos.yaml").write_text("slos: [\n", encoding="utf-8")
    code, out, _ = _validate(small_handbook, capsys)
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert code == 1 and len(errors) == len(set(errors)) >= 3
    assert {e.split(":")[0] for e in errors} >= {R, C, "ops/slos.yaml"}


def _break_runbook_referred_to(root: Path) -> None:
    """rb-checkout-failure gets a bad category; two post-mortems and a cadence refer to it."""
    runbook = root / "runbooks/rb-checkout-failure.md"
    runbook.write_text(runbook.read_text(encoding="utf-8").replace("category: commerce", "category: payments"),
                       encoding="utf-8")
    (root / "postmortems/pm-a.md").write_text(pm("id: pm-test", "id: pm-a"), encoding="utf-8")
    (root / C).write_text(cad("checklist:", "runbooks: [rb-checkout-failure]\nchecklist:"), encoding="utf-8")


def test_a_broken_runbook_is_the_cause_and_references_to_it_a_note_after_it(small_handbook, capsys):
    _break_runbook_referred_to(small_handbook)
    code, out, _ = _validate(small_handbook, capsys)
    lines = out.splitlines()
    assert code == 1 and not [line for line in lines if "unknown runbook" in line], out
    cause = lines.index("runbooks/rb-checkout-failure.md:4:1: error: category: is not one of the allowed values")
    note = ("runbooks/rb-checkout-failure.md: note: 4 references to rb-checkout-failure are unchecked until "
            "runbooks/rb-checkout-failure.md loads: postmortems/pm-2026-10-14-checkout-outage.md:8, "
            "postmortems/pm-a.md:8, postmortems/pm-test.md:8 and 1 more")
    assert lines[cause + 3] == note, out
    assert lines[-1] == "✗ 1 error, 0 warnings", out


def test_the_note_is_a_notice_in_github_format_and_counts_as_nothing_in_json(small_handbook, capsys):
    _break_runbook_referred_to(small_handbook)
    _, out, _ = _validate(small_handbook, capsys, "--format", "github")
    notices = [line for line in out.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 1 and notices[0].startswith(
        "::notice file=runbooks/rb-checkout-failure.md,title=opsbook unchecked-references::4 references")
    _, out, _ = _validate(small_handbook, capsys, "--format", "json")
    document = json.loads(out)
    assert (document["errors"], document["warnings"]) == (1, 0)
    assert [p["level"] for p in document["problems"]] == ["error", "note"]


def test_a_missing_team_file_is_the_one_cause_of_unchecked_people(small_handbook, capsys):
    (small_handbook / "ops/team.yaml").unlink()
    code, out, _ = _validate(small_handbook, capsys)
    lines = [line for line in out.splitlines() if not line.startswith("    ")]
    assert lines[0] == "ops/team.yaml: error: is missing"
    assert re.fullmatch(r"ops/team.yaml: note: \d+ references to people and rotations are unchecked until "
                        r"ops/team.yaml loads: ops/services.yaml:9, ops/services.yaml:19, ops/services.yaml:27 and "
                        r"\d+ more", lines[1]), out
    assert code == 1 and lines[-1] == "✗ 1 error, 0 warnings"


def test_usage_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert "no such handbook folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--format", "xml"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--as-of", "yesterday"])
    assert exit_info.value.code == 2
