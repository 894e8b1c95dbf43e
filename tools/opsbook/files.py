"""Writing output so that a reader never sees half a file, with the permissions a plain write would give.

Every writer goes through a temporary file (or folder) beside its target and a rename. `mkstemp` and
`mkdtemp` make 0600 files and 0700 folders, which is right for a scratch file but wrong for what is
renamed into place: a site a web server serves, a feed, a handbook file in git. So the temporary is given
the mode `open()` or `mkdir()` would have given it (0666 or 0777 less the umask) before the rename, or,
when an existing file is edited, that file's own mode.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode `open(path, "w")` gives a new file."""
    return 0o666 & ~umask()


def new_folder_mode() -> int:
    """The mode `mkdir` gives a new folder."""
    return 0o777 & ~umask()


def mode_to_keep(path: Path) -> int:
    """An existing file's permissions (an edit keeps them), or a new file's."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return new_file_mode()


def write_atomically(path: Path | str, data: bytes | str, *, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file beside it and a rename: readers see the old file or
    the new one, never part of it. `mode` defaults to a new file's; pass `mode_to_keep(path)` for an edit.
    Text is written as UTF-8 with its line endings as they are."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            os.chmod(temporary, new_file_mode() if mode is None else mode)
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def staging_folder(beside: Path, prefix: str) -> Path:
    """A new, empty folder in `beside`, with a new folder's mode, to be renamed into place when complete."""
    folder = Path(tempfile.mkdtemp(dir=beside, prefix=prefix))
    os.chmod(folder, new_folder_mode())
    return folder


def swap_folder(staging: Path, target: Path) -> None:
    """Put the complete folder `staging` in place of `target` with two renames (readers see the old
    folder or the new one); remove the old one afterwards."""
    import shutil

    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
        os.replace(target, old / "site")
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
