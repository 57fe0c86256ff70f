import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
django_application = get_wsgi_application()

# Public pages and JSON come from snapshots before Django is reached (aviso/publish/wsgi.py).
from aviso.publish.wsgi import SnapshotApp  # noqa: E402
from aviso.security import snapshot_headers  # noqa: E402

application = SnapshotApp(django_application, headers=snapshot_headers())
