from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from aviso.config.backup import BackupError, backed_up_models, backup, count_rows, restore
from aviso.config.tests.pages import public_pages
from aviso.demo.loader import load_demo
from aviso.lib.progress import Progress
from aviso.testing import make_user

ROOT = Path(__file__).resolve().parents[3]


def _empty_database() -> None:
    for model in reversed(backed_up_models()):
        model._default_manager.all().delete()


@pytest.mark.django_db
class TestBackup:
    def test_it_restores_everything_into_an_empty_database(self, tmp_path, client):
        load_demo()
        make_user("alice", superuser=True)
        before_pages, before_rows = public_pages(client), count_rows()
        path = tmp_path / "b.jsonl.gz"
        assert backup(path) == sum(before_rows.values())
        _empty_database()
        assert not any(count_rows().values())
        assert restore(path, migrate=False) == sum(before_rows.values())
        assert count_rows() == before_rows
        assert public_pages(client) == before_pages
        assert client.login(username="alice", password="pw-Secret-123")

    def test_it_refuses_a_database_that_holds_data(self, tmp_path):
        load_demo()
        path = tmp_path / "b.jsonl.gz"
        backup(path)
        rows = count_rows()
        with pytest.raises(BackupError, match="restore needs an empty database"):
            restore(path, migrate=False)
        assert count_rows() == rows

    def test_it_refuses_a_file_cut_short_and_restores_nothing(self, tmp_path):
        load_demo()
        path = tmp_path / "b.jsonl.gz"
        backup(path)
        lines = gzip.open(path, "rt").read().splitlines(keepends=True)
        with gzip.open(path, "wt") as out:
            out.writelines(lines[: len(lines) // 2])
        _empty_database()
        with pytest.raises(BackupError, match="incomplete"):
            restore(path, migrate=False)
        assert not any(count_rows().values())

    def test_it_refuses_a_file_that_is_not_a_backup(self, tmp_path):
        path = tmp_path / "x.gz"
        with gzip.open(path, "wt") as out:
            out.write('{"hello": 1}\n')
        with pytest.raises(BackupError, match="not an Aviso backup"):
            restore(path, migrate=False)
        (tmp_path / "plain").write_text("hello")
        with pytest.raises(BackupError, match="cannot read"):
            restore(tmp_path / "plain", migrate=False)

    def test_it_refuses_other_migrations(self, tmp_path):
        path = tmp_path / "b.jsonl.gz"
        backup(path)
        lines = gzip.open(path, "rt").read().splitlines(keepends=True)
        header = json.loads(lines[0])
        header["migrations"]["status"].append("9999_from_the_future")
        with gzip.open(path, "wt") as out:
            out.writelines([json.dumps(header) + "\n", *lines[1:]])
        with pytest.raises(BackupError, match="other migrations.*status"):
            restore(path, migrate=False)

    def test_it_reports_progress_as_plain_lines_off_a_terminal(self, tmp_path):
        import io

        load_demo()
        stream = io.StringIO()
        with Progress(0, "backup", stream=stream) as progress:
            count = backup(tmp_path / "b.jsonl.gz", progress=progress)
        lines = stream.getvalue().splitlines()
        assert lines[-1] == f"backup: {count}/{count} (100%)"
        assert len(lines) <= 12 and "\r" not in stream.getvalue()


def _pg_settings() -> dict | None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    return db


def _run(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.postgres
class TestBackupAcrossEngines:
    def test_it_moves_from_sqlite_to_postgresql_and_back(self, tmp_path):
        db = _pg_settings()
        if db is None:
            pytest.skip("the test database is SQLite; this test runs in the PostgreSQL pass")
        psycopg = pytest.importorskip("psycopg")
        conninfo = dict(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"])
        name = f"aviso_restore_{os.getpid()}"
        try:
            admin = psycopg.connect(
                dbname="postgres", autocommit=True, connect_timeout=3, **conninfo
            )
        except psycopg.OperationalError as exc:
            pytest.skip(f"PostgreSQL unreachable: {exc}")
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        base = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
        base["DJANGO_SETTINGS_MODULE"] = "aviso.settings"
        # One installation moving: its secrets were sealed with one key, so every
        # copy gets it (each data dir would otherwise generate its own secret key).
        base["AVISO_ENCRYPTION_KEY"] = "the-installation-key-that-moves-along"
        sqlite_a = base | {"AVISO_DATA_DIR": str(tmp_path / "a"), "AVISO_DATABASE_URL": ""}
        sqlite_c = base | {"AVISO_DATA_DIR": str(tmp_path / "c"), "AVISO_DATABASE_URL": ""}
        pg_url = f"postgres://{db['USER']}@{db['HOST']}:{conninfo['port']}/{name}"
        pg = base | {"AVISO_DATA_DIR": str(tmp_path / "b"), "AVISO_DATABASE_URL": pg_url}
        try:
            _run(sqlite_a, "aviso", "manage", "migrate", "-v0")
            _run(sqlite_a, "aviso", "demo")
            pages_sqlite = json.loads(_run(sqlite_a, "aviso.config.tests.pages"))
            _run(sqlite_a, "aviso", "backup", str(tmp_path / "from-sqlite.jsonl.gz"))

            _run(pg, "aviso", "restore", str(tmp_path / "from-sqlite.jsonl.gz"))
            pages_pg = json.loads(_run(pg, "aviso.config.tests.pages"))
            _run(pg, "aviso", "backup", str(tmp_path / "from-pg.jsonl.gz"))

            _run(sqlite_c, "aviso", "restore", str(tmp_path / "from-pg.jsonl.gz"))
            pages_back = json.loads(_run(sqlite_c, "aviso.config.tests.pages"))

            # New rows after a restore get fresh ids (the sequences were reset).
            more = (ROOT / "examples" / "demo.yaml").read_text() + (
                "    components:\n      - name: Status of the status page\n"
            )
            (tmp_path / "more.yaml").write_text(more)
            assert "Plan: 1 to create" in _run(pg, "aviso", "apply", str(tmp_path / "more.yaml"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
        assert len(pages_sqlite) >= 8
        assert any("Workflow Intermittency" in body for body in pages_sqlite.values())
        assert pages_pg == pages_sqlite
        assert pages_back == pages_sqlite
