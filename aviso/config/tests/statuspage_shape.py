"""Build Statuspage v2 JSON (summary, components, incidents, maintenances) from Aviso rows.

Only for the tests' round trip: the real /api/v2 is the api app's. Shapes follow
the captured samples in ``samples/`` (newest update first, groups as
components with ``group: true``).
"""

from __future__ import annotations

from aviso.status.models import Component, ComponentGroup, Incident, Maintenance, Page


def _iso(value):
    return value.isoformat() if value else None


def _component(c: Component, page: Page) -> dict:
    return {
        "id": c.code,
        "name": c.name,
        "status": c.status,
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "position": c.position + 1,
        "description": c.description or None,
        "showcase": c.showcase,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "group_id": c.group.code if c.group_id else None,
        "page_id": page.code,
        "group": False,
        "only_show_if_degraded": c.only_show_if_degraded,
    }


def _group(g: ComponentGroup, page: Page) -> dict:
    return {
        "id": g.code,
        "name": g.name,
        "status": "operational",
        "created_at": _iso(g.created_at),
        "updated_at": _iso(g.updated_at),
        "position": g.position + 1,
        "description": g.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page.code,
        "group": True,
        "only_show_if_degraded": False,
        "components": [c.code for c in g.components.all()],
    }


def components(page: Page) -> list[dict]:
    groups = [_group(g, page) for g in page.groups.order_by("position", "id")]
    members = [
        _component(c, page)
        for c in page.components.select_related("group").order_by("position", "id")
    ]
    return groups + members


def incident(i: Incident, page: Page) -> dict:
    postmortem = getattr(i, "postmortem", None)
    return {
        "id": i.code,
        "name": i.name,
        "status": i.status,
        "created_at": _iso(i.created_at),
        "updated_at": _iso(i.updated_at),
        "monitoring_at": _iso(i.monitoring_at),
        "resolved_at": _iso(i.resolved_at),
        "impact": i.impact,
        "shortlink": f"https://status.test/incidents/{i.code}",
        "started_at": _iso(i.started_at),
        "page_id": page.code,
        "incident_updates": [
            {
                "id": u.code,
                "status": u.status,
                "body": u.body,
                "incident_id": i.code,
                "created_at": _iso(u.created_at),
                "updated_at": _iso(u.updated_at),
                "display_at": _iso(u.display_at),
                "affected_components": u.affected_components,
                "deliver_notifications": u.deliver_notifications,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in i.updates.order_by("-display_at", "-id")
        ],
        "components": [_component(c, page) for c in i.components.select_related("group")],
        "postmortem_body": postmortem.body if postmortem else None,
        "postmortem_published_at": _iso(postmortem.published_at) if postmortem else None,
    }


def maintenance(m: Maintenance, page: Page) -> dict:
    return {
        "id": m.code,
        "name": m.name,
        "status": m.status,
        "created_at": _iso(m.created_at),
        "updated_at": _iso(m.updated_at),
        "monitoring_at": None,
        "resolved_at": _iso(m.completed_at),
        "impact": "maintenance",
        "shortlink": f"https://status.test/maintenances/{m.code}",
        "started_at": _iso(m.started_at),
        "page_id": page.code,
        "scheduled_for": _iso(m.scheduled_for),
        "scheduled_until": _iso(m.scheduled_until),
        "incident_updates": [
            {
                "id": u.code,
                "status": u.status,
                "body": u.body,
                "incident_id": m.code,
                "created_at": _iso(u.created_at),
                "updated_at": _iso(u.created_at),
                "display_at": _iso(u.display_at),
                "affected_components": None,
                "deliver_notifications": u.deliver_notifications,
            }
            for u in m.updates.order_by("-display_at", "-id")
        ],
        "components": [_component(c, page) for c in m.components.select_related("group")],
    }


def export(page: Page) -> dict[str, dict]:
    """{file name: JSON} as a Statuspage page would serve them."""
    head = {
        "id": page.code,
        "name": page.name,
        "url": page.url or None,
        "time_zone": page.time_zone,
        "updated_at": _iso(page.updated_at),
    }
    incidents = [incident(i, page) for i in page.incidents.order_by("-started_at", "-id")]
    maintenances = [maintenance(m, page) for m in page.maintenances.order_by("-scheduled_for")]
    return {
        "summary.json": {
            "page": head,
            "components": components(page),
            "incidents": [i for i in incidents if i["status"] != "resolved"],
            "scheduled_maintenances": [
                m for m in maintenances if m["status"] in ("scheduled", "in_progress", "verifying")
            ],
            "status": {"indicator": "none", "description": "All Systems Operational"},
        },
        "components.json": {"page": head, "components": components(page)},
        "incidents.json": {"page": head, "incidents": incidents},
        "scheduled-maintenances.json": {"page": head, "scheduled_maintenances": maintenances},
    }
