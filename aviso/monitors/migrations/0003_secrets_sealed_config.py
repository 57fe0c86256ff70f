"""Seal the credentials monitors stored in the clear (DSNs, passwords, auth headers)."""

from django.db import migrations


def seal_existing(apps, schema_editor):
    from aviso.lib.sealed import seal_paths
    from aviso.monitors.configs import secret_paths
    from aviso.status.sealing import keyring

    ring = keyring()
    for monitor in apps.get_model("monitors", "Monitor").objects.only("id", "kind", "config"):
        sealed = seal_paths(ring, monitor.config, secret_paths(monitor.kind, monitor.config))
        if sealed != monitor.config:
            monitor.config = sealed
            monitor.save(update_fields=["config"])


class Migration(migrations.Migration):
    dependencies = [("monitors", "0002_region_slots")]

    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=True)]
