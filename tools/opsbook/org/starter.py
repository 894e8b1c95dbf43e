"""`ops org init DIR --name ORG`: start an organisation's repository from `templates/org/`.

`org.yaml` (the teams and the scorecard's criteria), `mkdocs.yml`, the scheduled Publish workflow, a
`requirements.txt` pinning the toolkit as installed here and a `.gitignore`. Written as `ops init`
writes a handbook (`opsbook.adopt.starter`): never over an existing file, all or nothing.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from opsbook.adopt.pin import Pin, installed_pin
from opsbook.adopt.starter import ORIGINS, render, write_new_files
from opsbook.problems import UsageError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "org"


@dataclasses.dataclass(frozen=True)
class OrgSettings:
    name: str
    pin: Pin = dataclasses.field(default_factory=installed_pin)

    def check(self) -> None:
        if not self.name.strip() or any(ch in self.name for ch in "\r\n\t"):
            raise UsageError(f"--name {self.name!r}: give the organisation's name on one line")

    def values(self) -> dict[str, str]:
        quoted = json.dumps(self.name.strip(), ensure_ascii=False)  # a JSON string is a YAML string
        return {"%%ORG%%": quoted, "%%REQUIREMENT%%": self.pin.requirement,
                "%%PIN_ORIGIN%%": ORIGINS[self.pin.origin]}


def create_org(directory: Path, settings: OrgSettings) -> list[str]:
    """Write a new organisation repository into `directory`; return the files written."""
    settings.check()
    return write_new_files(directory, render(settings, TEMPLATES, schemas=False), "start the organisation")
