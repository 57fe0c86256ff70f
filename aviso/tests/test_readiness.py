"""A restart on a set-up data dir knows there is nothing to migrate without the graph."""

from __future__ import annotations

import pytest
from django.db.migrations.recorder import MigrationRecorder

from aviso.readiness import all_migrations_recorded, pending_migrations

pytestmark = pytest.mark.django_db


class TestAllMigrationsRecorded:
    def test_it_says_yes_on_a_migrated_database(self):
        assert pending_migrations() == 0
        assert all_migrations_recorded()

    def test_it_says_no_when_one_migration_is_not_recorded(self):
        latest = MigrationRecorder.Migration.objects.filter(app="status").latest("id")
        latest.delete()
        assert not all_migrations_recorded()
        assert pending_migrations() >= 1  # the full plan agrees
