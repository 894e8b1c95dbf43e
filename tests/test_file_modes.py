"""What ops writes is readable as any file the user makes: the umask decides its mode, not mkstemp's 0600.

A site served by a web server, a feed, a new runbook committed to git: each went through a temporary file
or folder (0600 / 0700) and kept that mode after the rename. An edit keeps the edited file's own mode.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import NOW, REPO, ops

AS_OF_DAY = NOW.date().isoformat()
pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def umask_022():
    """The usual umask, for this process and the `ops` processes it starts."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(root: Path) -> dict[str, str]:
    """Each file and folder under `root` (and `root` itself, as ".") and its permissions in octal."""
    paths = [root, *sorted(root.rglob("*"))]
    return {path.relative_to(root).as_posix(): oct(stat.S_IMODE(path.stat().st_mode)) for path in paths}


def test_feed_file_and_feed_folder(tmp_path):
    assert ops("calendar", "--root", str(REPO), "--out", str(tmp_path / "reviews.ics"), "--as-of", AS_OF_DAY
               ).returncode == 0
    assert ops("calendar", "--root", str(REPO), "--out", f"{tmp_path / 'site'}/", "--as-of", AS_OF_DAY
               ).returncode == 0
    found = modes(tmp_path)
    del found["."]  # pytest's own temporary folder
    assert found["reviews.ics"] == "0o644"
    assert {mode for path, mode in found.items() if path.endswith((".ics", ".json"))} == {"0o644"}
    assert {mode for path, mode in found.items() if (tmp_path / path).is_dir()} == {"0o755"}


def test_built_site(handbook_copy, tmp_path):
    for name in ("mkdocs.yml", "docs"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, handbook_copy / name)
    site = tmp_path / "site"
    result = ops("build", "--root", str(handbook_copy), "--site-dir", str(site), "--as-of", AS_OF_DAY)
    assert result.returncode == 0, result.stderr
    found = modes(site)
    assert found["."] == "0o755"  # the staging folder mkdtemp made 0700, renamed into place
    assert {mode for path, mode in found.items() if (site / path).is_dir()} == {"0o755"}
    assert {mode for path, mode in found.items() if (site / path).is_file()} == {"0o644"}
    # The status page is published with the site (at status/, the default), with the same modes.
    status = site / "status"
    assert f"✓ status page: {status} (3 components, 0 active incidents, 2 maintenance windows ahead); open " \
           f"{status / 'index.html'}" in result.stdout.splitlines()
    found = modes(status)
    assert {mode for path, mode in found.items() if (status / path).is_dir()} == {"0o755"}
    assert {mode for path, mode in found.items() if (status / path).is_file()} == {"0o644"}


def test_new_files_and_schemas(handbook_copy, tmp_path):
    result = ops("new", "cadence", "--root", str(handbook_copy), "--title", "Chaos drill", "--every", "quarter",
                 "--month", "2", "--day", "15", "--time", "11:00", "--duration", "2h", "--owner", "maya",
                 "--checklist", "Pick a scenario")
    assert result.returncode == 0, result.stderr
    assert modes(handbook_copy / "calendar")["chaos-drill.yaml"] == "0o644"
    assert ops("schema", "--out", str(tmp_path / "schemas")).returncode == 0
    assert set(modes(tmp_path / "schemas").values()) == {"0o755", "0o644"}


def test_an_edit_keeps_the_files_mode(handbook_copy):
    path = handbook_copy / "postmortems" / "pm-2026-10-14-checkout-outage.md"
    path.chmod(0o640)
    result = ops("incident", "log", "pm-2026-10-14-checkout-outage", "--root", str(handbook_copy), "--type", "note",
                 "--message", "Second test purchase succeeds", "--at", "2026-10-14T09:50:00+02:00")
    assert result.returncode == 0, result.stderr
    assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o640"
