"""The console's monitor forms: pick a kind, fill its own fields, test now, save.

Changing the kind shows that kind's fields (htmx swaps the form; without
script, the "Show its settings" button does the same), keeping what was typed
in the common fields. "Test now" runs one check with what is in the form
through the same probe and address guard as the checker, stores nothing and
shows the outcome under the buttons.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aviso.console.roles import Role, console_view
from aviso.monitors import kind_forms, lifecycle, trial
from aviso.monitors.choices import MonitorKind
from aviso.monitors.field_text import KIND_DESCRIPTIONS
from aviso.monitors.forms import SCHEDULE, MonitorForm
from aviso.monitors.models import Monitor
from aviso.status.lifecycle import Actor, LifecycleError

COMMON = ("name", "component", "depends_on")  # carried over when the kind changes
CARRIED = ("host", "url")


def _kind(value: object) -> str | None:
    return value if value in MonitorKind.values else None


def _carried(request: HttpRequest, kind: str) -> dict:
    """What was typed that still means something for ``kind``: the common settings
    and the target (not the port, whose default differs, nor other kinds' defaults)."""
    data = request.POST
    initial = {name: data.get(name) for name in (*COMMON, *SCHEDULE) if data.get(name)}
    initial["paused"] = bool(data.get("paused"))
    for name in kind_forms.names(kind):
        if name.removeprefix(kind_forms.PREFIX) in CARRIED and data.get(name):
            initial[name] = data[name]
    return initial


def _page(request, form: MonitorForm, monitor=None, outcome=None, trial_errors=None, status=None):
    context = {"form": form, "monitor": monitor, "outcome": outcome, "trial_errors": trial_errors}
    if request.htmx and request.htmx.target == "test-result":
        return render(request, "monitors/_test_result.html", context)
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    return render(request, "monitors/form.html", context, status=status)


def _test_now(request, form: MonitorForm, monitor: Monitor | None) -> HttpResponse:
    """One check with the form's settings; the form comes back as typed.

    Only what the check needs must be right: a missing name does not stop a test.
    """
    form.is_valid()
    needed = {*kind_forms.names(form.config_kind), "kind", "timeout_seconds"}
    if needed & set(form.errors):
        return _page(request, form, monitor, trial_errors=_error_lines(form))
    values = form.values()
    try:
        conf = lifecycle.trial_settings(values["kind"], values["config"], form.stored)
    except LifecycleError as error:
        form.add_lifecycle_errors(error.errors)
        return _page(request, form, monitor, trial_errors=_error_lines(form))
    timeout = values.get("timeout_seconds") or 10.0
    outcome = trial.run_once(values["kind"], conf, timeout, monitor)
    return _page(request, form, monitor, outcome=outcome, status=200)


def _error_lines(form: MonitorForm) -> list[str]:
    lines = []
    for name, errors in form.errors.items():
        where = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{where}: {message}" if where else str(message) for message in errors)
    return lines


def _handle(request: HttpRequest, monitor: Monitor | None) -> HttpResponse:
    kind = _kind(request.POST.get("kind")) or (monitor.kind if monitor else MonitorKind.HTTP)
    stored = monitor.config if monitor and monitor.kind == kind else None
    if request.POST.get("shown_kind") != kind or "choose_kind" in request.POST:
        # Another kind was chosen: its own fields, with what was typed that still fits.
        initial = {**kind_forms.default_values(kind), **_carried(request, kind)}
        if monitor and stored is not None:
            initial = {**MonitorForm.initial_for(monitor), **_carried(request, kind)}
        return _page(request, MonitorForm(initial=initial, kind=kind, stored=stored), monitor)
    form = MonitorForm(request.POST, kind=kind, stored=stored)
    if "test" in request.POST:
        return _test_now(request, form, monitor)
    if form.is_valid():
        actor = Actor.person(request.user)
        try:
            if monitor is None:
                monitor = lifecycle.create_monitor(actor=actor, **form.values())
                messages.success(request, _("Monitor created."))
            else:
                monitor = lifecycle.update_monitor(monitor, actor=actor, **form.values())
                messages.success(request, _("Monitor saved."))
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            return redirect("monitors:detail", code=monitor.code)
    return _page(request, form, monitor)


@console_view(Role.RESPONDER)
def monitor_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _handle(request, None)
    kind = _kind(request.GET.get("kind"))
    if kind is None:
        kinds = [(v, label, KIND_DESCRIPTIONS.get(v, "")) for v, label in MonitorKind.choices]
        return render(request, "monitors/kinds.html", {"kinds": kinds})
    form = MonitorForm(initial=kind_forms.default_values(kind), kind=kind)
    return _page(request, form)


@console_view(Role.RESPONDER)
def monitor_edit(request: HttpRequest, code: str) -> HttpResponse:
    monitor = get_object_or_404(Monitor, code=code)
    if request.method == "POST":
        return _handle(request, monitor)
    form = MonitorForm(initial=MonitorForm.initial_for(monitor), kind=monitor.kind,
                       stored=monitor.config)  # fmt: skip
    return _page(request, form, monitor)
