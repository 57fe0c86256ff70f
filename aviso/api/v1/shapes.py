"""Aviso's objects in the shapes Statuspage's management API answers with.

Components and incidents start from the public v2 objects (``aviso.api.statuspage``)
and add the fields only the management API has; what Aviso does not keep
(Twitter, CSS, metadata) is answered with Statuspage's defaults.
"""

from __future__ import annotations

from aviso.api.statuspage import (
    Components,
    incident_objects,
    maintenance_objects,
    page_url,
    timestamp,
)
from aviso.status.models import ComponentGroup, Incident, Maintenance, Page

_PAGE_DEFAULTS = {
    "branding": "basic",
    "subdomain": None,
    "domain": None,
    "hidden_from_search": False,
    "allow_page_subscribers": True,
    "allow_incident_subscribers": False,
    "allow_email_subscribers": True,
    "allow_sms_subscribers": True,
    "allow_rss_atom_feeds": True,
    "allow_webhook_subscribers": True,
    "notifications_from_email": None,
    "notifications_email_footer": None,
    "activity_score": 0,
    "twitter_username": None,
    "viewers_must_be_team_members": False,
    "ip_restrictions": None,
    "city": None,
    "state": None,
    "country": None,
    "css_body_background_color": None,
    "css_font_color": None,
    "css_light_font_color": None,
    "css_greens": None,
    "css_yellows": None,
    "css_oranges": None,
    "css_blues": None,
    "css_reds": None,
    "css_border_color": None,
    "css_graph_color": None,
    "css_link_color": None,
    "css_no_data": None,
    "favicon_logo": None,
    "transactional_logo": None,
    "hero_cover": None,
    "email_logo": None,
    "twitter_logo": None,
}

_INCIDENT_DEFAULTS = {
    "metadata": {},
    "postmortem_body": None,
    "postmortem_body_last_updated_at": None,
    "postmortem_ignored": False,
    "postmortem_notified_subscribers": False,
    "postmortem_notified_twitter": False,
    "postmortem_published_at": None,
    "scheduled_for": None,
    "scheduled_until": None,
    "scheduled_remind_prior": False,
    "scheduled_reminded_at": None,
    "scheduled_auto_in_progress": False,
    "scheduled_auto_completed": False,
    "auto_transition_deliver_notifications_at_end": False,
    "auto_transition_deliver_notifications_at_start": False,
    "auto_transition_to_maintenance_state": False,
    "auto_transition_to_operational_state": False,
    "reminder_intervals": None,
}


def page_object(page: Page) -> dict:
    zone = page.zone
    return {
        "id": page.code,
        "created_at": timestamp(page.created_at, zone),
        "updated_at": timestamp(page.updated_at, zone),
        "name": page.name,
        "page_description": page.description or None,
        "headline": None,
        "url": page_url(page),
        "support_url": page.support_url or None,
        "time_zone": page.time_zone,
        **_PAGE_DEFAULTS,
    }


def component_objects(page: Page, components: Components | None = None) -> list[dict]:
    """Statuspage's management list: components only (groups are their own resource)."""
    components = components or Components(page)
    return [_component(c) for c in components.flat if not c["group"]]


def _component(data: dict) -> dict:
    return {**{k: v for k, v in data.items() if k != "components"}, "automation_email": None}


def component_object(page: Page, code: str) -> dict | None:
    for data in Components(page).flat:
        if data["id"] == code and not data["group"]:
            return _component(data)
    return None


def group_objects(page: Page, groups=None) -> list[dict]:
    zone = page.zone
    wanted = None if groups is None else {g.pk for g in groups}
    result = []
    rows = ComponentGroup.objects.filter(page=page).prefetch_related("components")
    for position, group in enumerate(rows.order_by("position", "id"), start=1):
        if wanted is not None and group.pk not in wanted:
            continue
        result.append(
            {
                "id": group.code,
                "page_id": page.code,
                "name": group.name,
                "description": group.description or None,
                "components": [c.code for c in group.components.order_by("position", "id")],
                "position": position,
                "created_at": timestamp(group.created_at, zone),
                "updated_at": timestamp(group.updated_at, zone),
            }
        )
    return result


_UPDATE_DEFAULTS = {"twitter_updated_at": None, "wants_twitter_update": False}


def _with_defaults(data: dict, extra: dict) -> dict:
    data = {**_INCIDENT_DEFAULTS, **data, **extra}
    data["incident_updates"] = [{**u, **_UPDATE_DEFAULTS} for u in data["incident_updates"]]
    data["components"] = [_component(c) for c in data["components"]]
    return data


def incident_list(page: Page, incidents) -> list[dict]:
    """Incidents (in the given order) in the management API's shape."""
    by_code = {i.code: i for i in incidents}
    result = []
    for data in incident_objects(page, Incident.objects.filter(pk__in=[i.pk for i in incidents])):
        incident = by_code[data["id"]]
        postmortem = getattr(incident, "postmortem", None)
        extra = {
            "impact_override": incident.impact if incident.impact_override else None,
        }
        if postmortem is not None:
            zone = page.zone
            extra |= {
                "postmortem_body": postmortem.body,
                "postmortem_body_last_updated_at": timestamp(postmortem.updated_at, zone),
                "postmortem_published_at": timestamp(postmortem.published_at, zone),
                "postmortem_notified_subscribers": bool(
                    postmortem.published_at and postmortem.notify_subscribers
                ),
            }
        result.append(_with_defaults(data, extra))
    order = [i.code for i in incidents]
    return sorted(result, key=lambda d: order.index(d["id"]))


def maintenance_list(page: Page, maintenances) -> list[dict]:
    by_code = {m.code: m for m in maintenances}
    result = []
    queryset = Maintenance.objects.filter(pk__in=[m.pk for m in maintenances])
    for data in maintenance_objects(page, queryset):
        maintenance = by_code[data["id"]]
        extra = {
            "impact_override": None,
            "scheduled_auto_in_progress": maintenance.auto_start,
            "scheduled_auto_completed": maintenance.auto_complete,
            "auto_transition_to_maintenance_state": maintenance.auto_start,
            "auto_transition_to_operational_state": maintenance.auto_complete,
        }
        result.append(_with_defaults(data, extra))
    order = [m.code for m in maintenances]
    return sorted(result, key=lambda d: order.index(d["id"]))


def incident_object(page: Page, item: Incident | Maintenance) -> dict:
    if isinstance(item, Maintenance):
        return maintenance_list(page, [item])[0]
    return incident_list(page, [Incident.objects.select_related("postmortem").get(pk=item.pk)])[0]


def template_object(page: Page, template, components: Components | None = None) -> dict:
    components = components or Components(page)
    codes = set(template.components)
    return {
        "id": str(template.pk),
        "name": template.name,
        "title": template.title,
        "body": template.body,
        "group_id": None,
        "update_status": template.status,
        "should_tweet": False,
        "should_send_notifications": True,
        "components": [_component(c) for c in components.flat if c["id"] in codes],
    }
