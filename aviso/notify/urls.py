from django.urls import path

from aviso.notify import console, views

app_name = "notify"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("subscribe/webhooks", views.webhook_docs, name="webhook-docs"),
    path("subscribe/sms/confirm", views.sms_confirm, name="sms-confirm"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/confirm", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe"),
    path("console/notify/channels/", console.channels, name="console-channels"),
    path("console/notify/channels/<slug:code>/", console.channels, name="console-channel"),
    path("console/notify/channels/<slug:code>/test", console.channel_test, name="console-test"),
    path(
        "console/notify/channels/<slug:code>/delete",
        console.channel_delete,
        name="console-channel-delete",
    ),
    path("console/notify/subscribers/", console.subscribers, name="console-subscribers"),
    path(
        "console/notify/subscribers/<slug:code>/remove",
        console.subscriber_remove,
        name="console-subscriber-remove",
    ),
    path("console/notify/deliveries/", console.deliveries, name="console-deliveries"),
    path(
        "console/notify/deliveries/<int:pk>/retry",
        console.delivery_retry,
        name="console-retry",
    ),
]
