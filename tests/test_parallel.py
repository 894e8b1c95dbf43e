"""Loading a big handbook on two cores (`opsbook.handbook.parallel`): the same handbook and the same problems as
loading it in one process, in the same order; a child that fails is made up for, and none is left behind."""

from __future__ import annotations

import os

import pytest
from conftest import NOW
from opsbook.handbook import parallel
from opsbook.validation import check_handbook

SOURCE = "pm-2026-11-04-currency-mixup"


def many_postmortems(root, count: int) -> None:
    """`count` copies of one example post-mortem, each under its own id."""
    text = (root / "postmortems" / f"{SOURCE}.md").read_text(encoding="utf-8")
    for number in range(count):
        new_id = f"pm-2020-01-01-copy-{number:04d}"
        (root / "postmortems" / f"{new_id}.md").write_text(text.replace(SOURCE, new_id), encoding="utf-8")


def test_results_come_back_in_order_from_both_halves(forks):
    parent = os.getpid()
    results = parallel.map_in_halves(lambda n: (n * n, os.getpid() == parent), range(600))
    assert [square for square, _ in results] == [n * n for n in range(600)]
    assert {here for _, here in results[:300]} == {True}
    assert {here for _, here in results[300:]} == {False}  # the second half was computed elsewhere


def test_a_failing_child_is_made_up_for_here_and_leaves_no_process(forks):
    parent = os.getpid()

    def only_here(n: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return n + 1

    assert parallel.map_in_halves(only_here, list(range(400))) == list(range(1, 401))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of this process is left, not even a zombie


def test_an_error_in_the_work_is_raised_here():
    def broken(n: int) -> int:
        if n == 350:
            raise ValueError("item 350")
        return n

    with pytest.raises(ValueError, match="item 350"):
        parallel.map_in_halves(broken, list(range(400)))


def test_a_big_handbook_loads_the_same_on_two_cores_as_on_one(forks, handbook_copy, monkeypatch):
    many_postmortems(handbook_copy, 600)
    broken = {  # problems in both halves of the file list, so both processes report some
        "postmortems/pm-2020-01-01-copy-0010.md": ("severity: SEV-3", "severity: SEV-7"),
        "postmortems/pm-2020-01-01-copy-0500.md": ("category: quality", "category: [quality"),
        "runbooks/rb-secret-leak.md": ("title:", "title: ghp_" + "a1B2c3D4e5" * 4 + "\nsummary:"),
    }
    originals = {rel: (handbook_copy / rel).read_text(encoding="utf-8") for rel in broken}
    for rel, (old, new) in broken.items():
        (handbook_copy / rel).write_text(originals[rel].replace(old, new, 1), encoding="utf-8")
    two_cores = check_handbook(handbook_copy, NOW)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    one_core = check_handbook(handbook_copy, NOW)
    assert two_cores.problems == one_core.problems
    assert {problem.file for problem in two_cores.errors} == set(broken)

    for rel, text in originals.items():
        (handbook_copy / rel).write_text(text, encoding="utf-8")
    one_core = check_handbook(handbook_copy, NOW)
    monkeypatch.undo()
    two_cores = check_handbook(handbook_copy, NOW)
    assert two_cores.handbook is not None and not two_cores.errors
    assert len(two_cores.handbook.postmortems) == len(list((handbook_copy / "postmortems").glob("*.md")))
    assert list(two_cores.handbook.postmortems) == list(one_core.handbook.postmortems)
    last = "pm-2020-01-01-copy-0599"
    assert two_cores.handbook.postmortems[last].meta == one_core.handbook.postmortems[last].meta
    assert two_cores.handbook.postmortems[last].body == one_core.handbook.postmortems[last].body
