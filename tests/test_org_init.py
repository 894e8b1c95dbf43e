"""`ops org init` and `org.yaml`: a new organisation validates at once; mistakes name file, line and key."""

from __future__ import annotations

from pathlib import Path

from conftest import ops
from opsbook.org.config import DEFAULT_CRITERIA, load_org


def test_init_writes_an_organisation_that_validates(tmp_path):
    root = tmp_path / "acme"
    result = ops("org", "init", str(root), "--name", 'Acme "Ops" <Corp>')
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".github/workflows/publish.yml", ".gitignore", "mkdocs.yml", "org.yaml", "requirements.txt"]
    config, problems = load_org(root)
    assert problems == [] and config.name == 'Acme "Ops" <Corp>'
    assert [c.id for c in config.scorecard] == [c.id for c in DEFAULT_CRITERIA]
    assert "site/" in (root / ".gitignore").read_text().split()


def test_init_never_overwrites_and_writes_nothing(tmp_path):
    root = tmp_path / "acme"
    root.mkdir()
    (root / "org.yaml").write_text("mine\n")
    result = ops("org", "init", str(root), "--name", "Acme")
    assert result.returncode == 1
    assert "refusing to overwrite org.yaml; nothing was written" in result.stderr
    assert sorted(p.name for p in root.iterdir()) == ["org.yaml"] and (root / "org.yaml").read_text() == "mine\n"


def test_a_name_is_required_and_must_be_one_line(tmp_path):
    assert ops("org", "init", str(tmp_path / "a")).returncode == 2
    result = ops("org", "init", str(tmp_path / "b"), "--name", "two\nlines")
    assert result.returncode == 2 and "--name" in result.stderr and not (tmp_path / "b").exists()


def test_a_mistake_in_org_yaml_names_its_line_and_what_was_expected(tmp_path):
    root = tmp_path / "acme"
    assert ops("org", "init", str(root), "--name", "Acme").returncode == 0
    text = (root / "org.yaml").read_text()
    text = text.replace("site_url: https://YOUR-ORG.github.io/example-handbook/",
                        "site_url: ftp://example.com/handbook/\n    colour: blue")
    (root / "org.yaml").write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "ftp://" in l)
    result = ops("org", "build", "--root", str(root), "--as-of", "2026-11-26")
    assert result.returncode == 1
    assert f"org.yaml:{line}:" in result.stderr and "teams[0].site_url" in result.stderr
    assert f"org.yaml:{line + 1}:" in result.stderr and "colour" in result.stderr
    assert "Traceback" not in result.stderr and not (root / "site").exists()


def test_a_folder_without_org_yaml_says_how_to_start_one(tmp_path):
    result = ops("org", "build", "--root", str(tmp_path))
    assert result.returncode == 1 and "ops org init" in result.stderr and "Traceback" not in result.stderr
