from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "aviso.publish"
    label = "publish"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from aviso.publish import tasks
        from aviso.status import worker

        worker.register_event_handler("publish", tasks.mark_dirty)
        worker.register_job("publish", tasks.render_due, lane=tasks.LANE)
