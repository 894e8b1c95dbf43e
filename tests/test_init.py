"""`ops init`: a new team's handbook that validates, builds its site and writes its feed at once, offline."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from conftest import TOOLS, ops
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opsbook.adopt import TEMPLATES, Settings, render
from opsbook.handbook.validate import check_handbook

CORE_CADENCES = {"weekly-slo-review", "monthly-cost-review", "quarterly-secret-rotation"}

# Loaded into every `ops` process of the offline test: any connection beyond this machine is recorded
# and refused, so a build that reached for a CDN, a font or a schema would fail the test.
NETWORK_GUARD = """\
import os, socket
_connect = socket.socket.connect
def _guarded(self, address, *args):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
        with open(os.environ["OPSBOOK_NETWORK_LOG"], "a") as log:
            log.write(f"{host}\\n")
        raise OSError("network access blocked by the test")
    return _connect(self, address, *args)
socket.socket.connect = _guarded
_getaddrinfo = socket.getaddrinfo
def _resolve(host, *args, **kwargs):
    if host not in (None, "127.0.0.1", "::1", "localhost"):
        with open(os.environ["OPSBOOK_NETWORK_LOG"], "a") as log:
            log.write(f"resolve {host}\\n")
        raise socket.gaierror("name resolution blocked by the test")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _resolve
"""


@pytest.fixture
def offline(tmp_path) -> tuple[dict, Path]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD)
    log = tmp_path / "network.log"
    env = {"PYTHONPATH": f"{guard}{os.pathsep}{TOOLS}", "OPSBOOK_NETWORK_LOG": str(log),
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    return env, log


def test_init_then_validate_build_and_feed_without_the_network(tmp_path, offline):
    env, network_log = offline
    root = tmp_path / "new-handbook"

    result = ops("init", str(root), "--team", "Payments", "--timezone", "America/New_York", "--owner", "sam",
                 env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ the handbook is valid" in result.stdout
    for rel in ("opsbook.yaml", "mkdocs.yml", "requirements.txt", "ops/severity.yaml", "ops/slos.yaml",
                "ops/services.yaml", "ops/team.yaml", "ops/secrets.yaml", "runbooks/rb-app-down.md",
                ".github/workflows/validate.yml", ".github/workflows/publish.yml",
                ".github/workflows/review-issues.yml", ".github/pull_request_template.md",
                ".github/ISSUE_TEMPLATE/report-incident.yml", ".github/ISSUE_TEMPLATE/request-runbook.yml"):
        assert (root / rel).is_file(), rel
    assert {p.stem for p in (root / "calendar").glob("*.yaml")} == CORE_CADENCES
    assert (root / "postmortems").is_dir()

    validated = ops("validate", "--root", str(root), "--strict", env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "(1 runbook, 0 post-mortems, 3 cadences, 2 SLOs)" in validated.stdout

    site = tmp_path / "site"
    built = ops("build", "--root", str(root), "--site-dir", str(site), env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (site / "index.html").is_file()
    assert (site / "runbooks" / "rb-app-down" / "index.html").is_file()
    assert "BEGIN:VCALENDAR" in (site / "feeds" / "handbook.ics").read_text()

    feed = tmp_path / "reviews.ics"
    written = ops("calendar", "--root", str(root), "--out", str(feed), env=env)
    assert written.returncode == 0, written.stdout + written.stderr
    from icalendar import Calendar

    calendar = Calendar.from_ical(feed.read_bytes())
    events = list(calendar.walk("VEVENT"))
    # UIDs are `<cadence id>/<period>`: every core cadence is in the feed, and nothing else.
    assert {str(e["UID"]).split("/")[0] for e in events} == CORE_CADENCES
    assert {e["DTSTART"].params.get("TZID") for e in events} == {"America/New_York"}
    assert not network_log.exists(), network_log.read_text()


def test_the_new_handbook_is_the_teams(tmp_path):
    root = tmp_path / "h"
    settings = Settings('Ops "Core": Zürich #1', "Asia/Kolkata", "j.doe", dt.date(2026, 11, 26))
    from opsbook.adopt import create

    create(root, settings)
    report = check_handbook(root, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc))
    assert [p for p in report.problems] == []
    handbook = report.handbook
    assert handbook.team.name == 'Ops "Core": Zürich #1'
    assert handbook.config.name == 'Ops "Core": Zürich #1 operations handbook'
    assert [p.id for p in handbook.team.people] == ["j.doe"]
    assert {c.cadence.timezone for c in handbook.cadences.values()} == {"Asia/Kolkata"}
    assert set(handbook.cadences) == CORE_CADENCES
    assert handbook.runbooks["rb-app-down"].meta.owners == ["j.doe"]
    site_name = yaml.safe_load((root / "mkdocs.yml").read_text())["site_name"]
    assert site_name == 'Ops "Core": Zürich #1 operations handbook'


def test_every_template_is_rendered_and_hidden_names_get_their_dot():
    files = render(Settings("T", "UTC", "owner", dt.date(2026, 1, 1)))
    templates = [p for p in TEMPLATES.rglob("*") if p.is_file()]
    assert len(files) == len(templates)
    assert ".github/workflows/publish.yml" in files and "postmortems/.gitkeep" in files
    assert not any(part.startswith("dot-") for rel in files for part in rel.split("/"))
    assert not any("%%" in text for text in files.values())
    assert not any(part.startswith(".") for p in templates for part in p.relative_to(TEMPLATES).parts), \
        "a hidden template file would be left out of the wheel; name it dot-…"


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    root = tmp_path / "existing"
    (root / "ops").mkdir(parents=True)
    (root / "ops" / "slos.yaml").write_text("mine\n")
    (root / "mkdocs.yml").write_text("site_name: ours\n")

    result = ops("init", str(root))

    assert result.returncode == 1
    assert "refusing to overwrite mkdocs.yml, ops/slos.yaml; nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["mkdocs.yml", "ops", "ops/slos.yaml"]
    assert (root / "ops" / "slos.yaml").read_text() == "mine\n"


def test_init_keeps_files_it_does_not_own(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("# Our repo\n")
    (root / ".gitignore").write_text("node_modules/\n")

    result = ops("init", str(root), "--team", "Search")

    assert result.returncode == 0, result.stderr
    assert (root / "README.md").read_text() == "# Our repo\n"
    assert (root / ".gitignore").read_text() == "node_modules/\n"


@pytest.mark.parametrize("args, message", [
    (["--timezone", "Mars/Olympus"], "--timezone 'Mars/Olympus': unknown IANA time zone"),
    (["--owner", "Jane Doe"], "--owner 'Jane Doe': an id is lowercase letters"),
    (["--team", "   "], "--team '   ': give the team's name on one line"),
])
def test_bad_options_are_usage_errors_and_create_nothing(tmp_path, args, message):
    root = tmp_path / "never"
    result = ops("init", str(root), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not root.exists()


def test_init_into_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    result = ops("init", str(target))
    assert result.returncode == 2
    assert "exists and is not a folder" in result.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(team=st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
                      .map(str.strip).filter(bool),
                      st.sampled_from(["yes", "null", "1:20", "- a", "a: b", "#x", "'q'", "{x}", "[y]"])),
       owner=st.one_of(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True),
                       st.sampled_from(["yes", "no", "on", "null", "true", "123", "1.5", "1e3", "0x1f", "0o7"])),
       zone=st.sampled_from(["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]))
def test_any_team_owner_and_zone_give_a_valid_handbook(tmp_path_factory, team, owner, zone):
    from opsbook.adopt import create

    root = tmp_path_factory.mktemp("h") / "handbook"
    create(root, Settings(team, zone, owner, dt.date(2026, 11, 26)))
    report = check_handbook(root, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc))
    assert report.problems == []
    assert report.handbook.team.name == team.strip()
    assert [p.id for p in report.handbook.team.people] == [owner]
    assert yaml.safe_load((root / "mkdocs.yml").read_text())["site_name"] == f"{team.strip()} operations handbook"
