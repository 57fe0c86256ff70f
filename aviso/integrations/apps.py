from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "aviso.integrations"
    label = "integrations"

    def ready(self) -> None:
        from aviso.integrations import upstream
        from aviso.status.sealing import register_sealed
        from aviso.status.sources import register_component_source
        from aviso.status.worker import register_job

        # Per-integration secrets (webhook tokens, mail addresses, Slack signing secrets).
        register_sealed("integrations.Integration", "secret")
        register_sealed("integrations.Integration", "config")  # a Slack app's bot token
        # Vendors may take their timeout to answer: their own lane of the worker.
        register_job("integrations.upstream", upstream.poll_job, lane="upstream")
        # The public page says "status from <vendor>" beside a mirrored component.
        register_component_source(upstream.vendors_of)
