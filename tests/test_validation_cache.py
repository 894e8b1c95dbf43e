"""`ops validate` keeps each file's outcome in a store under the user's cache folder; the store never
changes what it reports.

Every test runs the real command line in a subprocess, with its own cache folder (see conftest's
`own_cache_folder`), and compares what a user sees with and without the store: exact output, exit code,
nothing on stderr.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import NOW, ops

import opsbook
from opsbook.handbook.cache import StoredCache, code_fingerprint, store_path
from opsbook.validation import check_handbook

AS_OF = NOW.date().isoformat()
CHECKOUT = "runbooks/rb-checkout-failure.md"


def validate(root: Path, *args: str, env: dict | None = None):
    done = ops("validate", "--root", str(root), "--as-of", AS_OF, *args, env=env)
    assert done.stderr == ""  # never a traceback, and the store says nothing
    return done


def same_with_and_without_store(root: Path, *args: str) -> str:
    """The output of a first run (writes the store), a second (reads it) and one with --no-cache, which
    must be identical; returns it."""
    cold = validate(root, *args)
    assert store_path(root).is_file()
    warm = validate(root, *args)
    fresh = validate(root, *args, "--no-cache")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    assert (fresh.returncode, fresh.stdout) == (cold.returncode, cold.stdout)
    return cold.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def break_handbook(root: Path) -> None:
    """Problems of every origin: YAML, a model, a credential, cross-file references, a file not read, a
    file whose failure leaves references unchecked (a note)."""
    edit(root / CHECKOUT, "owners: [priya, maya]", "owners: [priya, nobody]")
    edit(root / "postmortems/pm-2026-10-14-checkout-outage.md", "severity: SEV-1", "severity: SEV-9")
    edit(root / "calendar/weekly-slo-review.yaml", "timezone: Europe/Berlin", "timezone: Europe/Berlyn")
    edit(root / "ops/services.yaml", "    tier: 1\n", "    tier: 1\n    teir: 2\n")
    (root / "runbooks/rb-tabs.md").write_text("---\nid: rb-tabs\n\ttitle: x\n---\n", encoding="utf-8")
    (root / "runbooks/rb-token.md").write_text(
        (root / CHECKOUT).read_text(encoding="utf-8").replace("id: rb-checkout-failure", "id: rb-token")
        + "\ntoken: ghp_" + "a1B2" * 9 + "\n", encoding="utf-8")
    (root / "runbooks/notes.txt").write_text("not a runbook\n", encoding="utf-8")


def test_the_example_reports_the_same_with_and_without_the_store(handbook_copy):
    output = same_with_and_without_store(handbook_copy)
    assert output.startswith("✓ the handbook is valid")
    assert same_with_and_without_store(handbook_copy, "--format", "json") != ""


def test_a_broken_handbook_reports_the_same_problems_in_the_same_order(handbook_copy):
    break_handbook(handbook_copy)
    text = same_with_and_without_store(handbook_copy)
    for expected in ("refers to unknown person 'nobody'", "SEV-9", "Europe/Berlyn", "teir",
                     "is not valid YAML", "a GitHub token", "runbooks/notes.txt", "unchecked until ops/services.yaml loads"):
        assert expected in text, expected
    same_with_and_without_store(handbook_copy, "--format", "github")


@pytest.mark.parametrize("as_of", ["2026-01-01", "2026-11-26", "2027-09-01"])
def test_what_depends_on_the_date_is_judged_afresh_on_every_run(handbook_copy, as_of):
    validate(handbook_copy)  # the store now holds every file, judged as of AS_OF
    with_store = ops("validate", "--root", str(handbook_copy), "--as-of", as_of)
    without = ops("validate", "--root", str(handbook_copy), "--as-of", as_of, "--no-cache")
    assert (with_store.returncode, with_store.stdout) == (without.returncode, without.stdout)
    if as_of == "2027-09-01":  # stale runbooks and overdue action items: only a later date finds them
        assert "the runbook was due for review on 2026-12-07" in with_store.stdout
        assert "action item AI-2 is overdue since 2026-11-30" in with_store.stdout
    if as_of == "2026-01-01":  # what lies after the date is in the future
        assert with_store.returncode == 1 and "error: secrets[0].last_rotated: is in the future" in with_store.stdout


def test_an_edited_file_is_validated_again(handbook_copy):
    validate(handbook_copy)
    path = handbook_copy / CHECKOUT
    good = path.read_text(encoding="utf-8")
    line = good.splitlines().index("owners: [priya, maya]") + 1
    edit(path, "owners: [priya, maya]", "owners: [priya, nobody]")

    broken = validate(handbook_copy)
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[:3] == [
        f"{CHECKOUT}:{line}:17: error: owners[1]: refers to unknown person 'nobody'",
        "    expected: a person id defined in ops/team.yaml (people)",
        "✗ 1 error, 0 warnings"]
    path.write_text(good, encoding="utf-8")
    assert validate(handbook_copy).returncode == 0


def test_an_unchanged_handbook_is_read_from_the_store_and_one_edit_reads_one_file(handbook_copy, tmp_path):
    store = tmp_path / "store.pickle"
    first = StoredCache(store)
    check_handbook(handbook_copy, NOW, first)
    assert len(first.loaded) == 24  # 6 runbooks, 5 post-mortems, 4 cadences, opsbook.yaml, 7 ops/*.yaml, holidays

    unchanged = StoredCache(store)
    check_handbook(handbook_copy, NOW, unchanged)
    assert unchanged.loaded == []

    edit(handbook_copy / CHECKOUT, "title: ", "title: Renamed ")
    (handbook_copy / "runbooks/rb-secret-leak.md").touch()  # a new time stamp, the same bytes: still known
    edited = StoredCache(store)
    report = check_handbook(handbook_copy, NOW, edited)
    assert edited.loaded == [handbook_copy / CHECKOUT]
    assert report.handbook.runbooks["rb-checkout-failure"].meta.title.startswith("Renamed ")


DAMAGES = ("empty", "truncated", "garbage", "flipped byte", "foreign pickle", "another version")


def damaged_stores(good: bytes) -> dict[str, bytes]:
    header_end = good.index(b"\n", len(b"opsbook validation cache 1\n")) + 1
    return {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "garbage": b"\x00\xff not a store at all",
        "flipped byte": good[:-10] + bytes([good[-10] ^ 0xFF]) + good[-9:],
        "foreign pickle": pickle.dumps({"something": "else"}),
        "another version": b"opsbook validation cache 1\n" + b"0" * 64 + b"\n" + good[header_end:],
    }


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_or_foreign_store_is_ignored_and_rewritten(handbook_copy, damage):
    break_handbook(handbook_copy)
    expected = validate(handbook_copy, "--no-cache")
    validate(handbook_copy)
    store = store_path(handbook_copy)
    good = store.read_bytes()
    store.write_bytes(damaged_stores(good)[damage])
    store.with_suffix(".verdict").unlink()  # else the whole report kept beside it answers without the store

    again = validate(handbook_copy)
    assert (again.returncode, again.stdout) == (expected.returncode, expected.stdout)
    rewritten = StoredCache(store)  # in this process: the same code, so the same fingerprint
    check_handbook(handbook_copy, NOW, rewritten)
    assert rewritten.loaded == []  # it knows every file again, the broken ones too


def test_a_store_written_by_other_code_is_not_used(handbook_copy, tmp_path, monkeypatch):
    store = tmp_path / "store.pickle"
    check_handbook(handbook_copy, NOW, StoredCache(store, code="another toolkit"))
    mine = StoredCache(store, code="this toolkit")
    check_handbook(handbook_copy, NOW, mine)
    assert len(mine.loaded) == 24

    before = code_fingerprint()
    monkeypatch.setattr(opsbook, "__version__", "99.0.0")
    assert code_fingerprint() != before


def test_without_a_writable_cache_folder_it_runs_without_a_store(handbook_copy, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    done = validate(handbook_copy, env={"XDG_CACHE_HOME": str(blocker)})  # opsbook/ cannot be made in a file
    assert done.returncode == 0 and done.stdout.startswith("✓ the handbook is valid")


def test_a_failed_write_leaves_no_temporary_file(handbook_copy):
    store = store_path(handbook_copy)
    store.mkdir(parents=True)  # the store's name is taken: the rename into place fails
    assert validate(handbook_copy).returncode == 0
    assert sorted(path.name for path in store.parent.iterdir()) == [store.name, store.with_suffix(".verdict").name]


@pytest.mark.parametrize("how", [("--no-cache",), ()])
def test_no_cache_writes_no_store(handbook_copy, own_cache_folder, how):
    env = {} if how else {"OPSBOOK_NO_CACHE": "1"}
    assert validate(handbook_copy, *how, env=env).returncode == 0
    assert not (own_cache_folder / "opsbook").exists()


def test_a_stored_source_gives_back_its_text_yaml_and_body(example_root):
    report = check_handbook(example_root, NOW)
    documents = [*report.handbook.runbooks.values(), *report.handbook.postmortems.values()]
    for doc in documents + [item for item in report.handbook.cadences.values()]:
        source, again = doc.source, pickle.loads(pickle.dumps(doc)).source
        assert (again.path, again.rel, again.text, again.yaml_text, again.body, again.data, again.yaml_line,
                again.body_line) == (source.path, source.rel, source.text, source.yaml_text, source.body,
                                     source.data, source.yaml_line, source.body_line)
        assert again.line_of(("id",)) == source.line_of(("id",))
