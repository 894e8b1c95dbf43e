"""`ops serve`: preview the site while editing; a saved file shows in the browser within seconds.

It runs `mkdocs serve --dirty` on the handbook's mkdocs.yml: MkDocs rebuilds only the pages whose files
changed, and the opsbook plugin reloads only the handbook files that changed and rebuilds the pages
whose cross-links changed too (`opsbook.site.serving`). An invalid edit is logged with its file and
line, and the server keeps serving the last good site, under a banner naming the errors, until the
file is fixed (`opsbook.site.preview`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from opsbook.problems import UsageError


def run(root: str, dev_addr: str) -> int:
    config_file = Path(root) / "mkdocs.yml"
    if not config_file.is_file():
        raise UsageError(f"{config_file}: no such file; `ops serve` previews a handbook with a mkdocs.yml "
                         "(`ops init` writes one)")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # the notice about MkDocs 2 is not the author's concern
    from mkdocs.__main__ import cli as mkdocs

    # MkDocs warns on every dirty rebuild that links may be stale; the plugin rebuilds the pages whose
    # links changed (`opsbook.site.serving`), so the warning would only bury the author's real problems.
    logging.getLogger("mkdocs.commands.build").addFilter(
        lambda record: "A 'dirty' build is being performed" not in record.getMessage())

    # MkDocs' own command line sets up its log output and exit codes; ours only chooses the options.
    return mkdocs.main(["serve", "--config-file", str(config_file), "--dev-addr", dev_addr, "--dirty"],
                       prog_name="ops serve", standalone_mode=False) or 0
