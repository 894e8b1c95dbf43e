"""The requirement line that installs this toolkit again, as it was installed here.

`ops init` writes it into the new handbook's `requirements.txt`, which its workflows install. A version
pin is right only when the toolkit came from a package index; otherwise it names a release no index
has. So the pin follows the installation's origin, which pip records (PEP 610, `direct_url.json` in the
distribution's metadata):

1. a VCS checkout (`vcs_info`): `opsbook @ git+URL@COMMIT`, the exact commit installed;
2. an archive (`archive_info`): `opsbook @ URL`, with its hash when pip recorded one;
3. a local folder (`dir_info`, editable or not): `opsbook @ file:///…`, which installs that folder again;
4. no `direct_url.json`: an index install, `opsbook==VERSION`.

A `file:` URL (a folder, a local archive, a local git repository) works on this machine only: the pin
then carries a note saying that GitHub's runners cannot install it and what to write instead.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DISTRIBUTION = "opsbook"
# What a team writes instead of a pin that only works on one machine.
PORTABLE_EXAMPLE = f"{DISTRIBUTION} @ git+https://github.com/YOUR-ORG/opsbook@<40-character commit>"


@dataclasses.dataclass(frozen=True)
class Pin:
    """A requirement that installs the toolkit, and where it comes from."""

    requirement: str  # the line for requirements.txt
    origin: str  # "index", "vcs", "archive" or "local"
    local_note: str | None = None  # set when only this machine can install it: what to change

    @property
    def is_local(self) -> bool:
        return self.local_note is not None


def pin_for(direct_url: dict | None, version: str) -> Pin:
    """The requirement reinstalling a distribution of `version` installed from `direct_url` (PEP 610).

    `direct_url` is the parsed `direct_url.json`, or None when there is none (an index install).
    """
    if not direct_url or "url" not in direct_url:
        return Pin(f"{DISTRIBUTION}=={version}", "index")
    url = _without_credentials(direct_url["url"])
    extras = [f"subdirectory={direct_url['subdirectory']}"] if direct_url.get("subdirectory") else []
    if "vcs_info" in direct_url:
        vcs = direct_url["vcs_info"]
        origin, target = "vcs", f"{vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}"
    elif "archive_info" in direct_url:
        archive = direct_url["archive_info"]
        hashes = sorted(archive.get("hashes", {}).items())
        digest = archive.get("hash") or (f"{hashes[0][0]}={hashes[0][1]}" if hashes else None)
        extras = ([digest] if digest else []) + extras
        origin, target = "archive", url
    else:
        origin, target = "local", url
    requirement = f"{DISTRIBUTION} @ {target}" + ("#" + "&".join(extras) if extras else "")
    if urlsplit(url).scheme == "file":
        return Pin(requirement, origin, _local_note(url))
    return Pin(requirement, origin)


def _local_note(url: str) -> str:
    return (f"requirements.txt installs the toolkit from {url}, a path on this machine: GitHub's runners "
            f"cannot install from it. Before you push, replace that line with a release on your package "
            f"index (`{DISTRIBUTION}==VERSION`) or a commit of your organisation's copy of the toolkit "
            f"(`{PORTABLE_EXAMPLE}`).")


def _without_credentials(url: str) -> str:
    """`url` without a password or token in it (pip records `git@` users and `${VAR}` placeholders)."""
    parts = urlsplit(url)
    if parts.password is None or parts.password.startswith("${"):
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=host))


def installed_pin(search_path: list[str] | None = None) -> Pin:
    """The pin of the toolkit running now, read from its installed metadata (on `search_path`, default
    `sys.path`)."""
    import importlib.metadata

    from opsbook import __version__

    where = {"path": search_path} if search_path is not None else {}
    found = list(importlib.metadata.distributions(name=DISTRIBUTION, **where))
    # A source tree on sys.path can carry its own `*.egg-info` (no direct_url.json) ahead of the
    # installed distribution; the one pip recorded an origin for says how it really got here.
    for dist in found:
        text = dist.read_text("direct_url.json")
        if text:
            try:
                return pin_for(json.loads(text), dist.version)
            except (ValueError, KeyError, TypeError):
                continue  # a damaged record: fall back to what else is known
    if found:
        return pin_for(None, found[0].version)
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file():  # running from a source checkout that was never installed
        return pin_for({"url": checkout.as_uri(), "dir_info": {}}, __version__)
    return pin_for(None, __version__)
