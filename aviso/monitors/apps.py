from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "aviso.monitors"
    label = "monitors"

    def ready(self) -> None:
        from aviso.monitors.rollups import retention_job, rollup_job
        from aviso.status.worker import register_job

        register_job("monitors.rollup", rollup_job)
        register_job("monitors.retention", retention_job)
