from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "aviso.demo"
    label = "demo"

    def ready(self) -> None:
        from aviso.demo.start import start_live_demo
        from aviso.status.demo_hooks import register_demo_hook

        # ``aviso up --demo`` starts the synthetic services and aims the monitors at them.
        register_demo_hook(start_live_demo)
