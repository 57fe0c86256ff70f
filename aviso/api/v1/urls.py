"""Statuspage's paths under ``/v1/``, each with or without ``.json``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from aviso.api.v1 import incidents, pages, postmortems
from aviso.api.v1.http import error_response, unsupported

ID = r"[^/.]+"
P = rf"pages/(?P<page_id>{ID})"

# Other apps' resources (subscribers live in notify), mounted as these modules' ``routes``.
ROUTE_MODULES = ["aviso.notify.statuspage_v1.routes"]


def v1(pattern: str, view, name: str) -> URLPattern:
    return re_path(rf"^v1/{pattern}(?:\.json)?/?$", view, name=f"v1-{name}")


UNSUPPORTED = [
    (rf"{P}/components/{ID}/uptime", "uptime figures through this API"),
    (rf"{P}/component-groups/{ID}/uptime", "uptime figures through this API"),
    (rf"{P}/incidents/{ID}/subscribers(?:/.*)?", "incident subscribers"),
    (
        rf"{P}/subscribers/(?:histogram_by_state|reactivate|resend_confirmation|unsubscribe)",
        "this call",
    ),
    (rf"{P}/subscribers/{ID}/resend_confirmation", "resending confirmations"),
    (rf"{P}/page_access_(?:users|groups)(?:/.*)?", "page access users and groups"),
    (rf"{P}/metrics(?:/.*)?", "system metrics"),
    (rf"{P}/metrics_providers(?:/.*)?", "metrics providers"),
    (rf"{P}/status_embed_config", "the status embed"),
    (r"organizations(?:/.*)?", "organizations and users"),
]


@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    return error_response(404, "Not found.")


def _mounted() -> list[URLPattern]:
    routes = []
    for dotted in ROUTE_MODULES:
        for pattern, view, name in import_string(dotted):
            routes.append(v1(rf"{P}/{pattern}", view, name))
    return routes


urlpatterns = [
    v1("pages", pages.pages, "pages"),
    v1(P, pages.page, "page"),
    v1(rf"{P}/components", pages.components, "components"),
    v1(rf"{P}/components/(?P<component_id>{ID})", pages.component, "component"),
    v1(rf"{P}/component-groups", pages.groups, "groups"),
    v1(rf"{P}/component-groups/(?P<group_id>{ID})", pages.group, "group"),
    v1(rf"{P}/incidents", incidents.incidents, "incidents"),
    v1(rf"{P}/incidents/unresolved", incidents.incidents_unresolved, "incidents-unresolved"),
    v1(rf"{P}/incidents/scheduled", incidents.incidents_scheduled, "incidents-scheduled"),
    v1(rf"{P}/incidents/upcoming", incidents.incidents_upcoming, "incidents-upcoming"),
    v1(
        rf"{P}/incidents/active_maintenance",
        incidents.incidents_active_maintenance,
        "incidents-active",
    ),
    *[
        v1(pattern, unsupported(what), f"unsupported-{n}")
        for n, (pattern, what) in enumerate(UNSUPPORTED)
    ],
    v1(rf"{P}/incidents/(?P<incident_id>{ID})", incidents.incident, "incident"),
    v1(
        rf"{P}/incidents/(?P<incident_id>{ID})/incident_updates/(?P<update_id>{ID})",
        incidents.incident_update,
        "incident-update",
    ),
    v1(rf"{P}/incidents/(?P<incident_id>{ID})/postmortem", postmortems.postmortem, "postmortem"),
    v1(
        rf"{P}/incidents/(?P<incident_id>{ID})/postmortem/publish",
        postmortems.postmortem_publish,
        "postmortem-publish",
    ),
    v1(
        rf"{P}/incidents/(?P<incident_id>{ID})/postmortem/revert",
        postmortems.postmortem_revert,
        "postmortem-revert",
    ),
    v1(rf"{P}/incident_templates", incidents.templates, "templates"),
    *_mounted(),
    re_path(r"^v1/(?P<rest>.*)$", unknown, name="v1-unknown"),
]
