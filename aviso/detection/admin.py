from django.contrib import admin

from aviso.detection.models import Evidence, Heartbeat, Outage, Watch


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["monitor", "state", "confirmed", "flapping", "down_status"]
    list_editable = ["down_status"]


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["component", "status", "opened_at", "recovered_at", "closed_at", "incident"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["monitor_name", "state", "first_failure_at", "confirmed_at", "outage"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    # Delete the row of a process retired on purpose (otherwise it stays an alarm).
    list_display = ["name", "kind", "period_seconds", "last_seen_at", "stopped_at"]
