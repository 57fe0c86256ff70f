"""Seal what was stored in the clear: channel URLs and secrets, webhook signing secrets."""

from django.db import migrations, models

import aviso.notify.models


def seal_existing(apps, schema_editor):
    from aviso.lib.sealed import is_sealed, seal_paths
    from aviso.notify.channels import secret_paths
    from aviso.status.sealing import keyring

    ring = keyring()
    for channel in apps.get_model("notify", "Channel").objects.all():
        sealed = seal_paths(ring, channel.config, secret_paths(channel.kind, channel.config))
        if sealed != channel.config:
            channel.config = sealed
            channel.save(update_fields=["config"])
    Subscriber = apps.get_model("notify", "Subscriber")
    for subscriber in Subscriber.objects.only("id", "secret"):
        if not is_sealed(subscriber.secret):
            Subscriber.objects.filter(pk=subscriber.pk).update(secret=ring.seal(subscriber.secret))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="subscriber",
            name="secret",
            field=models.CharField(
                default=aviso.notify.models.new_sealed_secret, editable=False, max_length=300
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=True),
    ]
