"""A throwaway PostgreSQL database with a small CONNECTION LIMIT, and the costly
long-running sessions that fill it (the June incident's load)."""

from __future__ import annotations

import os
import secrets
import threading

import psycopg

# A superuser on the server to saturate (it creates and drops the database and role).
ADMIN_DSN = os.environ.get(
    "AVISO_SCENARIO_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def pg_available(dsn: str | None = None) -> bool:
    try:
        psycopg.connect(dsn or ADMIN_DSN, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


class LimitedDatabase:
    """A database and a plain role of the same name (superusers ignore CONNECTION
    LIMIT, so the load and the monitor connect as the plain role)."""

    def __init__(self, limit: int, admin_dsn: str | None = None) -> None:
        self.limit = limit
        self.name = f"aviso_scenario_{secrets.token_hex(4)}"
        self.admin = psycopg.connect(admin_dsn or ADMIN_DSN, autocommit=True, connect_timeout=3)
        self.admin.execute(f'CREATE ROLE "{self.name}" LOGIN')
        self.admin.execute(f'GRANT pg_read_all_stats TO "{self.name}"')
        self.admin.execute(
            f'CREATE DATABASE "{self.name}" OWNER "{self.name}" CONNECTION LIMIT {limit}'
        )
        self.sessions: list[psycopg.Connection] = []
        self.threads: list[threading.Thread] = []

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port=5432 user={self.name} dbname={self.name} connect_timeout=3"

    def sleeper(self, seconds: float = 120) -> None:
        """One more session running ``pg_sleep``; raises psycopg.OperationalError when
        the database refuses the connection."""
        connection = psycopg.connect(self.dsn, autocommit=True)
        self.sessions.append(connection)

        def run() -> None:
            try:
                connection.execute("SELECT pg_sleep(%s)", [seconds])
            except psycopg.Error:
                pass  # terminated: what the remediation is for

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

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
