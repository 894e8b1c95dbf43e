"""Backstage entities per team: `catalog-info/<team-id>.yaml`, a Group and a Component per service.

Each team gets a namespace of its own (its id, as Backstage spells namespaces), so two teams' services
of the same id (every `ops init` team has `app`) never collide. The Group is `spec.type: team` with no
children; each Component is `spec.type: service`, `lifecycle: production`, owned by the group, linking
to the team's handbook, feeds and status page. Names are made to fit Backstage's rules
(`[a-zA-Z0-9]` runs joined by `-`, `_` or `.`, at most 63 characters).
"""

from __future__ import annotations

import re

import yaml

from opsbook.org.view import safe_url

_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")


def entity_name(text: str) -> str:
    """`text` as a Backstage entity name (and, lowercased, namespace)."""
    name = _NOT_NAME.sub("-", text).strip("-")[:63].strip("-")
    return name or "unnamed"


def namespace(team_id: str) -> str:
    return entity_name(team_id).lower()


def _links(copy) -> list[dict]:
    export = copy.export
    found = [("Handbook", copy.team.site_url)]
    if export is not None:
        found += [("Review calendar", export.links.handbook_feed), ("On-call shifts", export.links.oncall_feed),
                  ("Status page", export.links.status_page)]
    return [{"url": url, "title": title} for title, raw in found if (url := safe_url(raw))]


def entities(copy) -> list[dict]:
    """The Group and its Components for one team (`opsbook.org.kept.TeamCopy` with an export)."""
    space, group = namespace(copy.team.id), entity_name(copy.team.id)
    links = _links(copy)
    found = [{"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
              "metadata": {"name": group, "namespace": space, "title": copy.team.name,
                           "annotations": {"opsbook.io/site": copy.team.site_url}, "links": links},
              "spec": {"type": "team", "children": []}}]
    for service in copy.export.services if copy.export else []:
        found.append({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                      "metadata": {"name": entity_name(service.id), "namespace": space, "title": service.name,
                                   "links": links},
                      "spec": {"type": "service", "lifecycle": "production", "owner": f"group:{space}/{group}"}})
    return found


def render_catalogue(copy) -> str:
    """`catalog-info/<team-id>.yaml`: the team's entities as one YAML stream."""
    return yaml.safe_dump_all(entities(copy), sort_keys=False, allow_unicode=True, default_flow_style=False)


def catalogue_files(copies) -> dict[str, str]:
    """Path in the site → text, for every team that has an export."""
    return {f"catalog-info/{namespace(copy.team.id)}.yaml": render_catalogue(copy)
            for copy in copies if copy.export is not None}
