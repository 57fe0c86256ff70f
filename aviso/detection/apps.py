from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "aviso.detection"
    label = "detection"

    def ready(self) -> None:
        from aviso.detection import engine, liveness
        from aviso.detection.caused import incidents_caused_by
        from aviso.monitors import detection
        from aviso.monitors.caused import register_incident_source
        from aviso.status.timeline import register_timeline_source
        from aviso.status.worker import register_job

        detection.register(engine.on_observations)
        register_incident_source(incidents_caused_by)
        register_timeline_source("detection", engine.timeline_entries)
        register_job("detection.sweep", engine.sweep_job)
        register_job("detection.heartbeat", liveness.worker_job)
