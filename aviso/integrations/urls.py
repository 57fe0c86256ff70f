from django.urls import path

from aviso.integrations import console, inbound, slack

app_name = "integrations"

urlpatterns = [
    path("integrations/<str:code>/alerts", inbound.receive, name="alerts"),
    path("integrations/<str:code>/alerts/<str:secret>", inbound.receive, name="alerts-secret"),
    path("integrations/<str:code>/slack", slack.receive, name="slack"),
    path("console/integrations/", console.integration_list, name="list"),
    path("console/integrations/new/", console.integration_create, name="create"),
    path("console/integrations/mirrors/new/", console.mirror_create, name="mirror-create"),
    path("console/integrations/mirrors/<int:pk>/resume/", console.mirror_resume,
         name="mirror-resume"),
    path("console/integrations/mirrors/<int:pk>/delete/", console.mirror_delete,
         name="mirror-delete"),
    path("console/integrations/<str:code>/", console.integration_detail, name="detail"),
    path("console/integrations/<str:code>/edit/", console.integration_edit, name="edit"),
    path("console/integrations/<str:code>/secret/", console.integration_secret, name="secret"),
    path("console/integrations/<str:code>/delete/", console.integration_delete, name="delete"),
]
