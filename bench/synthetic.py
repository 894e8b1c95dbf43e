"""Generate a large synthetic handbook (mostly post-mortems) for benchmarks.

`make_handbook(root, documents=10_000)` copies the example's `ops/` and `calendar/` files and writes
runbooks and post-mortems with realistic frontmatter and body sizes. Deterministic for a given size.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATEGORIES = ["availability", "latency", "quality", "cost"]
SEVERITIES = ["SEV-2", "SEV-3"]
PEOPLE = ["maya", "tomas", "priya", "jordan"]
SERVICES = ["mcp-server", "gift-search", "checkout", "widget"]
SLOS = ["mcp-availability", "gift-search-latency", "gift-search-errors", "tool-call-rate"]
PARAGRAPH = ("The on-call engineer compared the error rate with the last deploy, rolled back the release, "
             "and watched the dashboard for fifteen minutes before calling the incident mitigated. ")


def _runbook(index: int) -> str:
    return f"""---
id: rb-synthetic-{index:05d}
title: Synthetic runbook {index}
category: {CATEGORIES[index % 4]}
severity: SEV-2
services: [{SERVICES[index % 4]}]
detection:
  summary: An alert on {SLOS[index % 4]} fires
  slos: [{SLOS[index % 4]}]
scope: Everyone using {SERVICES[index % 4]}
where_to_look:
  - {{title: Dashboard, url: "https://grafana.example/d/{index}", kind: dashboard}}
owners: [{PEOPLE[index % 4]}]
last_reviewed: 2026-11-01
review_every: 180d
---

## Quick mitigation

{PARAGRAPH * 2}

## Final fix

{PARAGRAPH * 2}

## What to update afterwards

{PARAGRAPH}

## User-facing messages

> We are looking into slow answers and will update this page within 30 minutes.
"""


def _postmortem(index: int, runbooks: int, rng: random.Random) -> str:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=rng.randrange(0, 1_400_000))
    stamps = [start]
    for _ in range(5):
        stamps.append(stamps[-1] + dt.timedelta(minutes=rng.randrange(1, 90)))
    kinds = ["started", "detected", "acknowledged", "triaged", "mitigated", "resolved"]
    timeline = "\n".join(f'  - {{at: "{at.isoformat()}", type: {kind}, text: Step {kind} of incident {index}}}'
                         for at, kind in zip(stamps, kinds))
    owner = PEOPLE[index % 4]
    return f"""---
id: pm-synthetic-{index:05d}
title: Synthetic incident {index}
status: published
severity: {SEVERITIES[index % 2]}
category: {CATEGORIES[index % 4]}
services: [{SERVICES[index % 4]}]
runbook: rb-synthetic-{index % runbooks:05d}
slos_breached: [{SLOS[index % 4]}]
roles:
  on_call: {owner}
  incident_commander: {PEOPLE[(index + 1) % 4]}
  communications: jordan
  scribe: {PEOPLE[(index + 2) % 4]}
impact:
  summary: Some users saw slow or failed answers for a while.
  users_affected: {rng.randrange(10, 5000)}
timeline:
{timeline}
action_items:
  - id: AI-1
    title: Add an alert for the early signal
    owner: {owner}
    due: 2026-12-31
    status: done
    issue: https://github.com/example/handbook/issues/{index}
  - id: AI-2
    title: Write the missing runbook step
    owner: {PEOPLE[(index + 3) % 4]}
    due: 2027-01-31
---

## Summary

{PARAGRAPH * 2}

## Impact

{PARAGRAPH}

## Timeline

{PARAGRAPH * 3}

## Root cause

{PARAGRAPH * 3}

## Detection

{PARAGRAPH}

## Response

{PARAGRAPH * 2}

## What went well

- {PARAGRAPH}

## What went badly

- {PARAGRAPH}

## Where we got lucky

{PARAGRAPH}

## Action items

See the frontmatter.
"""


def make_handbook(root: Path, documents: int = 10_000, runbook_share: float = 0.05) -> Path:
    """Write a synthetic handbook of `documents` Markdown documents under `root`."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in ("ops", "calendar"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.md"))
    shutil.copy2(REPO / "opsbook.yaml", root / "opsbook.yaml")
    (root / "runbooks").mkdir()
    (root / "postmortems").mkdir()
    runbooks = max(1, int(documents * runbook_share))
    for index in range(runbooks):
        (root / "runbooks" / f"rb-synthetic-{index:05d}.md").write_text(_runbook(index), encoding="utf-8")
    rng = random.Random(20261126)
    for index in range(documents - runbooks):
        (root / "postmortems" / f"pm-synthetic-{index:05d}.md").write_text(
            _postmortem(index, runbooks, rng), encoding="utf-8")
    return root
