"""Benchmark OpenSLO export and import, and starting a handbook with `ops init`.

A scratch copy of the example handbook gets N SLOs (the example's six, then copies under new ids);
the script times, best of R, in-process: export to OpenSLO, import into an empty catalogue (every SLO
added, the file written), import again (nothing changed, nothing written), and `ops init` followed by
validation. It checks that the round trip gives back the same catalogue. Deterministic.

    python bench/bench_slo.py [--slos 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from opsbook.adopt.starter import Settings, create  # noqa: E402
from opsbook.validation import check_handbook, load_handbook  # noqa: E402
from opsbook.slo import importer as slo_import
from opsbook.slo import openslo  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
CONTENT = ("opsbook.yaml", "ops", "runbooks", "postmortems", "calendar")


def _handbook(folder: Path, count: int) -> Path:
    root = folder / "handbook"
    root.mkdir()
    for name in CONTENT:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    catalogue = yaml.safe_load((root / "ops/slos.yaml").read_text())
    base = catalogue["slos"]
    catalogue["slos"] = base + [{**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-{i}"}
                                for i in range(count - len(base))]
    (root / "ops/slos.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    return root


def _best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = _handbook(Path(scratch), args.slos)
        handbook = load_handbook(root, NOW)
        original = handbook.slos
        text = ""

        def export() -> None:
            nonlocal text
            text = openslo.dump_documents(openslo.export_documents(handbook.slos.values(), handbook.services))

        def import_new() -> None:
            slos, _ = slo_import.read_openslo(text, "slos.openslo.yaml", root)
            slo_import.write_atomically(root / slo_import.SLOS_FILE, slo_import.merge(None, slos).text)

        def import_again() -> None:
            slos, _ = slo_import.read_openslo(text, "slos.openslo.yaml", root)
            assert not slo_import.merge(slo_import.read_catalogue(root), slos).changed

        counter = iter(range(10**6))

        def init() -> None:
            target = Path(scratch) / f"new-{next(counter)}"
            create(target, Settings("Bench", "Europe/Berlin", "owner", NOW.date()))
            assert check_handbook(target, NOW).handbook is not None

        results = [("export", _best(args.repeat, export)), ("import, all new", _best(args.repeat, import_new)),
                   ("import, unchanged", _best(args.repeat, import_again)), ("init + validate", _best(args.repeat, init))]
        assert load_handbook(root, NOW).slos == original, "the round trip changed the catalogue"
    print(f"{args.slos} SLOs, OpenSLO text {len(text.encode()) / 1024:.0f} KiB, best of {args.repeat}:")
    for label, seconds in results:
        print(f"  {label:<20} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
