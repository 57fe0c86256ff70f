from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from aviso.config.engine import json_schema


@require_safe
def config_schema(request: HttpRequest) -> JsonResponse:
    """The JSON Schema of ``aviso apply`` files, for editors to validate and complete."""
    response = JsonResponse(json_schema(), json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response
