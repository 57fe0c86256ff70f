"""The status page's own settings (admins): name, address, time zone, and the
words automation posts in public."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aviso.console.forms import PageSettingsForm, add_lifecycle_errors
from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor, selected_page
from aviso.lib import branding
from aviso.status import lifecycle


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def page_settings(request: HttpRequest) -> HttpResponse:
    page = selected_page(request)
    initial = (
        {
            field: getattr(page, field)
            for field in (
                "name",
                "slug",
                "time_zone",
                "url",
                "domain",
                "private",
                "oidc_issuer",
                "oidc_client_id",
                "accent_color",
                "footer_text",
                "custom_css",
                "support_url",
                "description",
            )
        }
        if page
        else {"time_zone": "UTC"}
    )
    texts = dict(page.automation_texts) if page else {}
    initial_texts = {f"automation_{key}": text for key, text in texts.items()}
    if page is not None:
        initial["header_links"] = PageSettingsForm.links_text(page.header_links)
        initial["viewer_domains"] = ", ".join(page.viewer_domains)
        initial["viewer_emails"] = "\n".join(page.viewer_emails)
    form = PageSettingsForm(
        request.POST or None, request.FILES or None, initial=initial | initial_texts
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.page_fields()
            initial["automation_texts"] = texts
            if page is not None:
                initial["header_links"] = page.header_links
                initial["viewer_domains"] = page.viewer_domains
                initial["viewer_emails"] = page.viewer_emails
            try:
                if page is None:
                    page = lifecycle.create_page(actor=actor(request), **fields)
                else:
                    changed = {k: v for k, v in fields.items() if initial.get(k) != v}
                    if changed:
                        lifecycle.update_page(page, actor=actor(request), **changed)
                for kind in lifecycle.PAGE_IMAGES:
                    upload = form.cleaned_data.get(kind)
                    if upload:
                        data = upload.read(branding.MAX_IMAGE_BYTES + 1)
                        lifecycle.set_page_image(page, kind, data, actor=actor(request))
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("console:settings")
    return render(request, "console/settings.html", {"page": page, "form": form}, status=status)
