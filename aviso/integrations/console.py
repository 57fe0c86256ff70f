"""Console screens: integrations (the URL to paste, routes, the last payloads) and
mirrored components. Admins set them up (they hold secrets); everyone reads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aviso.console.roles import Role, console_view
from aviso.integrations import lifecycle, upstream
from aviso.integrations.choices import IntegrationKind
from aviso.integrations.forms import IntegrationForm, MirrorForm
from aviso.integrations.mail import address_for
from aviso.integrations.models import AlertRoute, Integration, Mirror
from aviso.status.lifecycle import Actor, LifecycleError


def endpoint(request: HttpRequest, integration: Integration) -> str:
    """Where the integration's messages go (the secret as a placeholder)."""
    if integration.kind == IntegrationKind.SLACK:
        return request.build_absolute_uri(reverse("integrations:slack", args=[integration.code]))
    if integration.kind == IntegrationKind.EMAIL:
        return f"{integration.code}.<secret>+<component code>@{settings.INBOUND_MAIL_DOMAIN}"
    return request.build_absolute_uri(reverse("integrations:alerts", args=[integration.code]))


@console_view(Role.VIEWER)
@require_safe
def integration_list(request: HttpRequest) -> HttpResponse:
    integrations = Integration.objects.select_related("page").order_by("name", "id")
    mirrors = Mirror.objects.select_related("component", "component__page")
    return render(request, "integrations/list.html",
                  {"integrations": integrations, "mirrors": mirrors})  # fmt: skip


def _form_page(request, form, integration=None) -> HttpResponse:
    return render(request, "integrations/form.html", {"form": form, "integration": integration},
                  status=400 if form.is_bound and form.errors else 200)  # fmt: skip


def _show_secret(request, integration: Integration, secret: str) -> HttpResponse:
    context = {"integration": integration, "secret": secret, "url": endpoint(request, integration)}
    if integration.kind == IntegrationKind.EMAIL:
        components = integration.page.components.order_by("position", "id")
        context["addresses"] = [(c, address_for(integration, secret, c)) for c in components]
    return render(request, "integrations/secret.html", context)


@console_view(Role.ADMIN)
def integration_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, IntegrationForm())
    form = IntegrationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            integration, secret = lifecycle.create_integration(
                data["page"], actor=Actor.person(request.user), kind=data["kind"],
                name=data["name"], config=data["config"], secret=data["secret"],
            )  # fmt: skip
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            return _show_secret(request, integration, secret)
    return _form_page(request, form)


@console_view(Role.ADMIN)
def integration_edit(request: HttpRequest, code: str) -> HttpResponse:
    integration = get_object_or_404(Integration, code=code)
    initial = {
        "page": integration.page_id,
        "kind": integration.kind,
        "name": integration.name,
        "enabled": integration.enabled,
        "config": lifecycle.pretty_config(integration),
    }
    if request.method != "POST":
        form = IntegrationForm(initial=initial)
        del form.fields["secret"]
        return _form_page(request, form, integration)
    form = IntegrationForm(request.POST)
    form.fields["page"].disabled = form.fields["kind"].disabled = True
    del form.fields["secret"]  # a new secret is its own button
    form.initial = initial
    if form.is_valid():
        data = form.cleaned_data
        try:
            lifecycle.update_integration(integration, actor=Actor.person(request.user),
                                         name=data["name"], config=data["config"],
                                         enabled=data["enabled"])  # fmt: skip
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            messages.success(request, _("Integration saved."))
            return redirect("integrations:detail", code=integration.code)
    return _form_page(request, form, integration)


@console_view(Role.VIEWER)
@require_safe
def integration_detail(request: HttpRequest, code: str) -> HttpResponse:
    integration = get_object_or_404(Integration.objects.select_related("page"), code=code)
    routes = (
        AlertRoute.objects.filter(integration=integration)
        .select_related("component", "monitor")
        .prefetch_related("firing")
    )
    payloads = [(p, lifecycle.pretty(p.body)) for p in integration.payloads.all()]
    return render(request, "integrations/detail.html", {
        "integration": integration, "routes": routes, "payloads": payloads,
        "url": endpoint(request, integration),
        "config": lifecycle.pretty_config(integration)})  # fmt: skip


@console_view(Role.ADMIN)
@require_POST
def integration_secret(request: HttpRequest, code: str) -> HttpResponse:
    integration = get_object_or_404(Integration, code=code)
    try:
        secret = lifecycle.rotate_secret(integration, actor=Actor.person(request.user),
                                         secret=request.POST.get("secret", ""))  # fmt: skip
    except LifecycleError as error:
        messages.error(request, error.errors["secret"])
        return redirect("integrations:detail", code=integration.code)
    return _show_secret(request, integration, secret)


@console_view(Role.ADMIN)
@require_POST
def integration_delete(request: HttpRequest, code: str) -> HttpResponse:
    integration = get_object_or_404(Integration, code=code)
    lifecycle.delete_integration(integration, actor=Actor.person(request.user))
    messages.success(request, _("Integration deleted."))
    return redirect("integrations:list")


@console_view(Role.ADMIN)
def mirror_create(request: HttpRequest) -> HttpResponse:
    form = MirrorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            upstream.create_mirror(actor=Actor.person(request.user), **form.cleaned_data)
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            messages.success(request, _("The component now mirrors the vendor's."))
            return redirect("integrations:list")
    return render(request, "integrations/mirror_form.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)  # fmt: skip


@console_view(Role.RESPONDER)
@require_POST
def mirror_resume(request: HttpRequest, pk: int) -> HttpResponse:
    mirror = get_object_or_404(Mirror, pk=pk)
    upstream.resume_mirror(mirror, actor=Actor.person(request.user))
    messages.success(request, _("Mirroring again: the next poll sets the vendor's status."))
    return redirect("integrations:list")


@console_view(Role.ADMIN)
@require_POST
def mirror_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mirror = get_object_or_404(Mirror, pk=pk)
    upstream.delete_mirror(mirror, actor=Actor.person(request.user))
    messages.success(request, _("The component no longer mirrors a vendor."))
    return redirect("integrations:list")
