"""Value types shared by section schemas: checked like the models check them."""

from __future__ import annotations

import zoneinfo
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from pydantic import AfterValidator, ConfigDict, Field

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

_url_validator = URLValidator(schemes=["http", "https"])


def _check_url(value: str) -> str:
    if value:
        try:
            _url_validator(value)
        except ValidationError:
            raise ValueError(f"{value!r} is not a valid http(s) URL") from None
    return value


def _check_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known IANA time zone") from None
    return value


HttpUrl = Annotated[
    str,
    AfterValidator(_check_url),
    Field(json_schema_extra={"pattern": "^(https?://.+)?$"}),
]
TimeZone = Annotated[
    str,
    AfterValidator(_check_zone),
    Field(json_schema_extra={"examples": ["UTC", "America/Guayaquil", "Europe/Madrid"]}),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
