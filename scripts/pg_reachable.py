"""Exit 0 when the PostgreSQL at the given URL accepts a connection."""

import sys
from urllib.parse import urlsplit

try:
    import psycopg
except ImportError:
    sys.exit(1)

url = urlsplit(sys.argv[1])
try:
    psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname=url.path.lstrip("/") or "postgres",
        connect_timeout=3,
    ).close()
except Exception:
    sys.exit(1)
