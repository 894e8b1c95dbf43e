"""GitHub's limits on generated issues: the pure budget functions, and the server refusing what GitHub refuses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from github_server import GitHubServer
from opsbook.issues.budget import BODY_LIMIT, Listing, fit_body, fit_rows, shorten

URL = "https://handbook.example/secrets/"
ROWS = [f"| `SECRET_{n:05d}` | Owner {n} | 2026-01-01 |" for n in range(5_000)]
HEAD = "## Secrets due\n\n5,000 due.\n\n| Secret | Owner | Last rotated |\n|---|---|---|"


def test_rows_that_fit_are_all_kept_without_a_more_line():
    assert fit_rows(HEAD, ROWS[:3], 10_000, URL) == "\n".join([HEAD, *ROWS[:3]])


def test_rows_that_do_not_fit_are_cut_with_a_line_saying_how_many_more_and_where():
    text = fit_rows(HEAD, ROWS, 2_000, URL)
    assert len(text) <= 2_000
    lines = text.split("\n")
    kept = [line for line in lines if line.startswith("| `SECRET_")]
    assert kept == ROWS[:len(kept)] and len(kept) > 30  # the most urgent rows, in their order
    assert lines[-2:] == ["", f"_{5_000 - len(kept):,} more on the site: https://handbook.example/secrets/_"]


def test_a_body_within_the_limit_keeps_its_marker_checklist_and_footer_and_shares_the_rest():
    marker = "<!-- opsbook:occurrence quarterly-secret-rotation/2027-Q1 -->"
    checklist = "## Checklist\n\n- [ ] Rotate what is due"
    items = Listing("## Overdue action items\n\n| Item |\n|---|", tuple(f"| item {n} |" for n in range(20_000)),
                    "https://handbook.example/action-items/")
    short = Listing("## Runbooks\n\n| Runbook |\n|---|", ("| one |", "| two |"), "https://handbook.example/runbooks/")
    body = fit_body([marker, checklist, Listing(HEAD, tuple(ROWS), URL), short, items, "---\nfooter"])
    assert len(body) <= BODY_LIMIT
    assert body.startswith(marker + "\n\n" + checklist + "\n\n## Secrets due")
    assert body.endswith("\n\n---\nfooter")
    assert "| one |\n| two |" in body  # a short list is kept whole
    secrets = body[body.index("## Secrets due"):body.index("## Runbooks")]
    actions = body[body.index("## Overdue action items"):body.index("---\nfooter")]
    assert "more on the site: https://handbook.example/secrets/_" in secrets
    assert "more on the site: https://handbook.example/action-items/_" in actions
    assert abs(len(secrets) - len(actions)) < 100  # the two long lists share what is left equally


def test_the_marker_survives_even_when_the_fixed_parts_are_too_long():
    body = fit_body(["<!-- opsbook:occurrence x/2026-W48 -->", "y" * 70_000], BODY_LIMIT)
    assert len(body) == BODY_LIMIT and body.startswith("<!-- opsbook:occurrence x/2026-W48 -->")


def test_shorten_cuts_at_a_word_and_marks_the_cut():
    assert shorten("Weekly review", 256) == "Weekly review"
    long = "Review of team 04" + " and its many dependencies" * 12
    title = shorten(long, 245)
    assert len(title) <= 245 and title.endswith(" its many…")
    assert long.startswith(title[:-1] + " ")  # cut between words


def _post(server: GitHubServer, path: str, data: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.api_url}/repos/{server.owner}/{server.repo}/{path}",
                                     data=json.dumps(data).encode(), method="POST",
                                     headers={"Authorization": f"token {server.token}"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.parametrize(("path", "data", "error"), [
    ("issues", {"title": "t" * 257}, {"resource": "Issue", "code": "custom", "field": "title",
                                     "message": "title is too long (maximum is 256 characters)"}),
    ("issues", {"title": "t", "body": "é" * 65_537}, {"resource": "Issue", "code": "custom", "field": "body",
                                                     "message": "body is too long (maximum is 65536 characters)"}),
    ("issues/1/comments", {"body": "b" * 65_537}, {"resource": "IssueComment", "code": "unprocessable", "field": "data",
                                                   "message": "Body is too long (maximum is 65536 characters)"}),
    ("labels", {"name": "n" * 51, "color": "ededed"}, {"resource": "Label", "code": "custom", "field": "name",
                                                      "message": "name is too long (maximum is 50 characters)"}),
    ("labels", {"name": "n", "color": "ededed", "description": "d" * 101},
     {"resource": "Label", "code": "custom", "field": "description",
      "message": "description is too long (maximum is 100 characters)"}),
])
def test_the_test_server_refuses_what_github_refuses_with_githubs_payload(path, data, error):
    with GitHubServer() as server:
        server.add_issue("An issue")
        status, answer = _post(server, path, data)
        assert (status, answer["message"], answer["errors"]) == (422, "Validation Failed", [error])
        assert answer["documentation_url"].startswith("https://docs.github.com/rest/")
        assert _post(server, path, {**data, **{k: v[:50] for k, v in data.items()}})[0] == 201  # at the limit: fine
