"""The management API (v1): one NinjaAPI, one Router per resource.

Adding a resource from another app (subscribers, monitors): write a
``Router`` in that app's ``api.py`` whose paths start with ``/{page}/...``,
use ``aviso.api.auth.READ`` / ``WRITE`` / ``ADMIN`` as ``auth=``, answer with
``aviso.api.common.errors()`` documented, call the lifecycle with
``aviso.api.auth.actor(request)``, and mount it below with one line:

    api.add_router("/pages", "aviso.notify.api.router")

(docs/api.md has the whole checklist.)
"""

from __future__ import annotations

from ninja import NinjaAPI

from aviso.api import auth, errors
from aviso.api.routers import incidents, maintenances, pages


class AvisoAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Errors are documented as what they are: ``application/problem+json``."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        content[errors.PROBLEM] = content.pop("application/json")
        return schema


api = AvisoAPI(
    title="Aviso management API",
    version="1",
    description=(
        "Manage status pages, components, incidents, postmortems, maintenances and "
        "subscribers. "
        "Authenticate with `Authorization: Bearer <token>` (create one with "
        "`aviso token create --user NAME --scope read|write|admin`). Errors are "
        "`application/problem+json` with a message per field in `errors`."
    ),
    urls_namespace="api-v1",
    auth=auth.READ,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

api.add_router("/pages", pages.router)
api.add_router("/pages", incidents.router)
api.add_router("/pages", maintenances.router)
api.add_router("/pages", "aviso.notify.api.router")
