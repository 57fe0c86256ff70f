"""Settings for the test suite: a throwaway data dir and a non-UTC zone."""

import os
import tempfile

# Each pytest-xdist worker gets a data dir of its own: the controller's would be
# inherited through the environment and shared (secret key, snapshots, SQLite files).
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    os.environ["AVISO_DATA_DIR"] = tempfile.mkdtemp(prefix=f"aviso-test-{_worker}-")
else:
    os.environ.setdefault("AVISO_DATA_DIR", tempfile.mkdtemp(prefix="aviso-test-"))

from aviso.settings import *  # noqa: E402,F403

# A zone far from UTC flushes out naive datetimes (STYLE 13).
TIME_ZONE = "Asia/Kathmandu"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
