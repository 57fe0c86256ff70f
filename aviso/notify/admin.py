from django.contrib import admin

from aviso.notify.models import Channel, Delivery, Subscriber


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "page", "enabled", "created_at"]
    list_filter = ["kind", "enabled"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["address", "kind", "page", "language", "confirmed_at", "unsubscribed_at"]
    list_filter = ["kind", "language"]
    search_fields = ["address"]
    raw_id_fields = ["components"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "transport", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "transport"]
    search_fields = ["key"]
    raw_id_fields = ["notice", "subscriber", "channel"]
