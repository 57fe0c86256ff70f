"""Settings for the test suite: a throwaway data dir and a non-UTC zone."""

import os
import tempfile

os.environ.setdefault("AVISO_DATA_DIR", tempfile.mkdtemp(prefix="aviso-test-"))

from aviso.settings import *  # noqa: E402,F403

# A zone far from UTC flushes out naive datetimes (STYLE 13).
TIME_ZONE = "Asia/Kathmandu"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
