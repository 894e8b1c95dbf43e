"""Internal text stays internal: every byte the status page and its feeds write is scanned for every
internal field's text (timeline, roles, narrative, impact, action items, internal title and id).

Text is looked for as written and as it would read after the output's escaping is undone (HTML and
XML entities, twice for Atom's escaped HTML content; iCalendar's folding and backslashes), so an
escaped leak is found too. Run on the example handbook, and on one full of internal text written to
look like public updates.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from conftest import NOW, REPO
from opsbook.validation import load_handbook
from opsbook.status.build import render_status

SEVERAL = 12


def _readable(data: bytes) -> str:
    """The output as text with its escaping undone, whitespace collapsed."""
    text = data.decode("utf-8")
    text = text.replace("\r\n ", "").replace("\\n", " ").replace("\\,", ",").replace("\\;", ";")
    text = html.unescape(html.unescape(text))
    return re.sub(r"\s+", " ", text)


def _fragments(text: str, shortest: int = 20) -> list[str]:
    """Sentences and lines of `text` long enough to be recognisable, whitespace collapsed."""
    parts = re.split(r"(?<=[.!?;:])\s+|\n+|\s+-\s+", text)
    return [re.sub(r"\s+", " ", part).strip(" -*#>") for part in parts
            if len(re.sub(r"\s+", " ", part).strip(" -*#>")) >= shortest]


def internal_texts(handbook) -> dict[str, str]:
    """Every internal field's text of every post-mortem, labelled with where it came from."""
    found: dict[str, str] = {}
    people = handbook.people
    for pm in handbook.postmortems.values():
        meta = pm.meta
        found[f"{pm.id}: id"] = pm.id
        found[f"{pm.id}: title"] = meta.title
        for i, event in enumerate(meta.timeline):
            found[f"{pm.id}: timeline[{i}]"] = event.text
            for n, part in enumerate(_fragments(event.text)):
                found[f"{pm.id}: timeline[{i}] {n}"] = part
        for role, person in meta.roles.model_dump().items():
            if person:
                found[f"{pm.id}: roles.{role}"] = f"\\b{person}\\b"
                found[f"{pm.id}: roles.{role} name"] = people[person].name
        for i, item in enumerate(meta.action_items):
            found[f"{pm.id}: action_items[{i}].title"] = item.title
            if item.issue:
                found[f"{pm.id}: action_items[{i}].issue"] = str(item.issue)
        if meta.impact:
            for n, part in enumerate(_fragments(meta.impact.summary)):
                found[f"{pm.id}: impact {n}"] = part
        for n, part in enumerate(_fragments(pm.body)):
            found[f"{pm.id}: body {n}"] = part
    return found


def _leaks(output: dict[str, bytes], internal: dict[str, str]) -> list[str]:
    leaks = []
    for path, data in output.items():
        readable = _readable(data)
        raw = data.decode("utf-8")
        for where, text in internal.items():
            if text.startswith("\\b"):
                pattern = re.compile(text, re.I)
                if pattern.search(readable):
                    leaks.append(f"{path}: {where}: {text}")
            elif text in raw or text in readable:
                leaks.append(f"{path}: {where}: {text[:60]}")
    return leaks


def test_the_example_status_page_holds_no_internal_text():
    handbook = load_handbook(REPO, NOW)
    _, output = render_status(handbook, NOW)
    internal = internal_texts(handbook)
    assert len(internal) > 300  # the scan covers the example's five post-mortems, not a token few
    assert _leaks(output, internal) == []


def test_the_scan_finds_a_leak_when_there_is_one():
    handbook = load_handbook(REPO, NOW)
    _, output = render_status(handbook, NOW)
    pm = handbook.postmortems["pm-2026-11-22-mcp-session-store-exhausted"]
    planted = dict(output)
    planted["index.html"] += html.escape(pm.meta.timeline[2].text).encode()
    leaks = _leaks(planted, internal_texts(handbook))
    assert leaks == ["index.html: pm-2026-11-22-mcp-session-store-exhausted: timeline[2]: "
                     "Alert: mcp_success_rate < 0.8 over 5m (at 0.64)",
                     "index.html: pm-2026-11-22-mcp-session-store-exhausted: timeline[2] 0: "
                     "mcp_success_rate < 0.8 over 5m (at 0.64)"]


def _decoy(index: int, public: bool) -> str:
    """A post-mortem whose every internal field reads like a status update and carries a marker."""
    day = dt.date(2026, 11, 1) + dt.timedelta(days=index)
    mark = f"LEAK{index:02d}"
    at = lambda hour, minute=0: f'"{day}T{hour:02d}:{minute:02d}:00+01:00"'  # noqa: E731
    lines = [
        "---", f"id: pm-{day}-cause-{mark.lower()}-internal-{index}",
        f"title: 'Investigating: {mark}-TITLE checkout errors for some users'",
        "status: draft", "severity: SEV-2", "category: availability", "services: [checkout, mcp-server]",
        "roles: {on_call: maya, incident_commander: priya, communications: jordan, scribe: tomas}",
        f"impact: {{summary: 'Identified: {mark}-IMPACT about 200 people could not pay'}}",
        "timeline:",
        f"  - {{at: {at(9)}, type: detected, text: 'Investigating - {mark}-DETECTED we are looking into errors'}}",
        f"  - {{at: {at(9, 5)}, type: note, text: 'Status page: {mark}-NOTE some payments fail, next update soon'}}",
        f"  - {{at: {at(9, 30)}, type: mitigated, text: 'Monitoring: {mark}-MITIGATED a fix is in place'}}",
        f"  - {{at: {at(10)}, type: resolved, text: 'Resolved: {mark}-RESOLVED this incident has been resolved'}}",
        "action_items:",
        f"  - {{id: AI-1, title: 'Post the update {mark}-ACTION to the status page sooner', owner: jordan, "
        f"due: {day + dt.timedelta(days=30)}}}",
    ]
    if public:
        lines += ["public:", "  components: [checkout]", "  updates:",
                  f"    - {{at: {at(9, 10)}, state: investigating, message: Some payments fail. We are on it.}}",
                  f"    - {{at: {at(10, 5)}, state: resolved, message: Payments work again.}}",
                  "  summary: For an hour some payments failed; no one was charged twice."]
    lines += ["---", "", "## Summary", "", f"Update: {mark}-SUMMARY we are investigating reports of failed payments.",
              "", "## Root cause", "", f"Identified: {mark}-ROOT the payment key was rotated without the new one.", ""]
    return "\n".join(lines)


@pytest.fixture
def decoys(handbook_copy: Path) -> Path:
    for index in range(SEVERAL):
        text = _decoy(index, public=index % 3 != 0)
        pm_id = text.split("\n")[1].removeprefix("id: ")
        (handbook_copy / "postmortems" / f"{pm_id}.md").write_text(text, encoding="utf-8")
    return handbook_copy


def test_a_handbook_full_of_update_like_internal_text_leaks_none_of_it(decoys):
    handbook = load_handbook(decoys, NOW)
    view, output = render_status(handbook, NOW)
    assert len(view.incidents) == 1 + SEVERAL - SEVERAL // 3  # the example's and the decoys with a public part
    everything = b"".join(output.values()).decode("utf-8")
    assert "LEAK" not in _readable(b"".join(output.values())) and "leak" not in everything
    assert _leaks(output, internal_texts(handbook)) == []
    assert everything.count("Some payments fail. We are on it.") >= SEVERAL - SEVERAL // 3
