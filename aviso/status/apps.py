from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "aviso.status"
    label = "status"
    verbose_name = "Status pages"

    def ready(self) -> None:
        from aviso.status import viewers, worker
        from aviso.status.scheduler import run_due_maintenances
        from aviso.status.sealing import register_sealed

        worker.register_job("maintenances", run_due_maintenances)
        worker.register_event_handler("status.viewer_links", viewers.send_link)
        register_sealed("status.Page", "oidc_client_secret")
