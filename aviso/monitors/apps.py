from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "aviso.monitors"
    label = "monitors"

    def ready(self) -> None:
        from aviso.monitors.metrics import component_response_times
        from aviso.monitors.rollups import retention_job, rollup_job
        from aviso.monitors.uptime import page_monitor_uptime
        from aviso.status.sealing import register_sealed
        from aviso.status.uptime import register_uptime_source
        from aviso.status.worker import register_job

        # The public page's bars for monitored components come from roll-ups.
        register_uptime_source(page_monitor_uptime)
        # And the response-time charts of the components that opted in.
        from aviso.status.metrics import register_metrics_source

        register_metrics_source(component_response_times)
        # And the monthly uptime reports' measured share.
        from aviso.monitors.uptime import period_monitor_uptime
        from aviso.status.reports import register_period_source

        register_period_source(period_monitor_uptime)
        # Monitors in configuration files (aviso apply / aviso export).
        from aviso.config.sections import register_section
        from aviso.monitors.config_section import SECTION

        register_section(SECTION)
        # Long deletes and roll-ups of results: their own lane of the worker.
        register_job("monitors.rollup", rollup_job, lane="housekeeping")
        register_job("monitors.retention", retention_job, lane="housekeeping")
        # Credentials in monitor settings (DSNs, passwords, Authorization headers).
        register_sealed("monitors.Monitor", "config")
