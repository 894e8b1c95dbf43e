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
from opsbook.adopt.starter import TEMPLATES, Settings, create, render
from opsbook.validation import check_handbook
from opsbook.schemas import SCHEMAS, render_all
from opsbook.adopt.pin import Pin, installed_pin, pin_for

CORE_CADENCES = {"weekly-slo-review", "monthly-cost-review", "quarterly-secret-rotation"}
SITE_URL_WARNING = """\
opsbook.yaml:6:1: warning: site_url: is still the placeholder `ops init` wrote; the calendar feed's event ids \
and the links in the feed and the review issues are built from it
    expected: the address GitHub Pages publishes this repository at, such as https://your-org.github.io/your-repo/ \
(Settings → Pages shows it)
    found: https://YOUR-ORG.github.io/YOUR-REPO/
"""

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
    assert "✓ the handbook is valid (1 warning)" in result.stderr
    for rel in ("opsbook.yaml", "mkdocs.yml", "requirements.txt", "ops/severity.yaml", "ops/slos.yaml",
                "ops/services.yaml", "ops/team.yaml", "ops/secrets.yaml", "runbooks/rb-app-down.md",
                "ops/file-formats.md", ".gitignore", "schemas/cadence.schema.json", "schemas/config.schema.json",
                ".github/workflows/validate.yml", ".github/workflows/publish.yml",
                ".github/workflows/review-issues.yml", ".github/workflows/incidents-from-alerts.yml",
                ".github/pull_request_template.md",
                ".github/ISSUE_TEMPLATE/report-incident.yml", ".github/ISSUE_TEMPLATE/request-runbook.yml"):
        assert (root / rel).is_file(), rel
    assert {p.stem for p in (root / "calendar").glob("*.yaml")} == CORE_CADENCES | {"holidays"}
    assert (root / ".pre-commit-config.yaml").is_file()
    assert (root / "postmortems").is_dir()

    validated = ops("validate", "--root", str(root), env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "(1 runbook, 0 post-mortems, 3 cadences, 2 SLOs)" in validated.stdout

    site = tmp_path / "site"
    built = ops("build", "--root", str(root), "--site-dir", str(site), env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert SITE_URL_WARNING in built.stderr
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
    create(root, settings)
    report = check_handbook(root, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc))
    assert [(p.file, p.line, p.key, p.code, p.level.value) for p in report.problems] == \
        [("opsbook.yaml", 6, "site_url", "placeholder", "warning")]
    handbook = report.handbook
    assert handbook.team.name == 'Ops "Core": Zürich #1'
    assert handbook.config.name == 'Ops "Core": Zürich #1 operations handbook'
    assert handbook.config.status.name == 'Ops "Core": Zürich #1 status'
    assert [p.id for p in handbook.team.people] == ["j.doe"]
    assert {c.cadence.timezone for c in handbook.cadences.values()} == {"Asia/Kolkata"}
    assert set(handbook.cadences) == CORE_CADENCES
    assert handbook.runbooks["rb-app-down"].meta.owners == ["j.doe"]
    site_name = yaml.safe_load((root / "mkdocs.yml").read_text())["site_name"]
    assert site_name == 'Ops "Core": Zürich #1 operations handbook'


def test_the_quarterly_secret_rotation_does_not_land_on_new_years_day(tmp_path):
    """1 January 2027 is a Friday, the first business day of the quarter but for the holidays stub."""
    from opsbook.calendar.schedule import occurrences

    root = _new_handbook(tmp_path)
    handbook = check_handbook(root, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)).handbook
    january = [o for o in occurrences(handbook, dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc),
                                      dt.datetime(2027, 1, 31, tzinfo=dt.timezone.utc))
               if o.cadence_id == "quarterly-secret-rotation"]
    assert [(o.start.date(), o.period) for o in january] == [(dt.date(2027, 1, 4), "2027-Q1")]
    assert [h.date for h in handbook.holidays] == [dt.date(2027, 1, 1), dt.date(2028, 1, 1), dt.date(2029, 1, 1)]


def test_the_pre_commit_hook_is_the_toolkits_own_installed_as_requirements_txt_pins_it(tmp_path):
    from conftest import REPO

    root = _new_handbook(tmp_path)
    (hook,) = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    (published,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {key: hook[key] for key in published if key != "description"} == {
        key: value for key, value in published.items() if key != "description"}
    assert hook["additional_dependencies"] == [(root / "requirements.txt").read_text().splitlines()[-1]]


def test_every_template_is_rendered_and_hidden_names_get_their_dot():
    files = render(Settings("T", "UTC", "owner", dt.date(2026, 1, 1)))
    templates = [p for p in TEMPLATES.rglob("*") if p.is_file()]
    assert len(files) == len(templates) + len(SCHEMAS)
    assert ".github/workflows/publish.yml" in files and "postmortems/.gitkeep" in files and ".gitignore" in files
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
    root = tmp_path_factory.mktemp("h") / "handbook"
    create(root, Settings(team, zone, owner, dt.date(2026, 11, 26)))
    report = check_handbook(root, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc))
    assert [p.code for p in report.problems] == ["placeholder"]
    assert report.handbook.team.name == team.strip()
    assert [p.id for p in report.handbook.team.people] == [owner]
    assert yaml.safe_load((root / "mkdocs.yml").read_text())["site_name"] == f"{team.strip()} operations handbook"


# --- what `ops init` writes besides the templates ------------------------------------------------

def _new_handbook(tmp_path: Path) -> Path:
    root = tmp_path / "handbook"
    create(root, Settings("Payments", "Europe/Berlin", "maya", dt.date(2026, 11, 26)))
    return root


def test_every_yaml_file_points_at_its_schema_and_satisfies_it(tmp_path):
    import json

    import jsonschema
    from conftest import REPO
    from opsbook.handbook.loading import _Loader

    root = _new_handbook(tmp_path)
    assert {p.name: p.read_text() for p in (root / "schemas").iterdir()} == render_all()
    checked = []
    for path in sorted([root / "opsbook.yaml", *(root / "ops").glob("*.yaml"), *(root / "calendar").glob("*.yaml")]):
        text = path.read_text()
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f"{path.relative_to(root)}: {first}"
        schema_file = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema_file.parent == (root / "schemas").resolve() and schema_file.is_file(), first
        validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
        data = yaml.load(text, Loader=_Loader)  # dates stay text, as editors see them
        assert [e.message for e in validator.iter_errors(data)] == [], path
        checked.append(path.relative_to(root).as_posix())
    # The same modelines as the example handbook's files.
    for rel in ("opsbook.yaml", "ops/team.yaml", "calendar/weekly-slo-review.yaml"):
        assert (root / rel).read_text().splitlines()[0] == (REPO / rel).read_text().splitlines()[0]
    assert len(checked) == 11  # with ops/oncall-overrides.yaml and calendar/holidays.yaml


def test_the_file_formats_page_is_the_toolkits_reference(tmp_path):
    from conftest import REPO

    root = _new_handbook(tmp_path)
    assert (root / "ops" / "file-formats.md").read_text() == (REPO / "ops" / "file-formats.md").read_text(), \
        "copy ops/file-formats.md to tools/opsbook/templates/init/ops/file-formats.md"


def test_init_writes_a_gitignore_for_the_venv_and_the_site_when_there_is_none(tmp_path):
    root = _new_handbook(tmp_path)
    assert (root / ".gitignore").read_text() == ".venv/\nsite/\nstatus-site/\n"  # `ops build` writes both


def test_the_site_url_placeholder_warns_until_it_is_set_and_only_strict_fails(tmp_path):
    root = _new_handbook(tmp_path)

    relaxed = ops("validate", "--root", str(root), "--as-of", "2026-11-26")
    strict = ops("validate", "--root", str(root), "--as-of", "2026-11-26", "--strict")

    assert relaxed.returncode == 0
    assert relaxed.stdout == SITE_URL_WARNING + \
        "✓ the handbook is valid (1 runbook, 0 post-mortems, 3 cadences, 2 SLOs), 1 warning\n"
    assert strict.returncode == 1
    assert strict.stdout == SITE_URL_WARNING + "✗ 0 errors, 1 warning (--strict: warnings count)\n"

    config = root / "opsbook.yaml"
    config.write_text(config.read_text().replace("https://YOUR-ORG.github.io/YOUR-REPO/",
                                                 "https://payments.github.io/handbook/"))
    fixed = ops("validate", "--root", str(root), "--as-of", "2026-11-26", "--strict")
    assert fixed.returncode == 0, fixed.stdout
    assert fixed.stdout == "✓ the handbook is valid (1 runbook, 0 post-mortems, 3 cadences, 2 SLOs)\n"


# --- requirements.txt pins the toolkit as it is installed ----------------------------------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("direct_url, requirement, origin", [
    (None, "opsbook==0.3.1", "index"),
    ({"url": "https://github.com/acme/opsbook.git",
      "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"}},
     f"opsbook @ git+https://github.com/acme/opsbook.git@{COMMIT}", "vcs"),
    ({"url": "https://github.com/acme/tools.git", "subdirectory": "opsbook",
      "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
     f"opsbook @ git+https://github.com/acme/tools.git@{COMMIT}#subdirectory=opsbook", "vcs"),
    ({"url": "https://maya:ghp_secret@github.com/acme/opsbook.git", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
     f"opsbook @ git+https://github.com/acme/opsbook.git@{COMMIT}", "vcs"),
    ({"url": "ssh://git@github.com/acme/opsbook.git", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
     f"opsbook @ git+ssh://git@github.com/acme/opsbook.git@{COMMIT}", "vcs"),
    ({"url": "https://files.example.org/opsbook-0.3.1.tar.gz", "archive_info": {"hashes": {"sha256": "ab12"}}},
     "opsbook @ https://files.example.org/opsbook-0.3.1.tar.gz#sha256=ab12", "archive"),
])
def test_a_toolkit_from_an_index_a_commit_or_an_archive_is_pinned_to_exactly_that(direct_url, requirement, origin):
    assert pin_for(direct_url, "0.3.1") == Pin(requirement, origin)


@pytest.mark.parametrize("direct_url, requirement, origin", [
    ({"url": "file:///home/maya/src/opsbook", "dir_info": {"editable": True}},
     "opsbook @ file:///home/maya/src/opsbook", "local"),
    ({"url": "file:///home/maya/src/opsbook", "dir_info": {}}, "opsbook @ file:///home/maya/src/opsbook", "local"),
    ({"url": "file:///tmp/opsbook-0.3.1-py3-none-any.whl", "archive_info": {"hash": "sha256=cd34"}},
     "opsbook @ file:///tmp/opsbook-0.3.1-py3-none-any.whl#sha256=cd34", "archive"),
    ({"url": "file:///srv/git/opsbook", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
     f"opsbook @ git+file:///srv/git/opsbook@{COMMIT}", "vcs"),
])
def test_a_toolkit_from_a_path_is_pinned_to_it_with_a_note_for_github(direct_url, requirement, origin):
    pin = pin_for(direct_url, "0.3.1")
    assert (pin.requirement, pin.origin) == (requirement, origin)
    assert pin.local_note == (
        f"requirements.txt installs the toolkit from {direct_url['url']}, a path on this machine: GitHub's runners "
        "cannot install from it. Before you push, replace that line with a release on your package index "
        "(`opsbook==VERSION`) or a commit of your organisation's copy of the toolkit "
        "(`opsbook @ git+https://github.com/YOUR-ORG/opsbook@<40-character commit>`).")


def _fake_distribution(folder: Path, name: str, version: str, direct_url: dict | None) -> str:
    folder.mkdir(parents=True)
    meta = folder / name
    meta.mkdir()
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: opsbook\nVersion: {version}\n")
    if direct_url is not None:
        import json

        (meta / "direct_url.json").write_text(json.dumps(direct_url))
    return str(folder)


def test_the_installed_origin_wins_over_a_source_trees_egg_info_ahead_of_it_on_the_path(tmp_path):
    """Running from a checkout (`PYTHONPATH=tools`) puts its `opsbook.egg-info` first: it has no origin."""
    source_tree = _fake_distribution(tmp_path / "tools", "opsbook.egg-info", "0.1.0", None)
    site = _fake_distribution(tmp_path / "site-packages", "opsbook-0.1.0.dist-info", "0.1.0",
                              {"url": "https://github.com/acme/opsbook", "vcs_info": {"vcs": "git", "commit_id": COMMIT}})

    assert installed_pin([source_tree, site]).requirement == f"opsbook @ git+https://github.com/acme/opsbook@{COMMIT}"
    assert installed_pin([source_tree]) == Pin("opsbook==0.1.0", "index")


def test_a_toolkit_that_was_never_installed_is_pinned_to_its_checkout(tmp_path):
    from conftest import REPO

    pin = installed_pin([str(tmp_path)])
    assert (pin.requirement, pin.origin, pin.is_local) == (f"opsbook @ {REPO.as_uri()}", "local", True)


def test_init_pins_this_checkout_and_says_github_cannot_install_it(tmp_path):
    from conftest import REPO

    root = tmp_path / "h"
    result = ops("init", str(root))

    assert result.returncode == 0, result.stderr
    requirements = (root / "requirements.txt").read_text().splitlines()
    assert requirements[-1] == f"opsbook @ {REPO.as_uri()}"
    assert "opsbook==0.1.0" not in requirements
    assert requirements[1:3] == ["# The last line installs the toolkit `ops init` ran from: a folder on that machine,",
                                 "# which GitHub's runners cannot reach: replace it before you push."]
    assert f"✓ requirements.txt pins the toolkit as installed here: opsbook @ {REPO.as_uri()}" in result.stdout
    assert result.stderr.splitlines()[0] == (
        f"warning: requirements.txt installs the toolkit from {REPO.as_uri()}, a path on this machine: GitHub's "
        "runners cannot install from it. Before you push, replace that line with a release on your package index "
        "(`opsbook==VERSION`) or a commit of your organisation's copy of the toolkit "
        "(`opsbook @ git+https://github.com/YOUR-ORG/opsbook@<40-character commit>`).")
