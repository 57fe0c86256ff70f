"""The public pages and JSON of an instance, as text, to compare two instances.

Used in-process by the tests and as ``python -m aviso.config.tests.pages`` in a
subprocess pointed at another database (prints JSON {url: body}).
"""

from __future__ import annotations

import json
import re
import sys
from urllib.parse import urljoin

HISTORY_PAGES = 4  # the demo's notices are up to a few windows back from today
API_PATHS = [
    "/api/v2/summary.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/scheduled-maintenances.json",
]
_NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
# What differs by nature between two instances: the CSRF token of a form.
_VOLATILE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def public_pages(client) -> dict[str, str]:
    from aviso.status.models import Incident, Maintenance

    pages: dict[str, str] = {}

    def get(url: str) -> str:
        response = client.get(url)
        body = f"{response.status_code}\n" + response.content.decode()
        pages[url] = _VOLATILE.sub("", body)
        return body

    get("/")
    url = "/history"
    for _ in range(HISTORY_PAGES):
        match = _NEXT.search(get(url))
        if not match:
            break
        # Public links are relative (they work from a sub-path): resolve against the page.
        url = urljoin(url, match.group(1).replace("&amp;", "&"))
    for code in Incident.objects.order_by("started_at", "id").values_list("code", flat=True):
        get(f"/incidents/{code}")
    for code in Maintenance.objects.order_by("scheduled_for", "id").values_list("code", flat=True):
        get(f"/maintenances/{code}")
    for path in API_PATHS:
        get(path)
    return pages


def main() -> None:
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    json.dump(public_pages(Client()), sys.stdout)


if __name__ == "__main__":
    main()
