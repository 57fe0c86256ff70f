from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "aviso.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from aviso.notify import fanout, reminders, sending
        from aviso.status import worker
        from aviso.status.sealing import register_sealed

        worker.register_event_handler("notify.fanout", fanout.handle_event)
        worker.register_job("notify.reminders", reminders.remind_maintenances)
        worker.register_job("notify.deliveries", sending.send_due, lane=sending.LANE)
        # Channel URLs and signing secrets, subscribers' signing secrets: sealed at rest.
        register_sealed("notify.Channel", "config")
        register_sealed("notify.Subscriber", "secret")
        # Slack and Teams subscribers' incoming-webhook URLs, SMS confirmation codes.
        register_sealed("notify.Subscriber", "target")
        register_sealed("notify.Subscriber", "sms_code")
