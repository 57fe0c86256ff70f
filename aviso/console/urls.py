"""The console's routes. Every view carries ``console_role`` (see roles.console_view);
the permission tests walk this list, so a new route is checked without being named."""

from django.urls import path

from aviso.console.views import (
    account,
    audit,
    auth,
    components,
    dashboard,
    incidents,
    maintenances,
    outbox,
    postmortems,
    settings,
    templates,
    users,
)

app_name = "console"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.sign_in, name="login"),
    path("login/verify/", auth.verify, name="verify"),
    path("logout/", auth.sign_out, name="logout"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/new/", incidents.declare, name="declare"),
    path("incidents/<slug:incident>/", incidents.incident_detail, name="incident"),
    path("incidents/<slug:incident>/update/", incidents.post_update, name="post_update"),
    path("incidents/<slug:incident>/delete/", incidents.delete_incident, name="delete_incident"),
    path(
        "incidents/<slug:incident>/updates/<slug:update>/edit/",
        incidents.edit_update,
        name="edit_update",
    ),
    path(
        "incidents/<slug:incident>/updates/<slug:update>/delete/",
        incidents.delete_update,
        name="delete_update",
    ),
    path("incidents/<slug:incident>/postmortem/", postmortems.postmortem, name="postmortem"),
    path(
        "incidents/<slug:incident>/postmortem/unpublish/",
        postmortems.unpublish,
        name="unpublish_postmortem",
    ),
    path("preview/", incidents.preview, name="preview"),
    path("maintenances/", maintenances.maintenance_list, name="maintenances"),
    path("maintenances/new/", maintenances.schedule, name="schedule"),
    path("maintenances/<slug:maintenance>/", maintenances.maintenance_detail, name="maintenance"),
    path("maintenances/<slug:maintenance>/edit/", maintenances.edit, name="edit_maintenance"),
    path("maintenances/<slug:maintenance>/start/", maintenances.start, name="start_maintenance"),
    path("maintenances/<slug:maintenance>/verify/", maintenances.verify, name="verify_maintenance"),
    path(
        "maintenances/<slug:maintenance>/complete/",
        maintenances.complete,
        name="complete_maintenance",
    ),
    path("maintenances/<slug:maintenance>/cancel/", maintenances.cancel, name="cancel_maintenance"),
    path("components/", components.component_list, name="components"),
    path("components/<slug:component>/status/", components.set_status, name="component_status"),
    path("templates/", templates.template_list, name="templates"),
    path("templates/new/", templates.template_new, name="template_new"),
    path("templates/<int:template>/edit/", templates.template_edit, name="template_edit"),
    path("templates/<int:template>/delete/", templates.template_delete, name="template_delete"),
    path("audit/", audit.audit_log, name="audit"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:event>/retry/", outbox.retry, name="retry_event"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_new, name="user_new"),
    path("users/<int:user>/role/", users.user_role, name="user_role"),
    path("users/<int:user>/reset-2fa/", users.user_reset_2fa, name="user_reset_2fa"),
    path("account/", account.account, name="account"),
    path("account/2fa/start/", account.start_2fa, name="start_2fa"),
    path("account/2fa/confirm/", account.confirm_2fa, name="confirm_2fa"),
    path("account/2fa/disable/", account.disable_2fa, name="disable_2fa"),
    path("account/password/", account.password, name="password"),
    path("account/language/", account.language, name="language"),
    path("settings/", settings.page_settings, name="settings"),
]
