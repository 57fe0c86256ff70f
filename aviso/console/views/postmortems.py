"""The postmortem editor: the seed's sections and the incident's own timeline, prefilled."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aviso.console.forms import (
    PostmortemForm,
    VersionForm,
    add_lifecycle_errors,
    show_current_version,
)
from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor, preview_html, with_page
from aviso.status import lifecycle
from aviso.status.lifecycle.postmortems import template_body
from aviso.status.models import Incident, Page, Postmortem
from aviso.status.timeline import incident_timeline, timeline_markdown


def draft_body(incident: Incident) -> str:
    """The seed's sections, then a "Timeline" section built from the incident's events."""
    timeline = timeline_markdown(incident_timeline(incident), incident.page.zone)
    return f"{template_body()}\n## Timeline\n\n{timeline}\n"


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def postmortem(request: HttpRequest, page: Page, incident: str) -> HttpResponse:
    obj = get_object_or_404(Incident.objects.select_related("page"), page=page, code=incident)
    existing = Postmortem.objects.filter(incident=obj).first()
    form = PostmortemForm(
        request.POST or None,
        initial={
            "body": existing.body if existing else draft_body(obj),
            "notify": existing.notify_subscribers if existing else True,
            "version": obj.version,
        },
    )
    preview, status = None, 200
    if request.method == "POST":
        if "preview" in request.POST:
            preview = preview_html(request.POST.get("body", ""))
        elif form.is_valid():
            publish = request.POST.get("action") == "publish"
            try:
                lifecycle.save_postmortem_at_version(
                    obj,
                    actor=actor(request),
                    body=form.cleaned_data["body"],
                    expected_version=form.cleaned_data["version"],
                    publish=publish,
                    notify=form.cleaned_data["notify"],
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
                status = 409 if isinstance(error, lifecycle.ConflictError) else 400
                obj.refresh_from_db()
                show_current_version(form, obj.version)
            else:
                messages.success(
                    request, _("Postmortem published.") if publish else _("Draft saved.")
                )
                return redirect("console:postmortem", incident=obj.code)
        else:
            status = 400
    if preview is None:
        # The draft as it will read, before any typing (the live preview takes over then).
        preview = preview_html(form["body"].value() or "")
    return render(
        request,
        "console/postmortem.html",
        {
            "page": page,
            "incident": obj,
            "postmortem": existing,
            "form": form,
            "preview": preview,
            "unpublish_form": VersionForm(initial={"version": obj.version}),
        },
        status=status,
    )


@console_view(Role.RESPONDER)
@require_POST
@with_page
def unpublish(request: HttpRequest, page: Page, incident: str) -> HttpResponse:
    obj = get_object_or_404(Incident, page=page, code=incident)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload and try again."))
        return redirect("console:postmortem", incident=obj.code)
    try:
        lifecycle.unpublish_postmortem_at_version(
            obj, actor=actor(request), expected_version=form.cleaned_data["version"]
        )
    except lifecycle.LifecycleError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("Postmortem unpublished; it is a draft again."))
    return redirect("console:postmortem", incident=obj.code)
