"""Generate a large synthetic handbook (mostly post-mortems) for benchmarks.

`make_handbook(root, documents=10_000)` copies the example's `ops/` and `calendar/` files and writes
runbooks and post-mortems with realistic frontmatter and body sizes. Deterministic for a given size.
"""

from __future__ import annotations

import copy
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


# --- a big organisation -----------------------------------------------------------------------------
# The example team's four people keep their ids (the copied services name them as owners); the rest are
# numbered. Dates are spread around the benchmarks' "today" (late November 2026). `backlog` says how
# much of the work is late, as in a team that mostly keeps up: the share of older incidents whose second
# action item is still open (recent ones are all open) and of secrets left past their rotation. The
# default makes a few hundred overdue action items and a few hundred secrets due, as a big
# organisation plausibly has; `backlog=1.0` leaves every one of them late, for tests of long lists.

BACKLOG = 0.04

ORG_TODAY = dt.date(2026, 11, 20)  # no later than any benchmark's or test's "now"
ORG_ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/Lisbon", "Australia/Sydney"]
ORG_ROLES = ["on-call", "incident-commander", "communications", "scribe"]
ORG_STORES = ["GitHub Actions secrets", "Vercel environment (production)", "Vault (kv/prod)", "AWS Secrets Manager"]
ORG_SLOS = ["mcp-availability", "gift-search-latency", "gift-search-errors", "tool-call-rate", "checkout-success"]
ORG_SERVICES = ["mcp-server", "gift-search", "checkout", "widget", "openai-api", "stripe"]
_ORG_RULES = [
    ("{every: week, weekday: %s}", "2d"),
    ("{every: week, weekday: %s, interval: 2}", "3d"),
    ("{every: month, business_day: 1}", "7d"),
    ("{every: quarter, month: 1, business_day: 1}", "14d"),
]
_ORG_CONTEXTS = ["[slos, incidents, action-items]", "[secrets, action-items]", "[runbooks, incidents]",
                 "[cost, incidents]", "[slos]"]


def org_people(count: int) -> list[str]:
    return PEOPLE[:count] + [f"p-{index:03d}" for index in range(len(PEOPLE), count)]


def _org_team(people: list[str], rotations: int) -> str:
    lines = ["name: Synthetic Org", "timezone: Europe/Berlin", "people:"]
    for index, person in enumerate(people):
        roles = ", ".join(ORG_ROLES[index % 4: index % 4 + 2])
        lines += [f"  - id: {person}", f"    name: Person {index:03d} {person.capitalize()}",
                  f"    github: gh-{person}", f"    timezone: {ORG_ZONES[index % len(ORG_ZONES)]}",
                  f"    roles: [{roles}]"]
    lines.append("roles:")
    lines += [f"  - {{id: {role}, name: {role.replace('-', ' ').capitalize()}, description: Takes the {role} role.}}"
              for role in ORG_ROLES]
    lines.append("rotations:")
    per = max(1, len(people) // rotations)
    for index in range(rotations):
        members = ", ".join(people[index * per: (index + 1) * per] or people[:1])
        lines += [f"  - id: rotation-{index:02d}", f"    name: Rotation {index:02d}", f"    members: [{members}]",
                  "    period: 1w", "    start: 2026-01-05"]
    return "\n".join(lines) + "\n"


def _late(index: int, backlog: float) -> bool:
    """Whether item `index` is one the team fell behind on: `backlog` of them, spread evenly."""
    return (index * 37) % 100 < backlog * 100


def _org_secrets(people: list[str], count: int, backlog: float) -> str:
    lines = ["secrets:"]
    for index in range(count):
        every = (30, 90, 180, 365)[index % 4]
        # On time: rotated within its period. Late: up to 120 days past it (some of those still on time).
        late = _late(index, backlog)
        rotated = ORG_TODAY - dt.timedelta(days=(index * 37) % (every + 120 if late else every))
        lines += [f"  - name: SYNTHETIC_SECRET_{index:05d}",
                  f"    description: Credential {index} used by {ORG_SERVICES[index % len(ORG_SERVICES)]}.",
                  f"    stored_in: [{ORG_STORES[index % 4]}]", f"    owner: {people[index % len(people)]}",
                  f"    services: [{ORG_SERVICES[index % len(ORG_SERVICES)]}]", f"    rotate_every: {every}d",
                  f"    last_rotated: {rotated.isoformat()}"]
        if index % 10 == 0:
            lines.append("    how_to_rotate: Issue a new credential, deploy it, watch the errors, revoke the old one.")
    return "\n".join(lines) + "\n"


def _org_cadence(index: int, rotations: int, people: list[str]) -> str:
    when, open_before = _ORG_RULES[index % len(_ORG_RULES)]
    if "%s" in when:
        when = when % ["monday", "tuesday", "wednesday", "thursday", "friday"][index % 5]
    owner = f"rotation: rotation-{index % rotations:02d}" if index % 2 else f"owner: {people[index % len(people)]}"
    # One review in fifty has a title longer than GitHub allows an issue's title (256 characters).
    title = f"Review {index:03d} of team {index % 40:02d}" + (" and its many dependencies" * 12 if index % 50 == 4 else "")
    return (f"id: review-{index:03d}\ntitle: {title}\nwhen: {when}\nstart: 2025-01-01\ntime: \"10:00\"\n"
            f"timezone: {ORG_ZONES[index % len(ORG_ZONES)]}\nduration: 45m\n{owner}\n"
            f"labels: [review, team-{index % 40:02d}, {'x' * 44}-{index % 3}]\n"
            f"checklist: [Look at the numbers, Write down what changed, Check the overdue items]\n"
            f"slos: [{ORG_SLOS[index % len(ORG_SLOS)]}]\ncontext: {_ORG_CONTEXTS[index % len(_ORG_CONTEXTS)]}\n"
            f"issue: {{open_before: {open_before}}}\n")


def _org_postmortem(index: int, runbooks: int, people: list[str], rng: random.Random, backlog: float) -> str:
    """A post-mortem of the big organisation: one done action item, and one that is open while the
    incident is recent (or the team fell behind on it) and done otherwise; usually tracked already."""
    text = _postmortem(index, runbooks, rng)
    detected = dt.date.fromisoformat(text.split('type: detected')[0].rsplit('at: "', 1)[1][:10])
    owner, other = people[index % len(people)], people[(index * 7 + 3) % len(people)]
    issue = "" if index % 50 == 0 else f"\n    issue: https://github.com/example/handbook/issues/{100000 + index}"
    second_due = detected + dt.timedelta(days=90)
    if not _late(index, backlog) and second_due < ORG_TODAY - dt.timedelta(days=30):
        issue = "\n    status: done" + (issue or f"\n    issue: https://github.com/example/handbook/issues/{100000 + index}")
    items = (f"action_items:\n  - id: AI-1\n    title: Add an alert for the early signal\n    owner: {owner}\n"
             f"    due: {detected + dt.timedelta(days=30)}\n    status: done\n"
             f"    issue: https://github.com/example/handbook/issues/{index}\n"
             f"  - id: AI-2\n    title: Write the missing runbook step for incident {index}\n    owner: {other}\n"
             f"    due: {second_due}{issue}\n---")
    head, rest = text.split("action_items:", 1)
    return head.replace(f"on_call: {PEOPLE[index % 4]}", f"on_call: {owner}", 1) + items + rest.split("---", 1)[1]


def make_organisation(root: Path, *, people: int = 300, rotations: int = 20, cadences: int = 200,
                      secrets: int = 5_000, runbooks: int = 1_000, postmortems: int = 10_000,
                      backlog: float = BACKLOG) -> Path:
    """Write a big organisation's handbook under `root`: the defaults are issue 11's organisation."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO / "ops", root / "ops", ignore=shutil.ignore_patterns("*.md", "oncall-overrides.yaml"))
    shutil.copy2(REPO / "opsbook.yaml", root / "opsbook.yaml")
    ids = org_people(people)
    (root / "ops" / "team.yaml").write_text(_org_team(ids, rotations), encoding="utf-8")
    (root / "ops" / "secrets.yaml").write_text(_org_secrets(ids, secrets, backlog), encoding="utf-8")
    (root / "calendar").mkdir()
    shutil.copy2(REPO / "calendar" / "holidays.yaml", root / "calendar" / "holidays.yaml")
    for index in range(cadences):
        (root / "calendar" / f"review-{index:03d}.yaml").write_text(_org_cadence(index, rotations, ids),
                                                                   encoding="utf-8")
    (root / "runbooks").mkdir()
    (root / "postmortems").mkdir()
    for index in range(runbooks):
        (root / "runbooks" / f"rb-synthetic-{index:05d}.md").write_text(_runbook(index), encoding="utf-8")
    rng = random.Random(20261128)
    for index in range(postmortems):
        (root / "postmortems" / f"pm-synthetic-{index:05d}.md").write_text(
            _org_postmortem(index, runbooks, ids, rng, backlog), encoding="utf-8")
    return root


def make_slo_catalogue(root: Path, count: int = 1_000) -> Path:
    """The example handbook under `root` with `count` SLOs: the example's, then copies under new ids.

    Each copy's counters select their own `shard` label, so the SLOs measure different series (as a big
    catalogue would) and one Prometheus can hold data for all of them; a runbook lists every SLO.
    """
    import yaml

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    catalogue = yaml.safe_load((root / "ops/slos.yaml").read_text(encoding="utf-8"))
    base = catalogue["slos"]
    copies = []
    for index in range(count - len(base)):
        slo = copy.deepcopy(base[index % len(base)])
        slo["id"] = f"{slo['id']}-{index:04d}"
        for kind in slo.get("indicator", {}).values():
            for key in ("good", "bad", "total", "histogram", "numerator", "denominator"):
                if key in kind:
                    kind[key] = _with_shard(kind[key], index)
        copies.append(slo)
    catalogue["slos"] = base + copies
    (root / "ops/slos.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False, width=200), encoding="utf-8")
    runbook = root / "runbooks" / "rb-mcp-not-responding.md"
    ids = ", ".join(slo["id"] for slo in copies)
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("  slos: [mcp-availability, gift-search-errors]",
                                    f"  slos: [mcp-availability, gift-search-errors, {ids}]"), encoding="utf-8")
    return root


def _with_shard(selector: str, index: int) -> str:
    name, brace, rest = selector.partition("{")
    return f'{name}{{shard="{index}", {rest}' if brace else f'{name}{{shard="{index}"}}'
