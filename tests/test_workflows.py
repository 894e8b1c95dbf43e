"""The GitHub side: workflows, issue forms and hooks, checked offline with the tools GitHub users trust.

Every workflow, this repository's and those `ops init` writes for a new team, must pass the workflow
JSON schema vendored in check-jsonschema and zizmor's offline audits with no finding, keep the security
rules (least privilege, pinned actions, no untrusted input in scripts), and run only commands the
README documents.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from opsbook.adopt.pin import Pin
from opsbook.adopt.starter import Settings, create
from opsbook.org.starter import OrgSettings, create_org

REPO_WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTION = REPO / "action.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")


def _tool(name: str) -> list[str]:
    """The command for a test dependency installed beside this Python (a venv's bin is not always on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `pip install -e '.[test]'` installs it")
    return [found]


@pytest.fixture(scope="module")
def init_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("adopted") / "handbook"
    create(root, Settings("Platform team", "Europe/Berlin", "alex", dt.date(2026, 11, 26)))
    create_org(_org_root(root), OrgSettings("Acme", Pin("opsbook==1.0", "index")))
    return root


def _org_root(init_root: Path) -> Path:
    """The organisation `ops org init` starts, beside the team's handbook."""
    return init_root.parent / "org"


def _all_workflows(init_root: Path) -> list[Path]:
    return (REPO_WORKFLOWS + sorted((init_root / ".github" / "workflows").glob("*.yml"))
            + sorted((_org_root(init_root) / ".github" / "workflows").glob("*.yml")))


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _label(path: Path) -> str:
    return ("org:" if "org" in path.parts else "init:" if REPO not in path.parents else "") + path.name


def test_the_three_workflows_exist():
    assert [p.name for p in REPO_WORKFLOWS] == ["action-items.yml", "incidents-from-alerts.yml", "publish.yml",
                                                "review-issues.yml", "validate.yml"]


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_match_the_github_workflow_schema(init_root, schema):
    files = [str(p) for p in _all_workflows(init_root)]
    result = subprocess.run([*_tool("check-jsonschema"), "--builtin-schema", schema, *files],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_issue_forms_and_their_config_match_githubs_schemas(init_root):
    for root in (REPO, init_root):
        forms = sorted(str(p) for p in (root / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
        assert len(forms) == 2
        result = subprocess.run([*_tool("check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", *forms],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    config = REPO / ".github" / "ISSUE_TEMPLATE" / "config.yml"
    result = subprocess.run([*_tool("check-jsonschema"), "--builtin-schema", "vendor.github-issue-config", str(config)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _zizmor(*paths: Path) -> list[dict]:
    result = subprocess.run([*_tool("zizmor"), "--offline", "--no-config", "--persona", "pedantic", "--format",
                             "json", *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr  # 1x: findings of some severity
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_in_any_workflow_or_hook_file(init_root):
    files = [*_all_workflows(init_root), ACTION, REPO / ".pre-commit-config.yaml", REPO / ".pre-commit-hooks.yaml"]
    findings = _zizmor(*files)
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []


def test_zizmor_is_really_auditing(tmp_path):
    """The harness must be able to fail: a workflow with the classic mistakes gets findings."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n")
    idents = {f["ident"] for f in _zizmor(bad)}
    assert {"dangerous-triggers", "unpinned-uses", "template-injection", "excessive-permissions"} <= idents


@pytest.fixture(params=["validate.yml", "publish.yml", "review-issues.yml", "action-items.yml",
                        "incidents-from-alerts.yml", "init:validate.yml", "init:publish.yml", "init:review-issues.yml",
                        "init:action-items.yml", "init:incidents-from-alerts.yml", "org:publish.yml"])
def workflow(request, init_root) -> Path:
    name = request.param
    if name.startswith("org:"):
        return _org_root(init_root) / ".github" / "workflows" / name[4:]
    return (init_root / ".github" / "workflows" / name[5:]) if name.startswith("init:") else \
        REPO / ".github" / "workflows" / name


def _steps(data: dict):
    for job in data["jobs"].values():
        yield from job.get("steps", [])


def test_least_privilege_pinned_actions_and_no_untrusted_input(workflow):
    data = _load(workflow)
    triggers = data["on"] if isinstance(data["on"], dict) else {data["on"]: None}
    assert "pull_request_target" not in triggers
    assert data["permissions"] == {}, "the workflow grants nothing; each job asks for what it needs"
    for name, job in data["jobs"].items():
        assert isinstance(job.get("permissions"), dict) and job["permissions"], f"job {name} has no permissions"
        assert all(v in ("read", "write") for v in job["permissions"].values())
        assert "timeout-minutes" in job
    lines = workflow.read_text().splitlines()
    for step in _steps(data):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
            line = next(l for l in lines if step["uses"] in l)
            assert VERSION_COMMENT.search(line), f"no `# vX.Y.Z` comment: {line.strip()}"
            if step["uses"].startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False
        if "run" in step:
            assert "${{" not in step["run"], f"an expression interpolated into a script: {step['run']}"


def test_publish_deploys_pages_without_cancelling_a_deploy(init_root):
    for path in (REPO / ".github/workflows/publish.yml", init_root / ".github/workflows/publish.yml"):
        data = _load(path)
        assert data["concurrency"] == {"group": "pages", "cancel-in-progress": False}
        assert data["on"]["push"] == {"branches": ["main"]} and data["on"]["schedule"]
        build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
        assert build["permissions"] == {"contents": "read"}
        assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
        assert deploy["needs"] == "build"
        assert any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in build["steps"])
        assert any("ops build" in s.get("run", "") for s in build["steps"])
        assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_organisations_publish_revalidates_what_the_last_run_fetched(init_root):
    data = _load(_org_root(init_root) / ".github/workflows/publish.yml")
    assert data["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert data["on"]["schedule"] and data["on"]["push"] == {"branches": ["main"]}
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"} and deploy["needs"] == "build"
    steps = build["steps"]
    at = {kind: next(i for i, s in enumerate(steps) if kind in s.get("uses", "") + s.get("run", ""))
          for kind in ("actions/cache/restore@", "ops org build", "actions/cache/save@", "upload-pages-artifact@")}
    assert list(at) == sorted(at, key=at.get), "restore, build, save, upload: in that order"
    restore, save = steps[at["actions/cache/restore@"]]["with"], steps[at["actions/cache/save@"]]["with"]
    assert restore["path"] == save["path"] == "site/fetched"  # where `ops org build --site-dir site` keeps them
    assert restore["key"] == save["key"] and restore["key"].startswith(restore["restore-keys"])
    assert "--site-dir site" in steps[at["ops org build"]]["run"]


def test_review_issues_sync_is_serialised_and_may_only_write_issues(init_root):
    for path in (REPO / ".github/workflows/review-issues.yml", init_root / ".github/workflows/review-issues.yml"):
        data = _load(path)
        assert data["concurrency"]["cancel-in-progress"] is False
        assert data["on"]["schedule"] and "as_of" in data["on"]["workflow_dispatch"]["inputs"]
        (job,) = data["jobs"].values()
        assert job["permissions"] == {"contents": "read", "issues": "write"}
        sync = next(s for s in job["steps"] if "ops issues sync" in s.get("run", ""))
        # The input travels as data in the environment, never as script text.
        assert sync["env"]["AS_OF"] == "${{ inputs.as_of }}"
        assert '--as-of "$AS_OF"' in sync["run"] and '--repo "$GITHUB_REPOSITORY"' in sync["run"]


def test_action_items_pull_opens_one_pull_request_with_least_privilege(init_root):
    for path in (REPO / ".github/workflows/action-items.yml", init_root / ".github/workflows/action-items.yml"):
        data = _load(path)
        assert data["concurrency"] == {"group": "action-items", "cancel-in-progress": False}
        assert data["on"]["schedule"] and "workflow_dispatch" in data["on"]
        (job,) = data["jobs"].values()
        assert job["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "read"}
        names = [step["name"] for step in job["steps"]]
        pull = next(s for s in job["steps"] if "ops actions pull" in s.get("run", ""))
        pr = next(s for s in job["steps"] if "gh pr create" in s.get("run", ""))
        assert names.index(pull["name"]) < names.index(pr["name"])
        assert pull["env"] == {"GITHUB_TOKEN": "${{ github.token }}"} and pr["env"]["GH_TOKEN"] == "${{ github.token }}"
        # One branch, found by name before anything is created: a re-run edits the pull request it opened.
        assert pr["env"]["BRANCH"] == "opsbook/action-items"
        script = pr["run"]
        assert script.index('gh pr list --head "$BRANCH" --state open') < script.index("gh pr create")
        assert 'git push --force' in script and "git add postmortems" in script


def test_incidents_from_alerts_pulls_every_5_minutes_one_run_at_a_time_with_least_privilege(init_root):
    for path in (REPO / ".github/workflows/incidents-from-alerts.yml",
                 init_root / ".github/workflows/incidents-from-alerts.yml"):
        data = _load(path)
        assert data["concurrency"] == {"group": "incidents-from-alerts", "cancel-in-progress": False}
        assert data["on"]["schedule"] == [{"cron": "*/5 * * * *"}] and "workflow_dispatch" in data["on"]
        (job,) = data["jobs"].values()
        assert job["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "write"}
        checkout = job["steps"][0]
        assert checkout["with"]["fetch-depth"] == 0  # every incident/* branch, so none is opened twice
        pull = next(s for s in job["steps"] if "ops alerts pull" in s.get("run", ""))
        assert '--repo "$GITHUB_REPOSITORY"' in pull["run"]
        assert pull["env"]["ALERTMANAGER_URL"] == "${{ vars.ALERTMANAGER_URL }}"
        assert all(v.startswith("${{ secrets.") for k, v in pull["env"].items() if k.endswith("_URL")
                   and k != "ALERTMANAGER_URL")
        text = path.read_text()
        assert "it does not page" in text and "best-effort" in text and "self-hosted runner" in text


def test_pull_requests_validate_test_build_and_summarise():
    data = _load(REPO / ".github/workflows/validate.yml")
    assert set(data["on"]) == {"pull_request"}
    runs = [s.get("run", "") for s in _steps(data)]
    joined = "\n".join(runs)
    for command in ("ops validate --format github", "python -m pytest -q", "ops build", "ops issues plan --as-of",
                    "GITHUB_STEP_SUMMARY"):
        assert command in joined
    order = [next(i for i, r in enumerate(runs) if c in r) for c in ("validate", "pytest", "ops build", "issues plan")]
    assert order == sorted(order)


def test_every_workflow_pins_each_action_to_the_same_commit(init_root):
    pins: dict[str, set[str]] = {}
    for path in [*_all_workflows(init_root), ACTION]:
        for line in path.read_text().splitlines():
            if match := re.search(r"uses:\s*([^@\s]+)@(\S+\s*#.*)$", line):
                pins.setdefault(match[1], set()).add(match[2].strip())
    assert pins and all(len(refs) == 1 for refs in pins.values()), pins


# --- the commands the workflows run are the ones the README documents -------------------------------

def _readme() -> str:
    return (REPO / "README.md").read_text()


def _documented_commands() -> dict[tuple[str, ...], set[str]]:
    """`ops` commands of the README's Commands table: words → the options its synopsis lists."""
    rows = {}
    for synopsis in re.findall(r"^\|\s*`(ops [^`]+)`", _readme(), re.M):
        words = []
        for token in synopsis.split()[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*", token):
                break
            words.append(token)
        rows[tuple(words)] = set(re.findall(r"--[a-z][a-z-]*", synopsis))
    return rows


def _readme_segments() -> set[str]:
    """Each `&&`-separated command of the README's shell blocks, whitespace normalised."""
    segments = set()
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", _readme(), re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                if part.strip() and not part.strip().startswith("#"):
                    segments.add(" ".join(part.split()))
    return segments


def _invocations(script: str):
    """(command words, options) of each `ops` call in a shell script, and its other `&&` segments."""
    for line in script.splitlines():
        for part in line.split("&&"):
            try:
                tokens = shlex.split(part)
            except ValueError:
                continue
            at = next((i for i, t in enumerate(tokens) if t == "ops" or t.endswith("/ops")), None)
            if at is None:
                yield None, " ".join(part.split())
                continue
            words = []
            for token in tokens[at + 1:]:
                if not re.fullmatch(r"[a-z][a-z-]*", token):
                    break
                words.append(token)
            yield (tuple(words), {t.split("=")[0] for t in tokens[at + 1:] if t.startswith("--")}), None


def test_workflows_run_only_commands_the_readme_documents(init_root):
    documented, segments = _documented_commands(), _readme_segments()
    seen = set()
    for path in _all_workflows(init_root):
        for step in _steps(_load(path)):
            for call, other in _invocations(step.get("run", "")):
                if call is not None:
                    words, options = call
                    assert words in documented, f"{_label(path)} runs `ops {' '.join(words)}`, not in the README"
                    assert options <= documented[words], (
                        f"{_label(path)}: `ops {' '.join(words)}` with {sorted(options - documented[words])}, "
                        "which the README's synopsis does not list")
                    seen.add(words)
                elif re.search(r"\bpip install\b|\bpytest\b|-m venv\b", other):
                    assert other in segments, f"{_label(path)} runs `{other}`, which no README command shows"
    assert {("validate",), ("build",), ("issues", "plan"), ("issues", "sync")} <= seen


def test_the_readme_explains_adoption_and_github():
    text = _readme()
    for heading in ("## Adopt it for your team", "## Running it on GitHub"):
        assert heading in text
    assert "ops init" in text and ("init",) in _documented_commands()
    assert ("slo", "export") in _documented_commands() and ("slo", "import") in _documented_commands()


# --- repository conventions ----------------------------------------------------------------------

def test_codeowners_name_people_of_the_team_for_runbooks_postmortems_and_policy():
    team = yaml.safe_load((REPO / "ops/team.yaml").read_text())
    handles = {f"@{p['github']}" for p in team["people"] if p.get("github")}
    rules = {}
    for line in (REPO / ".github/CODEOWNERS").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
            assert owners and set(owners) <= handles, f"{pattern}: {owners} are not all in ops/team.yaml"
    assert {"/runbooks/", "/postmortems/", "/ops/"} <= set(rules)


def test_pull_request_template_carries_the_postmortem_checklist(init_root):
    for root in (REPO, init_root):
        text = (root / ".github/pull_request_template.md").read_text()
        assert "post-mortem" in text.lower()
        boxes = re.findall(r"^- \[ \] (.+)$", text, re.M)
        assert len(boxes) >= 8
        assert any("action item" in box and "owner" in box for box in boxes)


def test_pre_commit_hook_runs_ops_validate_on_handbook_files(tmp_path):
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["language"], hook["pass_filenames"]) == ("opsbook-validate", "python", False)
    files = re.compile(hook["files"])
    for path in ("opsbook.yaml", "ops/slos.yaml", "ops/incident-process.md", "runbooks/rb-x.md",
                 "postmortems/pm-x.md", "calendar/weekly.yaml"):
        assert files.search(path), path
    for path in ("README.md", "tools/opsbook/cli.py", "docs/assets/opsbook.css", "mkdocs.yml"):
        assert not files.search(path), path
    (local,) = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
    (own,) = local["hooks"]
    assert local["repo"] == "local" and own["id"] == "opsbook-validate" and own["files"] == hook["files"]
    # The hook's entry is the real command: run it the way pre-commit would, from the repository's root.
    entry = hook["entry"].split()
    assert entry[0] == "ops" and own["entry"].split()[1:] == entry[1:]
    result = subprocess.run([sys.executable, "-m", "opsbook", *entry[1:]], cwd=REPO, capture_output=True, text=True,
                            env={"PYTHONPATH": str(REPO / "tools"), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the reusable action (action.yml) ---------------------------------------------------------------

def _action_step(name: str) -> dict:
    return next(step for step in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if step["name"] == name)


def test_the_action_matches_githubs_action_schema():
    result = subprocess.run([*_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_action_is_composite_pinned_and_passes_inputs_as_data():
    action = yaml.safe_load(ACTION.read_text())
    assert set(action["inputs"]) == {"command", "root", "python-version", "token"}
    assert action["inputs"]["command"]["default"] == "validate --format github"
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert [s["name"] for s in steps] == ["Set up Python", "Install the toolkit", "Run ops"]
    lines = ACTION.read_text().splitlines()
    for step in steps:
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
            assert VERSION_COMMENT.search(next(l for l in lines if step["uses"] in l))
        else:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"an expression interpolated into a script: {step['run']}"
    assert steps[0]["with"] == {"python-version": "${{ inputs.python-version }}"}
    # The toolkit is the action's own checkout: the commit the calling workflow pinned.
    assert _action_step("Install the toolkit")["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert '"$ACTION_PATH"' in _action_step("Install the toolkit")["run"]
    assert _action_step("Run ops")["env"] == {"OPS_COMMAND": "${{ inputs.command }}", "OPS_ROOT": "${{ inputs.root }}",
                                              "GITHUB_TOKEN": "${{ inputs.token }}"}


def _run_step(name: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """A run step's script, under the shell GitHub uses for `shell: bash`."""
    script = cwd / f"{name.replace(' ', '-')}.sh"
    script.write_text(_action_step(name)["run"])
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=600)


@pytest.fixture
def runner_temp(tmp_path) -> Path:
    """RUNNER_TEMP with the toolkit where the install step puts it (this environment's `ops`)."""
    bin_dir = tmp_path / "runner-temp" / "opsbook-venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "ops").symlink_to(_tool("ops")[0])
    return tmp_path / "runner-temp"


def test_the_action_runs_the_command_in_the_handbooks_folder(tmp_path, runner_temp, init_root):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copytree(init_root, workspace / "handbook")
    env = {"RUNNER_TEMP": str(runner_temp), "OPS_COMMAND": "validate --format github", "OPS_ROOT": "handbook"}

    result = _run_step("Run ops", env, workspace)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith("::warning file=opsbook.yaml,line=6,")
    assert "✓ the handbook is valid (1 runbook, 0 post-mortems, 3 cadences, 2 SLOs), 1 warning" in result.stdout


@pytest.mark.parametrize("command", ["validate; touch injected", "validate $(touch injected)", "validate `touch injected`",
                                     "validate * && touch injected"])
def test_the_action_never_lets_the_shell_read_the_command_input(tmp_path, runner_temp, init_root, command):
    env = {"RUNNER_TEMP": str(runner_temp), "OPS_COMMAND": command, "OPS_ROOT": str(init_root)}

    result = _run_step("Run ops", env, tmp_path)

    # ops saw the shell syntax as words: a usage error (no such command, or unexpected arguments).
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert not (tmp_path / "injected").exists() and not (init_root / "injected").exists()


def test_an_empty_command_is_an_error_that_says_so(tmp_path, runner_temp, init_root):
    result = _run_step("Run ops", {"RUNNER_TEMP": str(runner_temp), "OPS_COMMAND": "  ", "OPS_ROOT": "."}, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ("::error title=opsbook::the 'command' input is empty; give an ops command such as "
                             "'validate'\n")


def test_the_readmes_action_example_uses_the_actions_inputs():
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", _readme(), re.S) if "YOUR-ORG/opsbook@" in b)
    (step,) = [s for s in yaml.safe_load(block)["steps"] if s["uses"].startswith("YOUR-ORG/opsbook@")]
    inputs = yaml.safe_load(ACTION.read_text())["inputs"]
    assert set(step["with"]) <= set(inputs)
    words, options = [], set()
    for token in step["with"]["command"].split():
        if token.startswith("--"):
            options.add(token)
        elif not options:
            words.append(token)
    assert options <= _documented_commands()[tuple(words)]


@pytest.mark.slow
def test_the_action_installs_the_toolkit_from_its_own_checkout_and_builds(tmp_path, init_root):
    """Both run steps for real, as a runner would: a fresh venv, pip from the action's folder, `ops build`."""
    runner_temp, workspace = tmp_path / "runner-temp", tmp_path / "workspace"
    runner_temp.mkdir()
    shutil.copytree(init_root, workspace / "handbook")
    python_bin = str(Path(sys.executable).parent)  # what setup-python would have put first on PATH
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({"PATH": f"{python_bin}:/usr/bin:/bin", "RUNNER_TEMP": str(runner_temp), "ACTION_PATH": str(REPO),
                "OPS_COMMAND": "build --site-dir site", "OPS_ROOT": "handbook"})

    installed = _run_step("Install the toolkit", env, workspace)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    built = _run_step("Run ops", env, workspace)

    assert built.returncode == 0, built.stdout + built.stderr
    assert f"✓ site: {workspace / 'handbook' / 'site'}" in built.stdout
    origin = json.loads(next(runner_temp.glob("opsbook-venv/lib/python*/site-packages/opsbook-*.dist-info"))
                        .joinpath("direct_url.json").read_text())
    assert origin == {"url": REPO.as_uri(), "dir_info": {}}


# --- the action-items pull request step, run for real against a local git remote --------------------

_FAKE_GH = '''#!/usr/bin/env python3
"""A stand-in for the gh CLI: the pull requests of one repository in a JSON file, and nothing else."""
import json, os, sys
state_file = os.environ["FAKE_GH_STATE"]
prs = json.load(open(state_file)) if os.path.exists(state_file) else []
args = sys.argv[1:]
def opt(name):
    return args[args.index(name) + 1] if name in args else None
def save():
    json.dump(prs, open(state_file, "w"))
if args[:2] == ["auth", "setup-git"]:
    sys.exit(0)
if args[:2] == ["pr", "list"]:
    print("\\n".join(str(p["number"]) for p in prs if p["head"] == opt("--head") and p["state"] == "open"))
elif args[:2] == ["pr", "create"]:
    if os.environ.get("FAKE_GH_FAIL_CREATE"):
        sys.exit("HTTP 502: the runner died here")
    prs.append({"number": len(prs) + 1, "head": opt("--head"), "state": "open", "title": opt("--title"),
                "body": open(opt("--body-file")).read()})
    save()
elif args[:2] == ["pr", "edit"]:
    pr = next(p for p in prs if p["number"] == int(args[2]))
    pr.update(title=opt("--title"), body=open(opt("--body-file")).read(), edits=pr.get("edits", 0) + 1)
    save()
elif args[:2] == ["pr", "close"]:
    next(p for p in prs if p["number"] == int(args[2]))["state"] = "closed"
    save()
else:
    sys.exit(f"fake gh: unexpected {args}")
'''


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _remote_and_gh(tmp_path: Path, seed_name: str, seed_text: str, report_name: str, report_text: str):
    """A bare remote `acme/handbook` whose main holds postmortems/`seed_name`, the fake gh on a PATH folder,
    and RUNNER_TEMP holding the pull's report: (server folder, remote, bin folder, runner temp)."""
    server = tmp_path / "server"
    remote = server / "acme" / "handbook"
    remote.mkdir(parents=True)
    _git("init", "-q", "--bare", "-b", "main", cwd=remote)
    seed = tmp_path / "seed"
    (seed / "postmortems").mkdir(parents=True)
    (seed / "postmortems" / seed_name).write_text(seed_text)
    _git("init", "-q", "-b", "main", cwd=seed)
    _git("add", ".", cwd=seed)
    _git("commit", "-q", "-m", "seed", cwd=seed)
    _git("push", "-q", str(remote), "main", cwd=seed)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(_FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    (runner_temp / report_name).write_text(report_text)
    return server, remote, bin_dir, runner_temp


def test_the_action_items_pull_request_step_survives_a_crash_and_never_opens_two(tmp_path):
    """The step's own script with real git: died after pushing, re-run, re-run again, nothing left to pull."""
    (step,) = [s for s in _load(REPO / ".github/workflows/action-items.yml")["jobs"]["pull"]["steps"]
               if "gh pr create" in s.get("run", "")]
    server, remote, bin_dir, runner_temp = _remote_and_gh(tmp_path, "pm-x.md", "status: open\n", "action-items.md",
                                                          "Action items against acme/handbook: 1 item to pull\n")

    def run_step(pulled: str | None, **extra: str) -> subprocess.CompletedProcess:
        """A fresh checkout of main, the pull's file change (if any), then the step's script."""
        work = tmp_path / f"work-{len(list(tmp_path.glob('work-*')))}"
        _git("clone", "-q", str(remote), str(work), cwd=tmp_path)
        if pulled is not None:
            (work / "postmortems" / "pm-x.md").write_text(pulled)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_GH_STATE": str(tmp_path / "prs.json"),
               "GITHUB_SERVER_URL": f"file://{server}", "GITHUB_REPOSITORY": "acme/handbook",
               "GITHUB_REF_NAME": "main", "RUNNER_TEMP": str(runner_temp), "GH_TOKEN": "x",
               "BRANCH": step["env"]["BRANCH"], "TITLE": step["env"]["TITLE"], **extra}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                              env=env, capture_output=True, text=True, timeout=120)

    def prs() -> list[dict]:
        path = tmp_path / "prs.json"
        return json.loads(path.read_text()) if path.exists() else []

    died = run_step("status: done\n", FAKE_GH_FAIL_CREATE="1")
    assert died.returncode != 0 and prs() == []
    assert _git("show", "opsbook/action-items:postmortems/pm-x.md", cwd=remote) == "status: done\n"

    again = run_step("status: done\n")
    assert again.returncode == 0, again.stderr
    assert [(p["number"], p["state"]) for p in prs()] == [(1, "open")]

    third = run_step("status: done\n")
    assert third.returncode == 0, third.stderr
    assert [(p["number"], p["state"], p.get("edits")) for p in prs()] == [(1, "open", 1)]

    settled = run_step(None)  # main agrees with GitHub now: the stale pull request goes
    assert settled.returncode == 0, settled.stderr
    assert [(p["number"], p["state"]) for p in prs()] == [(1, "closed")]


def test_the_incidents_pull_request_step_opens_one_per_incident_across_crashes_and_re_runs(tmp_path):
    """The step's own script with real git: a new post-mortem, a crash before its pull request, a re-run,
    a change to it, a second incident."""
    (step,) = [s for s in _load(REPO / ".github/workflows/incidents-from-alerts.yml")["jobs"]["pull"]["steps"]
               if "gh pr create" in s.get("run", "")]
    server, remote, bin_dir, runner_temp = _remote_and_gh(tmp_path, "pm-old.md", "old\n", "alerts.md",
                                                          "Alertmanager: 1 alert read\n")

    def run_step(files: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
        work = tmp_path / f"work-{len(list(tmp_path.glob('work-*')))}"
        _git("clone", "-q", str(remote), str(work), cwd=tmp_path)  # a clone has every branch, as fetch-depth 0
        for name, text in files.items():
            (work / "postmortems" / name).write_text(text)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_GH_STATE": str(tmp_path / "prs.json"),
               "GITHUB_SERVER_URL": f"file://{server}", "GITHUB_REPOSITORY": "acme/handbook",
               "GITHUB_REF_NAME": "main", "RUNNER_TEMP": str(runner_temp), "GH_TOKEN": "x",
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", **extra}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                              env=env, capture_output=True, text=True, timeout=120)

    def prs() -> list[tuple[str, str]]:
        path = tmp_path / "prs.json"
        return [(p["head"], p["state"]) for p in json.loads(path.read_text())] if path.exists() else []

    died = run_step({"pm-new.md": "opened\n"}, FAKE_GH_FAIL_CREATE="1")
    assert died.returncode != 0 and prs() == []
    assert _git("show", "incident/pm-new:postmortems/pm-new.md", cwd=remote) == "opened\n"
    again = run_step({"pm-new.md": "opened\n"})  # the pull finds it on its branch and writes it unchanged
    assert again.returncode == 0, again.stderr
    assert prs() == [("incident/pm-new", "open")]
    noted = run_step({"pm-new.md": "opened\nnote\n", "pm-second.md": "second\n"})
    assert noted.returncode == 0, noted.stderr
    assert prs() == [("incident/pm-new", "open"), ("incident/pm-second", "open")]
    assert _git("show", "incident/pm-new:postmortems/pm-new.md", cwd=remote) == "opened\nnote\n"
    assert _git("show", "main:postmortems/pm-old.md", cwd=remote) == "old\n"
    quiet = run_step({})
    assert quiet.returncode == 0 and len(prs()) == 2
