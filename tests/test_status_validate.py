"""The status page's inputs are checked like the rest: post-mortems' `public` parts and ops/maintenance.yaml.

Each case breaks a scratch copy of the example handbook in one way and asserts the exact, located
message `ops validate` prints, and exit 1 (0 for a warning).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opsbook.cli import main

PM = "postmortems/pm-2026-11-22-mcp-session-store-exhausted.md"
MAINTENANCE = "ops/maintenance.yaml"


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(root: Path, rel: str, marker: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if marker in line)


def _validate(root: Path, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--root", str(root), "--as-of", "2026-11-26"])
    out = capsys.readouterr()
    return exit_info.value.code, (out.out + out.err).splitlines()


CASES = [
    # name, file, text replaced, by, a marker on the line the message points at, the message
    ("not-public", PM, "  components: [mcp-server]", "  components: [widget]", "components: [widget]",
     "{rel}:{line}:16: error: public.components[0]: service 'widget' is not a public component"),
    ("unknown-component", MAINTENANCE, "components: [checkout]", "components: [checkuot]", "[checkuot]",
     "{rel}:{line}:18: error: windows[0].components[0]: refers to unknown service 'checkuot'"),
    ("out-of-order", PM, '- at: "2026-11-22T19:55:00+01:00"', '- at: "2026-11-22T19:30:00+01:00"', "19:30:00+01:00",
     "{rel}:{line}:7: error: public.updates[1].at: this update is before the one above it"),
    ("before-incident", PM, '- at: "2026-11-22T19:38:00+01:00"', '- at: "2026-11-22T19:00:00+01:00"',
     '- at: "2026-11-22T19:00:00+01:00"',
     "{rel}:{line}:7: error: public.updates[0].at: this update is before the incident began"),
    ("resolved-not-last", PM, "state: monitoring", "state: resolved  # too soon", "# too soon",
     "{rel}:{line}:7: error: public.updates[2].state: only the last update may be `resolved`"),
    ("resolved-before-event", PM, '- at: "2026-11-23T15:45:00+01:00"', '- at: "2026-11-23T15:00:00+01:00"',
     "15:00:00+01:00",
     "{rel}:{line}:7: error: public.updates[3].at: the `resolved` update is before the timeline's `resolved` event"),
    ("future-update", PM, '- at: "2026-11-23T15:45:00+01:00"', '- at: "2026-11-27T15:45:00+01:00"', "2026-11-27T15",
     "{rel}:{line}:7: error: public.updates[3].at: is in the future"),
    ("secret-named", PM, "We found the cause", "We found STRIPE_SECRET_KEY was the cause", "STRIPE_SECRET_KEY",
     "{rel}:{line}:7: error: public.updates[1].message: public text names the secret 'STRIPE_SECRET_KEY'"),
    ("credential", MAINTENANCE, "Gift suggestions may be slower", "Key sk_live_" + "a1B2c3D4e5F6g7H8i9 slower",
     "Key sk_live_", "{rel}:{line}:18: error: looks like a Stripe secret key; a handbook must never hold a credential"),
    ("end-before-start", MAINTENANCE, 'end: "2026-12-08T06:30:00+01:00"', 'end: "2026-12-08T05:30:00+01:00"',
     "- id: checkout-stripe", "{rel}:{line}:5: error: windows[0]: `end` must be after `start`"),
    ("duplicate-window", MAINTENANCE, "id: search-index-rebuild-2026-12", "id: checkout-stripe-api-2026-12  # copy",
     "# copy", "{rel}:{line}:5: error: windows[1].id: maintenance id 'checkout-stripe-api-2026-12' is used twice"),
    ("bad-state", PM, "state: identified", "state: fixed", "state: fixed",
     "{rel}:{line}:7: error: public.updates[1].state: is not one of the allowed values"),
]


@pytest.mark.parametrize("name, rel, old, new, marker, expected", CASES, ids=[case[0] for case in CASES])
def test_broken_public_part_gives_a_located_message(handbook_copy, capsys, name, rel, old, new, marker, expected):
    _edit(handbook_copy, rel, old, new)
    code, lines = _validate(handbook_copy, capsys)
    line = _line_of(handbook_copy, rel, marker)
    want = expected.format(rel=rel, line=line)
    assert code == 1
    assert want in lines, "\n".join(lines)


def test_a_person_named_in_public_text_is_a_warning(handbook_copy, capsys):
    _edit(handbook_copy, PM, "We are watching it closely.", "Maya Lindqvist is watching it closely.")
    code, lines = _validate(handbook_copy, capsys)
    line = _line_of(handbook_copy, PM, "Maya Lindqvist is watching")
    assert code == 0
    assert f"{PM}:{line}:7: warning: public.updates[2].message: public text names the person 'maya'" in lines


def test_a_secret_or_person_in_a_runbooks_prewritten_message_is_caught_at_review_time(handbook_copy, capsys):
    rel = "runbooks/rb-checkout-failure.md"
    _edit(handbook_copy, rel, "> Payments work again.", "> Payments work again now that STRIPE_SECRET_KEY is new.")
    _edit(handbook_copy, rel, "> We are investigating failed payments in GiftGenius.",
          "> We are investigating failed payments in GiftGenius with\n> Maya Lindqvist.")
    code, lines = _validate(handbook_copy, capsys)
    secret, person = _line_of(handbook_copy, rel, "STRIPE_SECRET_KEY is new"), _line_of(handbook_copy, rel, "> Maya")
    hint = ("    hint: `--from-runbook` posts it to the public status page as written: say what users notice, not who "
            "or what inside")
    assert code == 1
    at = lines.index(f"{rel}:{secret}:32: error: the prewritten message 'when-it-is-fixed' under "
                     "`## User-facing messages` names the secret 'STRIPE_SECRET_KEY'")
    assert lines[at + 1] == hint
    assert (f"{rel}:{person}:3: warning: the prewritten message 'status-page' under `## User-facing messages` "
            "names the person 'maya'") in lines


def test_the_example_public_parts_are_valid(handbook_copy, capsys):
    code, lines = _validate(handbook_copy, capsys)
    assert code == 0, "\n".join(lines)


def test_a_resolved_incident_without_a_resolved_update_warns_while_draft_and_fails_in_review(handbook_copy, capsys):
    _edit(handbook_copy, PM, "      state: resolved\n", "      state: monitoring  # still\n")
    code, lines = _validate(handbook_copy, capsys)
    line = _line_of(handbook_copy, PM, "# still")
    message = ("public.updates[3].state: the incident is resolved but its last public update is not `resolved`")
    assert code == 0
    assert f"{PM}:{line}:7: warning: {message}" in lines
    _edit(handbook_copy, PM, "status: draft", "status: in-review")
    code, lines = _validate(handbook_copy, capsys)
    assert code == 1
    assert f"{PM}:{line}:7: error: {message}" in lines
