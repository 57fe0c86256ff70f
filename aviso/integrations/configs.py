"""Each integration kind's settings: one pydantic model per kind, errors per field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aviso.integrations.choices import FiringStatus, IntegrationKind

_NAME = Field(default="component", min_length=1, max_length=100)


class _Conf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firing_status: FiringStatus = FiringStatus.MAJOR_OUTAGE
    # Alertmanager and Grafana wait their rule's ``for:`` already: one message is enough.
    confirmations: int = Field(default=1, ge=1, le=20)


class AlertsConf(_Conf):
    """Alertmanager and Grafana: which label names the component (its code or name)."""

    component_label: str = _NAME


class WebhookConf(_Conf):
    """Any JSON: dotted paths to the component and the state, and the words for each state.

    ``items_field`` names a list of such objects in the body ("" = the body is one).
    """

    items_field: str = Field(default="", max_length=100)
    component_field: str = _NAME
    state_field: str = Field(default="state", min_length=1, max_length=100)
    key_field: str = Field(default="", max_length=100)  # "" = one alert per component
    firing_values: list[str] = Field(
        default=["down", "firing", "alerting", "critical", "major_outage", "partial_outage"],
        min_length=1,
    )
    resolved_values: list[str] = Field(
        default=["up", "ok", "resolved", "operational"], min_length=1
    )

    @field_validator("firing_values", "resolved_values")
    @classmethod
    def _lowered(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().lower() for v in values if v.strip()]
        if not cleaned:
            raise ValueError("name at least one value")
        return cleaned


class EmailConf(_Conf):
    """A mail whose subject holds one of the words sets its component down or up."""

    down_words: list[str] = Field(default=["DOWN"], min_length=1)
    up_words: list[str] = Field(default=["UP"], min_length=1)

    @field_validator("down_words", "up_words")
    @classmethod
    def _upper(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().upper() for v in values if v.strip()]
        if not cleaned:
            raise ValueError("name at least one word")
        return cleaned


class SlackConf(BaseModel):
    """The Slack app: its team and who in Slack is who in Aviso (Slack user id -> username)."""

    model_config = ConfigDict(extra="forbid")

    team_id: str = Field(default="", max_length=32)
    users: dict[str, str] = Field(default_factory=dict)
    # The bot token (xoxb-...) that opens modals; stored sealed, shown as "[sealed]".
    bot_token: str = Field(default="", max_length=1000)

    @field_validator("users")
    @classmethod
    def _slack_ids(cls, users: dict[str, str]) -> dict[str, str]:
        for slack_id, username in users.items():
            if not slack_id.isalnum() or not slack_id[:1].isupper() or not str(username).strip():
                raise ValueError(f"{slack_id!r:.40}: a Slack user id (U0123ABC) and a username")
        return {k: str(v).strip() for k, v in users.items()}


CONFIGS: dict[str, type[BaseModel]] = {
    IntegrationKind.ALERTMANAGER: AlertsConf,
    IntegrationKind.GRAFANA: AlertsConf,
    IntegrationKind.WEBHOOK: WebhookConf,
    IntegrationKind.EMAIL: EmailConf,
    IntegrationKind.SLACK: SlackConf,
}


class ConfigError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_config(kind: str, data: object) -> BaseModel:
    """The kind's settings, or ``ConfigError`` with a message per ``config.<field>``."""
    model = CONFIGS[kind]
    if not isinstance(data, dict):
        raise ConfigError({"config": "An object of settings."})
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = {}
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
            errors.setdefault(f"config.{where}" if where else "config", item["msg"])
        raise ConfigError(errors) from None
