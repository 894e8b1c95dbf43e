"""One GitHub issue per alert-opened incident, exactly once, and a comment per note a pull adds.

The issue carries two hidden markers: `<!-- opsbook:incident <id> -->` (how a later run, or a run after a
crash between writing the post-mortem and opening the issue, finds it) and the incident's alert keys (so
even an incident whose post-mortem is in no branch yet is never opened again). Existing issues are read
as `ops issues sync` reads them: the Issues list filtered by the tool's label, one read a page. The
create goes through `issues.github.create_once` (a lost answer is looked for before trying again).

Each note of the incident's timeline after its issue was opened (the pull's, and any added by hand)
becomes one comment, exactly once: the comments made are recorded in the post-mortem under
`notified: {github-issue: [...]}`, as the chat channels' posts are, so a comment GitHub refused is posted
by the next run. Each comment carries its note's id in a marker, and before posting to an issue that
already has comments the run reads them once, so a comment whose answer was lost (or made by a run killed
before it recorded it) is not posted a second time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

from opsbook import urls
from opsbook.alerts import known as finding
from opsbook.alerts.pull import Done
from opsbook.handbook.models.config import ISSUE_RECORD
from opsbook.issues import github
from opsbook.issues.body import marker

INCIDENT_LABEL = "incident"
ISSUE_CHANNEL = ISSUE_RECORD  # the key of `notified:` that records the notes commented on the issue
_NOTE_MARKER = re.compile(r"<!-- opsbook:note (note-[0-9TZ]+-[0-9a-f]+) -->")


def note_events(meta) -> list[tuple[str, str]]:
    """(id, text) of each note of the incident's timeline, in order; the id is stable (time and text)."""
    from opsbook.handbook.models.postmortem import EventType

    return [(f"note-{event.at.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}-"
             f"{hashlib.sha256(event.text.encode()).hexdigest()[:8]}", event.text)
            for event in meta.timeline if event.type is EventType.NOTE]


def issue_key(incident_id: str) -> str:
    return f"{finding.ISSUE_KIND} {incident_id}"


@dataclasses.dataclass
class Issues:
    """The repository's labelled issues, and how to write more."""

    repo_name: str
    contents: object
    client: object
    policy: github.Policy
    counted: github.Stats
    issues: list  # ExistingIssue
    _repo: object = None

    @classmethod
    def read(cls, repo_name: str, contents, *, token: str, api_url: str, policy: github.Policy) -> "Issues":
        import github3

        from opsbook.problems import OpsbookError

        stats = github.Stats()
        client = github.connect(token, api_url, policy, stats)
        label = contents.config.issues.label
        try:
            issues = github.labelled_issues(client, repo_name, label)
        except github3.exceptions.GitHubException as exc:
            raise OpsbookError(f"could not read the issues of {repo_name}: {github.describe(exc)}; "
                               f"nothing was written") from None
        return cls(repo_name, contents, client, policy, stats, issues)

    def stats(self) -> dict:
        return {"reads": self.counted.reads, "writes": self.counted.writes}

    def repo(self):
        if self._repo is None:
            self._repo = github.repository(self.client, self.repo_name)
        return self._repo

    def apply(self, root: Path, report, now: dt.datetime) -> None:
        """Open the issue of every alert-opened incident not published yet that lacks one; comment its notes."""
        import github3

        by_key = {issue.key: issue for issue in self.issues if issue.key}
        found = finding.merged(finding.in_tree(root), finding.on_branches(root))
        label = self.contents.config.issues.label
        for incident in sorted(found, key=lambda f: f.meta.id):
            meta = incident.meta
            if meta.status.value == "published":
                continue
            existing = by_key.get(issue_key(meta.id))
            commented = list(meta.notified.get(ISSUE_CHANNEL, []))
            try:
                if existing is None:
                    title, body, assignees = self.content(meta)
                    self._labels(label)
                    issue, detail = github.create_once(self.repo(), issue_key(meta.id), label, title, body,
                                                       [label, INCIDENT_LABEL], assignees, self.policy, self.counted)
                    report.done.append(Done(meta.id, "issue", f"#{issue.number} {title}" +
                                             (f" ({detail})" if detail else "")))
                    # The issue starts from the incident as it stands; the notes after it come as comments.
                    commented += [note for note, _ in note_events(meta) if note not in commented]
                else:
                    self._follow(meta, existing, commented, report)
            except (github3.exceptions.GitHubException, github.GaveUp) as exc:
                what = "the issue" if existing is None else f"a comment on #{existing.number}"
                report.not_done.append(f"{meta.id}: {what}: {github.describe(exc)}")
            if commented != meta.notified.get(ISSUE_CHANNEL, []):
                _record(root, incident, commented, now, self.contents)

    def _follow(self, meta, existing, commented: list[str], report) -> None:
        """Bring an existing issue along: its title when the severity was raised, a comment per note not
        commented yet (appended to `commented` as each is made; the first refused stops the rest, so the
        comments keep the notes' order)."""
        title = f"{meta.severity.value}: {meta.title}"[:256]
        issue = None
        if existing.title != title and existing.title.startswith("SEV-"):
            issue = self.repo().issue(existing.number)
            issue.edit(title=title)
            report.done.append(Done(meta.id, "issue", f"#{existing.number} retitled {title}"))
        waiting = [(note, text) for note, text in note_events(meta) if note not in commented]
        if not waiting:
            return
        issue = issue or self.repo().issue(existing.number)
        if existing.comments:  # a comment whose answer was lost may be there: look before posting it again
            there = {m[1] for comment in issue.comments() for m in _NOTE_MARKER.finditer(comment.body or "")}
            commented += [note for note, _ in waiting if note in there]
            waiting = [(note, text) for note, text in waiting if note not in there]
        for note, text in waiting:
            issue.create_comment(f"{text}\n\n<!-- opsbook:note {note} -->")
            commented.append(note)
            report.done.append(Done(meta.id, "comment", f"#{existing.number}: {text}"))

    def _labels(self, label: str) -> None:
        from opsbook.issues.body import label_color, label_description

        if not getattr(self, "_labelled", False):
            github.ensure_labels(self.repo(), {name: (label_color(name, label), label_description(name, label))
                                               for name in (label, INCIDENT_LABEL)})
            self._labelled = True

    def content(self, meta) -> tuple[str, str, list[str]]:
        """Title, body and assignees of the incident's issue."""
        contents = self.contents
        people = {p.id: p for p in contents.team.people}
        on_call = people.get(meta.roles.on_call)
        handle = on_call.github if on_call else None
        runbooks = {doc.id: doc for doc in contents.runbooks}
        site = contents.config.site_url
        lines = [marker(issue_key(meta.id)), finding.keys_marker([r.key for r in meta.alerts]), "",
                 f"**{meta.severity.value}** {meta.category.value} incident on {', '.join(meta.services)}, "
                 f"opened by `ops alerts pull` from Alertmanager. Incident id: `{meta.id}` "
                 f"(post-mortem `postmortems/{meta.id}.md`).", "",
                 f"On call: {'@' + handle if handle else meta.roles.on_call}"
                 + ("" if handle else " (no GitHub handle in ops/team.yaml)")]
        if meta.runbook and meta.runbook in runbooks:
            doc = runbooks[meta.runbook]
            lines += ["", f"## Runbook: [{doc.meta.title}]({urls.absolute(site, urls.runbook(doc.id))})"]
            mitigation = doc.sections.get("Quick mitigation")
            if mitigation is not None and mitigation.text.strip():
                lines += ["", "### Quick mitigation", "", mitigation.text.strip()]
        lines += ["", "## Alerts", ""]
        for record in meta.alerts:
            shown = ", ".join(f'{k}="{v}"' for k, v in record.labels.items())
            lines.append(f"- `{{{shown}}}` firing since {record.first_fired.isoformat()}")
        lines += ["", "This issue records the incident; it does not page. Later notes arrive as comments."]
        title = f"{meta.severity.value}: {meta.title}"[:256]
        return title, "\n".join(lines)[:60000] + "\n", [handle] if handle else []


def _record(root: Path, incident: finding.Found, commented: list[str], now: dt.datetime, contents) -> None:
    """Write which notes the issue has heard into the post-mortem (beside the chat channels' records)."""
    from opsbook.incident.workflow import amend

    notified = {**incident.meta.notified, ISSUE_CHANNEL: commented}
    amend(root, incident.meta.id, fields={"notified": notified}, now=now,
          text=incident.text if incident.on_branch else None, contents=contents)
