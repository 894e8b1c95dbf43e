"""What loads from a handbook's files before any cross-file check: where each file is, and the parts.

Shared by `validate` (which fills it) and `checks` (which reads it), so neither imports the other.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from opsbook.handbook.assembled import CadenceFile, Document, Page
from opsbook.handbook.folders import Folder
from opsbook.handbook.loading import Source
from opsbook.handbook.models.cadence import HolidayCalendar
from opsbook.handbook.models.catalogue import (
    MaintenanceSchedule,
    SecretsInventory,
    ServiceCatalogue,
    SeverityPolicy,
    SloCatalogue,
    Team,
)
from opsbook.handbook.models.config import HandbookConfig
from opsbook.handbook.models.oncall import OncallOverrides
from opsbook.handbook.models.postmortem import PostmortemMeta
from opsbook.handbook.models.runbook import RunbookMeta

CONFIG_FILE = "opsbook.yaml"
OPS_FILES: dict[str, tuple[str, type, bool]] = {
    # attribute: (path, model, required)
    "slos": ("ops/slos.yaml", SloCatalogue, True),
    "severity": ("ops/severity.yaml", SeverityPolicy, True),
    "services": ("ops/services.yaml", ServiceCatalogue, True),
    "team": ("ops/team.yaml", Team, True),
    "secrets": ("ops/secrets.yaml", SecretsInventory, False),
    "overrides": ("ops/oncall-overrides.yaml", OncallOverrides, False),
    "maintenance": ("ops/maintenance.yaml", MaintenanceSchedule, False),
}
HOLIDAYS_FILE = "calendar/holidays.yaml"

# The content folders and what each reads; `folders.content_files` reports anything else in them.
RUNBOOKS = Folder("runbooks", (".md",), "runbooks, one *.md file each")
POSTMORTEMS = Folder("postmortems", (".md",), "post-mortems, one *.md file each")
CALENDAR = Folder("calendar", (".yaml", ".yml"), "review cadences (*.yaml) and holidays.yaml",
                  named=("holidays.yaml",))
_OPS_NAMES = tuple(path.removeprefix("ops/") for path, _, _ in OPS_FILES.values())
OPS = Folder("ops", (".md",), "process pages (*.md) and " + ", ".join(_OPS_NAMES), named=_OPS_NAMES)
# The folders at the top a handbook reads (`docs/`: the site's own pages); one named like them is a warning.
TOP_FOLDERS = (RUNBOOKS.name, POSTMORTEMS.name, CALENDAR.name, OPS.name, "docs")


@dataclasses.dataclass
class Contents:
    """What loaded from the files; a part is None when its file had errors."""

    root: Path
    config: HandbookConfig | None = None
    slos: SloCatalogue | None = None
    severity: SeverityPolicy | None = None
    services: ServiceCatalogue | None = None
    team: Team | None = None
    secrets: SecretsInventory | None = None
    overrides: OncallOverrides | None = None
    maintenance: MaintenanceSchedule | None = None
    holidays: HolidayCalendar | None = None
    sources: dict[str, Source] = dataclasses.field(default_factory=dict)
    runbooks: list[Document[RunbookMeta]] = dataclasses.field(default_factory=list)
    postmortems: list[Document[PostmortemMeta]] = dataclasses.field(default_factory=list)
    cadences: list[CadenceFile] = dataclasses.field(default_factory=list)
    pages: list[Page] = dataclasses.field(default_factory=list)
    # Runbooks whose files did not load, by id (and file name): references to them are unchecked, not unknown.
    unloaded_runbooks: dict[str, str] = dataclasses.field(default_factory=dict)

    def without_postmortems(self) -> "Contents":
        """These contents as `load_contents(root, postmortems=False)` gives them, for an editor to check its
        files against, without reading the handbook again; the lists are new, so editing them is safe."""
        return dataclasses.replace(self, postmortems=[], runbooks=list(self.runbooks), cadences=list(self.cadences),
                                   pages=list(self.pages))
