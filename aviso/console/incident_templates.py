"""Saving and deleting incident templates: the one way they change (console and /v1/ API)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aviso.console.models import IncidentTemplate
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus, IncidentImpact, IncidentStatus
from aviso.status.lifecycle.validation import clean_body, clean_choice, clean_name
from aviso.status.models import Page


def _clean_components(page: Page, components: dict[str, str]) -> dict[str, str]:
    known = set(page.components.filter(code__in=list(components)).values_list("code", flat=True))
    unknown = [code for code in components if code not in known]
    if unknown:
        raise lifecycle.LifecycleError(
            {"components": _("Unknown component: %(c)s") % {"c": unknown[0]}}
        )
    return {
        code: str(clean_choice(status, ComponentStatus, "components"))
        for code, status in components.items()
    }


@transaction.atomic
def save_template(
    page: Page,
    *,
    actor: lifecycle.Actor,
    template: IncidentTemplate | None = None,
    name: str,
    title: str,
    body: str = "",
    status: str = IncidentStatus.INVESTIGATING,
    impact: str = "",
    components: dict[str, str] | None = None,
) -> IncidentTemplate:
    """Create (``template`` None) or change a template, with its audit entry."""
    before = template.snapshot() if template else None
    obj = template or IncidentTemplate(page=page)
    # The same checks an incident's own title and body get.
    obj.name = clean_name(name)
    obj.title = clean_name(title, "title")
    obj.body = clean_body(body)
    obj.status = clean_choice(status, IncidentStatus, "status")
    obj.impact = clean_choice(impact, IncidentImpact, "impact") if impact else ""
    obj.components = _clean_components(page, components or {})
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise lifecycle.LifecycleError(
            {"name": _("A template with this name exists already.")}
        ) from None
    lifecycle.record_change(
        actor, "incident_template.save", obj, page=page, before=before, after=obj.snapshot()
    )
    return obj


@transaction.atomic
def delete_template(template: IncidentTemplate, *, actor: lifecycle.Actor) -> None:
    lifecycle.record_change(
        actor,
        "incident_template.delete",
        template,
        page=template.page,
        before=template.snapshot(),
        after=None,
    )
    template.delete()
