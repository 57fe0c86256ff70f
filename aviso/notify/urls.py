from django.urls import path

from aviso.notify import views

app_name = "notify"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/confirm", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe"),
]
