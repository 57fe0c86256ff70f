"""One file with everything: ``aviso backup FILE`` and ``aviso restore FILE``.

The file is gzip'd JSON Lines: a header line (format, version, the engine it
came from, the applied migrations), then one Django-serialized object per
line, models in dependency order. Primary keys are kept, so every reference
between rows survives; content types and permissions are referred to by
natural key, because ``migrate`` creates them afresh with other ids on the
target. Sessions are left out: they are logins, not data.

Restore runs ``migrate`` on the target (an empty schema is fine), refuses a
database that already holds data or a different set of migrations, loads
everything in one transaction, checks every reference, and resets the
primary-key sequences (PostgreSQL) so new rows do not collide. What the backup
had not yet announced stays unannounced: a restore alerts nobody.

Sealed secrets stay sealed in the file, and the file is created readable by
its owner only (0600). The header carries a value sealed with the key in use,
so restoring with another ``AVISO_ENCRYPTION_KEY`` (or secret key) is refused
in one line before anything is written.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from aviso.lib.sealed import SealedError
from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery
from aviso.status.models import Event
from aviso.status.sealing import first_sealed, keyring

log = logging.getLogger(__name__)

FORMAT = "aviso-backup"
VERSION = 1
# Recreated by migrate (other ids on the target), or transient.
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# Sealed into the header with the key in use, opened again on restore.
KEY_CHECK = "aviso-backup-key-check"
WRONG_KEY = (
    "the backup was sealed with another encryption key: set AVISO_ENCRYPTION_KEY "
    "(or AVISO_SECRET_KEY) to the one in use when it was made, or list that key after yours"
)


class BackupError(Exception):
    """The backup cannot be restored here; nothing was changed."""


def backed_up_models() -> list:
    app_list = {config: None for config in apps.get_app_configs() if config.models_module}
    ordered = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    return [m for m in ordered if m._meta.label_lower not in EXCLUDED and m._meta.managed]


def _migrations(using: str) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    applied: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _rows(model, using: str) -> Iterator:
    return model._default_manager.using(using).order_by(model._meta.pk.name).iterator(2000)


def count_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {m._meta.label: m._default_manager.using(using).count() for m in backed_up_models()}


def _private_file(path: Path | str) -> IO[bytes]:
    """Open ``path`` for writing, readable by its owner only, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    return os.fdopen(fd, "wb")


def backup(path: Path | str, *, using: str = DEFAULT_DB_ALIAS, progress=None) -> int:
    """Write everything to ``path``; returns the number of objects written."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    models = backed_up_models()
    written = 0
    # One read transaction, so the file is a consistent picture of one moment.
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            # Read committed would let rows committed mid-backup into later tables.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        counts = {m: m._default_manager.using(using).count() for m in models}
        if progress is not None:
            progress.total = sum(counts.values())
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "migrations": _migrations(using),
            "counts": {m._meta.label: n for m, n in counts.items()},
            "key_check": keyring().seal(KEY_CHECK),
        }
        with (
            _private_file(path) as raw,
            gzip.open(raw, "wt", encoding="utf-8") as out,
        ):
            out.write(json.dumps(header) + "\n")
            for model in models:
                for obj in _rows(model, using):
                    (data,) = serializers.serialize(
                        "python",
                        [obj],
                        use_natural_foreign_keys=True,
                        use_natural_primary_keys=False,
                    )
                    out.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
                    written += 1
                    if progress is not None:
                        progress.advance(1, model._meta.label)
    return written


def read_header(stream: IO[str]) -> dict:
    try:
        header = json.loads(stream.readline())
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("not an Aviso backup (made by `aviso backup`)")
    if header.get("version") != VERSION:
        raise BackupError(f"backup format version {header.get('version')} is not supported")
    return header


def _lines(stream: IO[str]) -> Iterator[str]:
    try:
        yield from stream
    except (OSError, EOFError) as exc:
        raise BackupError(f"the backup is damaged: {exc}") from None


# Rows that migrations themselves create (the console's role groups): an empty
# database already has them, and the backup's copies replace them on restore.
MIGRATION_SEEDED = {"auth.Group"}


def _check_key(header: dict) -> None:
    """The keys configured here must open the backup's sealed secrets."""
    check = header.get("key_check")
    try:
        if check is not None and keyring().unseal(check) != KEY_CHECK:
            raise SealedError(check)
    except SealedError:
        raise BackupError(WRONG_KEY) from None


def _check_target(header: dict, using: str) -> None:
    mine = _migrations(using)
    theirs = header["migrations"]
    differ = sorted(
        app for app in set(mine) | set(theirs) if set(mine.get(app, [])) != set(theirs.get(app, []))
    )
    if differ:
        raise BackupError(
            "the backup was made with other migrations than this database has "
            f"(apps: {', '.join(differ)}); restore with the Aviso version that made it"
        )
    full = {
        label: n for label, n in count_rows(using).items() if n and label not in MIGRATION_SEEDED
    }
    if full:
        listed = ", ".join(f"{label} ({n})" for label, n in sorted(full.items()))
        raise BackupError(f"restore needs an empty database; this one holds rows: {listed}")


def restore(
    path: Path | str, *, using: str = DEFAULT_DB_ALIAS, progress=None, migrate: bool = True
) -> int:
    """Load a backup into an empty database; returns the number of objects loaded."""
    try:
        stream = gzip.open(path, "rt", encoding="utf-8")
        header = read_header(stream)
    except (OSError, EOFError) as exc:
        raise BackupError(f"cannot read the backup: {exc}") from None
    _check_key(header)
    if migrate:
        call_command("migrate", database=using, verbosity=0, interactive=False)
    _check_target(header, using)
    if progress is not None:
        progress.total = sum(header.get("counts", {}).values())
    connection = connections[using]
    loaded = 0
    models = set()
    with stream, transaction.atomic(using=using):
        for label in MIGRATION_SEEDED:
            apps.get_model(label).objects.using(using).all().delete()
        with connection.constraint_checks_disabled():
            deferred = []
            for line in _lines(stream):
                try:
                    data = json.loads(line)
                    (obj,) = serializers.deserialize(
                        "python", [data], using=using, handle_forward_references=True
                    )
                except Exception as exc:
                    raise BackupError(f"object {loaded + 1} cannot be read: {exc}") from None
                obj.save(using=using)
                if obj.deferred_fields:
                    deferred.append(obj)
                models.add(type(obj.object))
                loaded += 1
                if progress is not None:
                    progress.advance(1, type(obj.object)._meta.label)
            for obj in deferred:
                obj.save_deferred_fields(using=using)
            expected = sum(header.get("counts", {}).values())
            if loaded != expected:
                # A file cut short (a copy interrupted) must not pass as a restore.
                raise BackupError(f"the backup is incomplete: {loaded} of {expected} objects")
        connection.check_constraints(table_names=[m._meta.db_table for m in models])
        # A backup without the header's check (an older one): its own secrets tell.
        sample = first_sealed(using)
        if sample is not None and not keyring().opens(sample):
            raise BackupError(WRONG_KEY)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)
        _quiet_the_past(using)
    return loaded


def _quiet_the_past(using: str) -> None:
    """What the backup still owed the world is history by now: never announced again.

    Events the old instance had not handled are marked historical (the worker
    re-renders pages for them but alerts nobody), and deliveries it had not
    sent are skipped, so a restore never mails subscribers or pages operators
    about an incident that may be days old.
    """
    Event.objects.using(using).filter(handled_at__isnull=True).update(historical=True)
    skipped = Delivery.objects.using(using).filter(state=DeliveryState.PENDING).update(
        state=DeliveryState.SKIPPED, last_error="restored from a backup: not sent again",
        claimed_by="", claimed_until=None,
    )  # fmt: skip
    if skipped:
        log.info("restore: %s unsent deliveries from the backup were skipped", skipped)
