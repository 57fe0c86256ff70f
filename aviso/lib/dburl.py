"""Turn ``AVISO_DATABASE_URL`` into a Django ``DATABASES`` entry."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


class DatabaseUrlError(ValueError):
    pass


def parse_database_url(url: str, *, data_dir: Path) -> dict:
    """Return a Django database dict for a ``sqlite:///path`` or ``postgres://`` URL."""
    if not url:
        return sqlite_config(data_dir / "aviso.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as dj-database-url reads them
        raw_path = unquote(parts.path)[1:] if parts.path.startswith("/") else parts.path
        if not raw_path:
            raise DatabaseUrlError("AVISO_DATABASE_URL: a sqlite URL needs a file path")
        return sqlite_config(Path(raw_path))
    if parts.scheme in POSTGRES_SCHEMES:
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        conn_max_age = int(options.pop("conn_max_age", "60"))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "aviso",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise DatabaseUrlError(
        f"AVISO_DATABASE_URL: unsupported scheme {parts.scheme!r}; use sqlite:/// or postgres://"
    )


def sqlite_config(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers go on while the worker or checker writes; IMMEDIATE
            # transactions take the write lock up front instead of failing mid-way.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
    }
