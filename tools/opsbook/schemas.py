"""JSON Schemas generated from the models, for editors (yaml-language-server) and other tools.

pydantic writes JSON Schema 2020-12; editors widely support draft-07, so the schemas are rewritten to it
(`definitions` instead of `$defs`). They are committed under `schemas/`; a test keeps them current.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from opsbook import files
from opsbook.handbook.models.cadence import Cadence, HolidayCalendar
from opsbook.handbook.models.catalogue import (
    MaintenanceSchedule,
    SecretsInventory,
    ServiceCatalogue,
    SeverityPolicy,
    SloCatalogue,
    Team,
)
from opsbook.handbook.models.common import format_duration
from opsbook.handbook.models.config import HandbookConfig
from opsbook.handbook.models.oncall import OncallOverrides
from opsbook.handbook.models.postmortem import PostmortemMeta
from opsbook.handbook.models.runbook import RunbookMeta
from opsbook.org.contract import Export

SCHEMAS = {
    "runbook": (RunbookMeta, "The frontmatter of a runbook (runbooks/*.md)."),
    "postmortem": (PostmortemMeta, "The frontmatter of a post-mortem (postmortems/*.md)."),
    "cadence": (Cadence, "A review cadence (calendar/*.yaml)."),
    "holidays": (HolidayCalendar, "Days that are not business days (calendar/holidays.yaml)."),
    "slos": (SloCatalogue, "The SLO catalogue (ops/slos.yaml)."),
    "severity": (SeverityPolicy, "The severity policy (ops/severity.yaml)."),
    "services": (ServiceCatalogue, "The service catalogue (ops/services.yaml)."),
    "team": (Team, "People, roles and rotations (ops/team.yaml)."),
    "secrets": (SecretsInventory, "The secrets inventory: names and rotation, never values (ops/secrets.yaml)."),
    "oncall-overrides": (OncallOverrides, "On-call swaps and covers (ops/oncall-overrides.yaml)."),
    "config": (HandbookConfig, "Handbook settings (opsbook.yaml)."),
    "maintenance": (MaintenanceSchedule, "Scheduled maintenance users are told about (ops/maintenance.yaml)."),
    "opsbook-export": (Export, "What a team's site publishes for its organisation (opsbook.json at the site's "
                               "root, written by ops build); additive changes only within a major schema_version."),
}
DRAFT_7 = "http://json-schema.org/draft-07/schema#"


class _HandbookSchema(GenerateJsonSchema):
    """Write defaults the way people write them in the files (`2d`, not ISO 8601's `P2D`)."""

    def encode_default(self, default: Any) -> Any:
        if isinstance(default, dt.timedelta):
            return format_duration(default)
        if isinstance(default, BaseModel):
            return default.model_dump(mode="json", by_alias=True)
        return super().encode_default(default)


def schema_for(name: str) -> dict:
    """The draft-07 JSON Schema of one document kind."""
    model, description = SCHEMAS[name]
    schema = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}", mode="validation",
                                    schema_generator=_HandbookSchema)
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    return {"$schema": DRAFT_7, "$id": f"{name}.schema.json", "description": description,
            **{k: v for k, v in schema.items() if k != "description"}}


def render_all() -> dict[str, str]:
    """File name → text of every schema, stable byte for byte."""
    return {f"{name}.schema.json": json.dumps(schema_for(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            for name in SCHEMAS}


def write_all(out_dir: Path) -> list[Path]:
    """Write every schema into `out_dir` atomically; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in render_all().items():
        target = out_dir / file_name
        files.write_atomically(target, text)
        written.append(target)
    return written
