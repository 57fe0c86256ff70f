"""Helpers for tests that need the PostgreSQL at 127.0.0.1:5432 itself."""

from __future__ import annotations

import secrets
import threading

import pytest

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(ADMIN_DSN).close()
    except Exception:
        return False
    return True


requires_pg = pytest.mark.skipif(not pg_available(), reason="no PostgreSQL at 127.0.0.1:5432")


class LimitedDatabase:
    """A throwaway database with a small CONNECTION LIMIT, and sessions to fill it."""

    def __init__(self, limit: int):
        import psycopg

        # Superusers ignore CONNECTION LIMIT, so everything here connects as a
        # plain role, as a monitoring user would (with pg_read_all_stats).
        self.name = f"aviso_sat_{secrets.token_hex(4)}"
        self.admin = psycopg.connect(ADMIN_DSN, autocommit=True)
        self.admin.execute(f'CREATE ROLE "{self.name}" LOGIN')
        self.admin.execute(f'GRANT pg_read_all_stats TO "{self.name}"')
        self.admin.execute(
            f'CREATE DATABASE "{self.name}" OWNER "{self.name}" CONNECTION LIMIT {limit}'
        )
        self.sessions: list = []
        self.threads: list[threading.Thread] = []

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port=5432 user={self.name} dbname={self.name}"

    def connect(self):
        import psycopg

        connection = psycopg.connect(self.dsn, autocommit=True)
        self.sessions.append(connection)
        return connection

    def sleeper(self, seconds: float = 60) -> None:
        """One more session running ``pg_sleep`` (an active, long query)."""
        connection = self.connect()
        ready = threading.Event()

        def run():
            ready.set()
            try:
                connection.execute("SELECT pg_sleep(%s)", [seconds])
            except Exception:  # noqa: S110 - terminated at teardown, as intended
                pass

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ready.wait()
        self.threads.append(thread)

    def active_count(self) -> int:
        return self.admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active'",
            [self.name],
        ).fetchone()[0]

    def session_count(self) -> int:
        """Every session on the database, whatever its state."""
        return self.admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name]
        ).fetchone()[0]

    def drop(self) -> None:
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [self.name],
        )
        for thread in self.threads:
            thread.join(5)
        for connection in self.sessions:
            connection.close()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.execute(f'DROP ROLE IF EXISTS "{self.name}"')
        self.admin.close()
