"""A GitHub-compatible REST server on 127.0.0.1 for tests: the endpoints `ops issues sync` uses, faults on demand.

It answers like api.github.com (or a GitHub Enterprise `/api/v3` base) for one repository: the repository,
issues (list with `state`, `labels`, `sort`, `direction`, `per_page`, `page` and GitHub's `Link` header,
create, get, edit), labels (list, get, create) and issue comments. Bodies are built from recorded real
responses (`github_payloads.json`, trimmed from the github3.py test suite's cassettes) with the served
fields replaced, and every answer carries GitHub's rate-limit headers.

Faults are queued per request (method and path pattern, or the Nth request): an HTTP status such as 502,
a dropped connection (before or after the request took effect), a secondary rate limit (403 with
`Retry-After`) and a primary one (429 or 403 with `x-ratelimit-reset`). `on_create` is called after each
issue is created, so a test can kill the client there. Every request is recorded for counting.

People's doings on GitHub can be acted out: `close_issue` (as completed or not planned, by someone, with a
closing comment or commit), `reopen_issue`, `delete_issue` (then 410 Gone) and `transfer_issue` (then 301
to the issue's new home, as GitHub redirects a transferred issue). Each issue keeps its events (`closed`
with `actor` and `commit_id`, `reopened`) and comments, both listed with GitHub's pagination, per issue
and for the whole repository (events newest first, each with its `issue`; comments with `since`, `sort`
and `direction`).

GitHub's size limits are enforced as GitHub enforces them, with its 422 "Validation Failed" payloads: an
issue's title (256 characters) and body (65,536), a comment's body (65,536), a label's name (50) and
description (100) and its colour (six hex digits). Characters are counted as code points.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

PAYLOADS = json.loads((Path(__file__).with_name("github_payloads.json")).read_text(encoding="utf-8"))
GITHUB_API = "https://api.github.com"
SECONDARY_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                     "If you reach out to GitHub Support for help, please include the request ID.")
DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
ISSUE_DOCS = "https://docs.github.com/rest/issues/issues#create-an-issue"
# GitHub's limits, in characters.
TITLE_LIMIT, BODY_LIMIT, COMMENT_LIMIT = 256, 65_536, 65_536
LABEL_NAME_LIMIT, LABEL_DESCRIPTION_LIMIT = 50, 100
EPOCH = 1_795_000_000  # the server's clock for created_at/updated_at: one second per write


@dataclasses.dataclass
class Fault:
    """One injected failure. `kind`: status | drop | drop-after | secondary | rate-limit-429 | rate-limit-403."""

    kind: str
    method: str | None = None        # None: any method
    path: str | None = None          # regex searched in the path after the API base (no query)
    at_request: int | None = None    # fire on this request number (1-based) instead of by pattern
    status: int = 502
    retry_after: int = 1             # seconds, for the rate-limit faults
    times: int = 1

    def matches(self, number: int, method: str, path: str) -> bool:
        if self.at_request is not None:
            return number == self.at_request
        return ((self.method is None or self.method == method)
                and (self.path is None or re.search(self.path, path) is not None))


@dataclasses.dataclass(frozen=True)
class Seen:
    """A request the server received, with how it answered (`status` 0 when the connection was dropped)."""

    method: str
    path: str
    query: str
    status: int
    at: float
    fault: str | None = None


class GitHubServer:
    """One repository's worth of GitHub, in memory. Use as a context manager or call start()/stop()."""

    def __init__(self, owner: str = "acme", repo: str = "handbook", token: str = "ghs_testtoken0123456789",
                 max_lifetime: float = 300.0):
        self.owner, self.repo, self.token = owner, repo, token
        self.repo_id = 424242
        self.issues: dict[int, dict] = {}
        self.labels: dict[str, dict] = {}  # by lower-case name
        self.comments: dict[int, list[dict]] = {}
        self.events: dict[int, list[dict]] = {}
        self.gone: set[int] = set()           # deleted issues: 410 Gone
        self.moved: dict[int, dict] = {}       # transferred issues by their old number: 301 to their new home
        self.other_repo_id = 434343            # where transferred issues live
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.on_create: Callable[[int], None] | None = None
        self.assignable: set[str] | None = None  # None: anyone can be assigned
        self.creates = 0
        self._clock = EPOCH
        self._lock = threading.RLock()
        self._max_lifetime = max_lifetime
        self._httpd: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> "GitHubServer":
        handler = type("Handler", (_Handler,), {"github": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        # Bounded: a server a test forgot to stop shuts itself down.
        self._timer = threading.Timer(self._max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._httpd:
            httpd, self._httpd = self._httpd, None
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> "GitHubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._httpd, "the server is not running"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Enterprise-style API base, as GITHUB_API_URL would give it."""
        return self.root + "/api/v3"

    # --- test helpers ------------------------------------------------------------------------------

    def inject(self, kind: str, **where) -> Fault:
        """Queue a fault (see `Fault`); it fires on the next matching request(s)."""
        fault = Fault(kind, **where)
        with self._lock:
            self.faults.append(fault)
        return fault

    def add_issue(self, title: str, body: str = "", labels: tuple[str, ...] = (), state: str = "open",
                  assignees: tuple[str, ...] = ()) -> dict:
        """Seed an issue as if someone had created it earlier."""
        with self._lock:
            return self._create_issue({"title": title, "body": body, "labels": list(labels),
                                       "assignees": list(assignees)}, state=state)

    def close_issue(self, number: int, reason: str = "completed", by: str = "maya-dev", comment: str | None = None,
                    commit: str | None = None) -> dict:
        """Close an issue as a person would: optionally with a comment first, or from a commit."""
        with self._lock:
            issue = self.issues[number]
            if comment:
                self._add_comment(number, comment, by)
            self._edit_issue(issue, {"state": "closed", "state_reason": reason}, actor=by, commit=commit)
            return issue

    def reopen_issue(self, number: int, by: str = "maya-dev") -> dict:
        with self._lock:
            return self._edit_issue(self.issues[number], {"state": "open"}, actor=by)

    def delete_issue(self, number: int) -> None:
        """Delete an issue, as an admin can: it leaves the listing and answers 410 Gone."""
        with self._lock:
            del self.issues[number]
            self.gone.add(number)

    def transfer_issue(self, number: int, new_number: int = 7, owner: str = "acme", repo: str = "platform") -> dict:
        """Transfer an issue to another repository: it leaves the listing, and its old URL redirects (301)."""
        with self._lock:
            issue = self.issues.pop(number)
            base = f"{self.api_url}/repositories/{self.other_repo_id}/issues/{new_number}"
            issue.update(number=new_number, url=base, html_url=f"{self.root}/{owner}/{repo}/issues/{new_number}",
                         comments_url=base + "/comments", events_url=base + "/events")
            self.moved[number] = issue
            return issue

    def add_label(self, name: str, color: str = "ededed", description: str | None = None) -> dict:
        with self._lock:
            return self._create_label(name, color, description)

    def count(self, method: str | None = None, path: str | None = None, *, answered: bool = False) -> int:
        """How many requests matched (method, path regex); `answered` counts only 2xx answers."""
        return sum(1 for seen in self.requests
                   if (method is None or seen.method == method)
                   and (path is None or re.search(path, seen.path))
                   and (not answered or 200 <= seen.status < 300))

    @property
    def reads(self) -> int:
        return self.count("GET")

    @property
    def writes(self) -> int:
        return len(self.requests) - self.reads

    def issues_with(self, text: str) -> list[dict]:
        """Issues whose body contains `text` (a marker), oldest first."""
        return [issue for number, issue in sorted(self.issues.items()) if text in (issue["body"] or "")]

    # --- payloads ----------------------------------------------------------------------------------

    def _fill(self, template: dict) -> dict:
        """A recorded payload with its URLs pointing at this server and this repository."""
        text = json.dumps(template)
        text = text.replace(GITHUB_API, self.api_url).replace("https://github.com", self.root)
        text = text.replace("sigmavirus24/github3.py", f"{self.owner}/{self.repo}")
        return json.loads(text)

    def _user(self, login: str) -> dict:
        old = PAYLOADS["user"]["login"]
        text = json.dumps(self._fill(PAYLOADS["user"]))
        return json.loads(text.replace(f"/{old}", f"/{login}").replace(f'"{old}"', f'"{login}"'))

    def _tick(self) -> str:
        self._clock += 1
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock))

    def _repository(self) -> dict:
        repo = self._fill(PAYLOADS["repository"])
        repo.update(id=self.repo_id, name=self.repo, full_name=f"{self.owner}/{self.repo}",
                    open_issues_count=sum(1 for i in self.issues.values() if i["state"] == "open"))
        repo["owner"] = self._user(self.owner)
        return repo

    def _create_label(self, name: str, color: str = "ededed", description: str | None = None) -> dict:
        label = self._fill(PAYLOADS["label"])
        label.update(name=name, color=color, description=description, default=False,
                     id=900000 + len(self.labels),
                     url=f"{self.api_url}/repos/{self.owner}/{self.repo}/labels/{urllib.parse.quote(name)}")
        self.labels[name.lower()] = label
        return label

    def _labels_for(self, names: list[str]) -> list[dict]:
        # Like GitHub: labels named on an issue that do not exist yet are created, grey.
        return [self.labels.get(name.lower()) or self._create_label(name) for name in names]

    def _set_body(self, issue: dict, body: str | None) -> None:
        issue["body"] = body
        issue["body_text"] = body or ""
        issue["body_html"] = f"<p>{html.escape(body or '')}</p>"

    def _create_issue(self, data: dict, state: str = "open") -> dict:
        number = max(self.issues, default=0) + 1
        issue = self._fill(PAYLOADS["issue"])
        base = f"{self.api_url}/repos/{self.owner}/{self.repo}/issues/{number}"
        stamp = self._tick()
        issue.update(number=number, id=700000 + number, title=data["title"], state=state, comments=0,
                     locked=False, milestone=None, created_at=stamp, updated_at=stamp,
                     closed_at=stamp if state == "closed" else None, closed_by=None, url=base,
                     state_reason="completed" if state == "closed" else None,
                     comments_url=base + "/comments", events_url=base + "/events",
                     labels_url=base + "/labels{/name}",
                     html_url=f"{self.root}/{self.owner}/{self.repo}/issues/{number}",
                     user=self._user("github-actions[bot]"), author_association="NONE")
        self._set_body(issue, data.get("body"))
        issue["labels"] = self._labels_for(list(data.get("labels") or []))
        self._assign(issue, data)
        self.issues[number] = issue
        # As on GitHub, labels and assignees given at creation show as events in the issue's history.
        for label in issue["labels"]:
            self._event(number, "labeled", "github-actions[bot]", None, None, label={"name": label["name"],
                                                                                      "color": label["color"]})
        for assignee in issue["assignees"]:
            self._event(number, "assigned", "github-actions[bot]", None, None, assignee=assignee)
        return issue

    def _assign(self, issue: dict, data: dict) -> None:
        logins = list(data.get("assignees") or ([data["assignee"]] if data.get("assignee") else []))
        issue["assignees"] = [self._user(login) for login in logins]
        issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None

    def _bad_assignees(self, data: dict) -> list[str]:
        logins = list(data.get("assignees") or ([data["assignee"]] if data.get("assignee") else []))
        return [] if self.assignable is None else [login for login in logins if login not in self.assignable]

    def _edit_issue(self, issue: dict, data: dict, actor: str = "github-actions[bot]", commit: str | None = None) -> dict:
        if "title" in data:
            issue["title"] = data["title"]
        if "body" in data:
            self._set_body(issue, data["body"])
        if "labels" in data:
            issue["labels"] = self._labels_for(list(data["labels"] or []))
        if "assignees" in data or "assignee" in data:
            self._assign(issue, data)
        issue["updated_at"] = self._tick()
        if data.get("state") in ("open", "closed") and data["state"] != issue["state"]:
            issue["state"] = data["state"]
            issue["closed_at"] = issue["updated_at"] if data["state"] == "closed" else None
            issue["state_reason"] = data.get("state_reason") or ("completed" if data["state"] == "closed" else "reopened")
            # Only the single-issue endpoint says who closed it; the list leaves `closed_by` out.
            issue["closed_by"] = self._user(actor) if data["state"] == "closed" else None
            self._event(issue["number"], "closed" if data["state"] == "closed" else "reopened", actor, commit,
                        issue["state_reason"])
        return issue

    def _event(self, number: int, kind: str, actor: str, commit: str | None, reason: str | None, **extra) -> None:
        events = self.events.setdefault(number, [])
        events.append({"id": 5_000_000 + sum(len(e) for e in self.events.values()), "event": kind,
                       "actor": self._user(actor), "commit_id": commit,
                       "commit_url": f"{self.api_url}/repos/{self.owner}/{self.repo}/commits/{commit}" if commit else None,
                       "created_at": self.issues[number]["updated_at"], "state_reason": reason, **extra})

    def _add_comment(self, number: int, body: str, login: str = "github-actions[bot]") -> dict:
        issue = self.issues[number]
        comment = self._fill(PAYLOADS["comment"])
        comment_id = 353000000 + sum(len(c) for c in self.comments.values()) + 1
        stamp = self._tick()
        comment.update(id=comment_id, body=body, body_text=body, body_html=f"<p>{html.escape(body)}</p>",
                       created_at=stamp, updated_at=stamp, user=self._user(login),
                       issue_url=issue["url"], html_url=f"{issue['html_url']}#issuecomment-{comment_id}",
                       url=f"{self.api_url}/repos/{self.owner}/{self.repo}/issues/comments/{comment_id}")
        self.comments.setdefault(number, []).append(comment)
        issue["comments"] += 1
        return comment

    def _repository_events(self) -> list[dict]:
        """Every issue's events, newest first, each with its issue (GitHub's "list issue events for a repository")."""
        found = []
        for number, events in self.events.items():
            issue = self.issues.get(number)
            if issue is None:  # deleted or transferred: its events left with it
                continue
            short = {k: v for k, v in issue.items() if k not in ("closed_by", "body_html", "body_text")}
            found += [{**event, "issue": short} for event in events]
        return sorted(found, key=lambda event: event["id"], reverse=True)

    def _repository_comments(self, query: dict[str, str]) -> list[dict]:
        """Every issue's comments (GitHub's "list issue comments for a repository"): `since`, `sort`, `direction`.

        As on GitHub, `direction` counts only with `sort`; without it comments come oldest first by id.
        """
        found = [comment for number, comments in self.comments.items() if number in self.issues
                 for comment in comments if comment["updated_at"] >= query.get("since", "")]
        sort = query.get("sort")
        if sort in ("created", "updated"):
            found.sort(key=lambda c: (c[f"{sort}_at"], c["id"]), reverse=query.get("direction", "desc") != "asc")
        else:
            found.sort(key=lambda c: c["id"])
        return found

    def _list_issues(self, query: dict[str, str]) -> list[dict]:
        state = query.get("state", "open")
        wanted = {name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()}
        found = [issue for issue in self.issues.values()
                 if (state == "all" or issue["state"] == state)
                 and wanted <= {label["name"].lower() for label in issue["labels"]}]
        key = "updated_at" if query.get("sort") == "updated" else "created_at"
        found.sort(key=lambda issue: (issue[key], issue["number"]), reverse=query.get("direction", "desc") != "asc")
        return [{k: v for k, v in issue.items() if k != "closed_by"} for issue in found]


class _Handler(BaseHTTPRequestHandler):
    github: GitHubServer
    protocol_version = "HTTP/1.1"  # keep-alive, as GitHub; requests pools connections

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # --- plumbing ----------------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        gh = self.github
        url = urllib.parse.urlsplit(self.path)
        path = url.path[len("/api/v3"):] if url.path.startswith("/api/v3/") else url.path
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with gh._lock:
            number = len(gh.requests) + 1
            fault = next((f for f in gh.faults if f.times > 0 and f.matches(number, method, path)), None)
            if fault:
                fault.times -= 1
            status, body, headers = self._answer(method, url.path, path, query, raw, fault)
            gh.requests.append(Seen(method, path, url.query, status, time.monotonic(), fault.kind if fault else None))
            created = gh.creates if (method == "POST" and status == 201 and path.endswith("/issues")) else None
        if created is not None and gh.on_create:
            gh.on_create(created)
        if status == 0:
            self.close_connection = True  # hang up without a word, like a reset proxy
            return
        self._send(status, body, headers)

    def _answer(self, method, full_path, path, query, raw, fault) -> tuple[int, object, dict]:
        gh = self.github
        if fault and fault.kind != "drop-after":
            return self._fault(fault)
        if not full_path.startswith("/api/v3/"):
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        auth = self.headers.get("Authorization", "")
        if auth not in (f"token {gh.token}", f"Bearer {gh.token}"):
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            return 400, {"message": "Problems parsing JSON"}, {}
        status, body, headers = _route(gh, method, path, query, data)
        if fault:  # drop-after: the request took effect, the answer never arrives
            return 0, None, {}
        return status, body, headers

    def _fault(self, fault: Fault) -> tuple[int, object, dict]:
        if fault.kind == "drop":
            return 0, None, {}
        if fault.kind == "secondary":
            return 403, {"message": SECONDARY_MESSAGE, "documentation_url": DOCS}, {"Retry-After": str(fault.retry_after)}
        if fault.kind in ("rate-limit-429", "rate-limit-403"):
            reset = int(time.time()) + fault.retry_after
            return (429 if fault.kind == "rate-limit-429" else 403,
                    {"message": "API rate limit exceeded for installation.", "documentation_url": DOCS},
                    {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
        return fault.status, {"message": "Server Error"} if fault.status >= 500 else {"message": "Error"}, {}

    def _send(self, status: int, body: object, headers: dict) -> None:
        gh = self.github
        payload = b"" if body is None else json.dumps(body).encode()
        used = len(gh.requests)
        rate = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - used)),
                "X-RateLimit-Reset": str(int(time.time()) + 3600), "X-RateLimit-Used": str(used),
                "X-RateLimit-Resource": "core"}
        rate.update(headers)  # a fault's own rate-limit headers win
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-GitHub-Media-Type", "github.v3; param=full; format=json")
            self.send_header("X-GitHub-Request-Id", f"0000:{used:04X}")
            for name, value in rate.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a test killed it)


# --- routes ----------------------------------------------------------------------------------------

NOT_FOUND = (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {})


def _route(gh: GitHubServer, method: str, path: str, query: dict, data: dict) -> tuple[int, object, dict]:
    if match := re.fullmatch(rf"/repositories/{gh.other_repo_id}/issues/(\d+)", path):
        moved = next((i for i in gh.moved.values() if i["number"] == int(match.group(1))), None)
        return (200, moved, {}) if moved and method == "GET" else NOT_FOUND
    prefixes = (f"/repos/{gh.owner}/{gh.repo}", f"/repositories/{gh.repo_id}")
    prefix = next((p for p in prefixes if path == p or path.startswith(p + "/")), None)
    if prefix is None:
        return NOT_FOUND
    rest = path[len(prefix):]
    if rest == "" and method == "GET":
        return 200, gh._repository(), {}
    if rest == "/issues":
        return _issues(gh, method, query, data)
    if rest == "/issues/events" and method == "GET":
        return _page(gh, "issues/events", gh._repository_events(), query)
    if rest == "/issues/comments" and method == "GET":
        return _page(gh, "issues/comments", gh._repository_comments(query), query)
    if match := re.fullmatch(r"/issues/(\d+)", rest):
        return _issue(gh, method, int(match.group(1)), data)
    if match := re.fullmatch(r"/issues/(\d+)/comments", rest):
        if method == "GET" and int(match.group(1)) in gh.issues:
            return _page(gh, f"issues/{match.group(1)}/comments", gh.comments.get(int(match.group(1)), []), query)
        return _comment(gh, method, int(match.group(1)), data)
    if match := re.fullmatch(r"/issues/(\d+)/events", rest):
        if method == "GET" and int(match.group(1)) in gh.issues:
            return _page(gh, f"issues/{match.group(1)}/events", gh.events.get(int(match.group(1)), []), query)
        return NOT_FOUND
    if rest == "/labels":
        return _labels(gh, method, query, data)
    if match := re.fullmatch(r"/labels/([^/]+)", rest):
        label = gh.labels.get(urllib.parse.unquote(match.group(1)).lower())
        return (200, label, {}) if method == "GET" and label else NOT_FOUND
    return NOT_FOUND


def _validation(resource: str, field: str, code: str, value: object = None) -> tuple[int, object, dict]:
    error = {"resource": resource, "field": field, "code": code}
    if value is not None:
        error["value"] = value
    return 422, {"message": "Validation Failed", "errors": [error],
                 "documentation_url": "https://docs.github.com/rest"}, {}


def _too_long(resource: str, field: str, limit: int, docs: str = ISSUE_DOCS) -> tuple[int, object, dict]:
    """GitHub's answer to a value over its limit, e.g. `body is too long (maximum is 65536 characters)`."""
    error = {"resource": resource, "code": "custom", "field": field,
             "message": f"{field} is too long (maximum is {limit} characters)"}
    return _refused(error, docs)


def _refused(error: dict, docs: str) -> tuple[int, object, dict]:
    return 422, {"message": "Validation Failed", "errors": [error], "documentation_url": docs, "status": "422"}, {}


def _issue_limits(data: dict) -> tuple[int, object, dict] | None:
    """The 422 GitHub gives an issue whose title, body or new labels are over its limits; None when within."""
    if len(data.get("title") or "") > TITLE_LIMIT:
        return _too_long("Issue", "title", TITLE_LIMIT)
    if len(data.get("body") or "") > BODY_LIMIT:
        return _too_long("Issue", "body", BODY_LIMIT)
    for name in data.get("labels") or []:
        if len(name) > LABEL_NAME_LIMIT:
            return _too_long("Label", "name", LABEL_NAME_LIMIT)
    return None


def _label_limits(data: dict) -> tuple[int, object, dict] | None:
    docs = "https://docs.github.com/rest/issues/labels#create-a-label"
    if len(data.get("name") or "") > LABEL_NAME_LIMIT:
        return _too_long("Label", "name", LABEL_NAME_LIMIT, docs)
    if len(data.get("description") or "") > LABEL_DESCRIPTION_LIMIT:
        return _too_long("Label", "description", LABEL_DESCRIPTION_LIMIT, docs)
    return None


def _issues(gh: GitHubServer, method: str, query: dict, data: dict) -> tuple[int, object, dict]:
    if method == "GET":
        return _page(gh, "issues", gh._list_issues(query), query)
    if method != "POST":
        return NOT_FOUND
    if not data.get("title"):
        return _validation("Issue", "title", "missing_field")
    if refused := _issue_limits(data):
        return refused
    if bad := gh._bad_assignees(data):
        return _validation("Issue", "assignees", "invalid", bad[0])
    issue = gh._create_issue(data)
    gh.creates += 1
    return 201, issue, {"Location": issue["url"]}


def _issue(gh: GitHubServer, method: str, number: int, data: dict) -> tuple[int, object, dict]:
    issue = gh.issues.get(number)
    if number in gh.gone:
        return 410, {"message": "This issue was deleted", "documentation_url": "https://docs.github.com/rest"}, {}
    if number in gh.moved and method == "GET":
        moved = gh.moved[number]
        return 301, {"message": "Moved Permanently", "url": moved["url"],
                     "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"}, \
            {"Location": moved["url"]}
    if issue is None:
        return NOT_FOUND
    if method == "GET":
        return 200, issue, {}
    if method == "PATCH":
        if refused := _issue_limits(data):
            return refused
        if bad := gh._bad_assignees(data):
            return _validation("Issue", "assignees", "invalid", bad[0])
        return 200, gh._edit_issue(issue, data), {}
    return NOT_FOUND


def _comment(gh: GitHubServer, method: str, number: int, data: dict) -> tuple[int, object, dict]:
    issue = gh.issues.get(number)
    if issue is None or method != "POST":
        return NOT_FOUND
    if len(data.get("body") or "") > COMMENT_LIMIT:
        # GitHub words a comment's refusal differently from an issue's.
        return _refused({"resource": "IssueComment", "code": "unprocessable", "field": "data",
                         "message": f"Body is too long (maximum is {COMMENT_LIMIT} characters)"},
                        "https://docs.github.com/rest/issues/comments#create-an-issue-comment")
    comment = gh._add_comment(number, data.get("body", ""))
    return 201, comment, {"Location": comment["url"]}


def _labels(gh: GitHubServer, method: str, query: dict, data: dict) -> tuple[int, object, dict]:
    if method == "GET":
        return _page(gh, "labels", sorted(gh.labels.values(), key=lambda label: label["name"].lower()), query)
    if method != "POST":
        return NOT_FOUND
    name = data.get("name")
    if not name:
        return _validation("Label", "name", "missing_field")
    if refused := _label_limits(data):
        return refused
    if name.lower() in gh.labels:
        return _validation("Label", "name", "already_exists")
    color = str(data.get("color") or "ededed").lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", color):
        return _validation("Label", "color", "invalid", color)
    label = gh._create_label(name, color, data.get("description"))
    return 201, label, {"Location": label["url"]}


def _page(gh: GitHubServer, what: str, items: list, query: dict) -> tuple[int, object, dict]:
    """One page of `items` and GitHub's Link header (URLs by repository id, as GitHub writes them)."""
    per_page = max(1, min(100, int(query.get("per_page", 30))))
    page = max(1, int(query.get("page", 1)))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    params = {key: value for key, value in query.items() if key != "page"}

    def link(number: int, rel: str) -> str:
        qs = urllib.parse.urlencode({**params, "page": number}, safe=",")
        return f'<{gh.api_url}/repositories/{gh.repo_id}/{what}?{qs}>; rel="{rel}"'

    rels = []
    if page < last:
        rels += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        rels += [link(1, "first"), link(page - 1, "prev")]
    return 200, [copy.deepcopy(item) for item in chunk], ({"Link": ", ".join(rels)} if rels else {})
