"""Is the database set up? Asked by ``aviso VERB`` before the verb runs.

A data dir that was never set up has no tables: a verb that writes (``apply``,
``import``, ``createadmin``, ``demo``) sets it up by migrating first, as ``up``
and ``restore`` already do; any other verb stops with one line saying what to
run, instead of a traceback from the first query.
"""

from __future__ import annotations

# Verbs that set up a database themselves, or first, when it has no tables yet.
MIGRATE_FIRST = frozenset({"apply", "import", "createadmin", "demo"})
SETS_ITSELF_UP = frozenset({"up", "restore", "scenario"})


class NotReady(Exception):
    """The database cannot serve this verb; the message says what to run."""


def pending_migrations() -> int:
    """How many migrations the configured database still needs (it may have none yet)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def all_migrations_recorded() -> bool:
    """Whether every migration file of every installed app is recorded as applied.

    A read of ``django_migrations`` and a listing of the migrations folders, without
    loading the migration graph (importing every migration module): what a restart
    on a set-up data dir needs to know. False means "maybe": ask the full plan.
    """
    import importlib
    import pkgutil

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = set(recorder.applied_migrations())
    for config in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if not info.ispkg and not info.name.startswith(("_", "~")):
                if (config.label, info.name) not in applied:
                    return False
    return True


def ensure_ready(verb: str, args: list[str]) -> None:
    """Migrate for a verb that sets up, or raise ``NotReady`` naming what to run."""
    if verb in SETS_ITSELF_UP or "-h" in args or "--help" in args:
        return
    import django
    from django.core.management import call_command, get_commands
    from django.db import DatabaseError

    django.setup()
    if verb not in get_commands():
        return  # Django answers an unknown verb itself
    try:
        pending = 0 if all_migrations_recorded() else pending_migrations()
    except DatabaseError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NotReady(f"cannot reach the database ({reason}); check AVISO_DATABASE_URL") from exc
    if not pending:
        return
    if verb in MIGRATE_FIRST:
        call_command("migrate", interactive=False, verbosity=0)
        return
    raise NotReady(
        f"the database is not set up ({pending} migrations to apply); "
        "run `aviso up` or `aviso manage migrate` first"
    )
