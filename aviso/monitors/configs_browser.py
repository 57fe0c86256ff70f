"""Settings of the ``browser`` kind: a URL opened in a real Chromium, steps, expected text."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aviso.monitors.conf_base import Endpoint, _Conf, checked_url


class BrowserStep(BaseModel):
    """One action on the page: click or fill a CSS selector, press a key, wait for one."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["click", "fill", "press", "wait_for"]
    selector: str = Field(min_length=1, max_length=1000)
    value: str = Field(default="", max_length=10_000)  # what "fill" types, the key "press" hits

    @model_validator(mode="after")
    def _value(self) -> BrowserStep:
        if self.action in ("fill", "press") and not self.value:
            raise ValueError(f"{self.action} needs a value")
        return self


class BrowserConf(_Conf):
    url: str = Field(min_length=1)
    steps: list[BrowserStep] = Field(default_factory=list, max_length=20)
    expected_text: str = Field(default="", max_length=1000)  # on the page after the steps
    verify_tls: bool = True
    degraded_latency_ms: int | None = Field(default=None, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return checked_url(value, ("http", "https"))

    def endpoints(self) -> list[Endpoint]:
        parts = urlsplit(self.url)
        return [("url", parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))]
