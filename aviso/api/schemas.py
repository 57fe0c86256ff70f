"""Request and response shapes of the management API (v1).

Inputs forbid unknown fields and bound every size, so bad input is answered
422 with a message per field before anything reaches the lifecycle.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from aviso.lib.bounds import When
from aviso.status.choices import ComponentStatus, IncidentImpact, IncidentStatus
from aviso.status.lifecycle.validation import MAX_BODY_CHARS


def _clean_str(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Contains a NUL character.")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("Not valid Unicode text.") from None
    return value


Text = Annotated[str, AfterValidator(_clean_str)]
Name = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_clean_str)]
Body = Annotated[str, Field(max_length=MAX_BODY_CHARS), AfterValidator(_clean_str)]
# The text in the page's other languages; ``body`` is in its first language.
Bodies = Annotated[
    dict[Annotated[str, Field(max_length=8)], Body],
    Field(
        max_length=10,
        description="The text in the page's other languages: {language code: Markdown}. "
        "``body`` is the page's first language; readers of a language left out get ``body``.",
    ),
]
Short = Annotated[str, Field(max_length=5000), AfterValidator(_clean_str)]
Code = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_clean_str)]
Url = Annotated[str, Field(max_length=200, pattern=r"^(https?://[^\s]+)?$")]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
# A host name; checked in full (labels, no scheme or port) by the lifecycle.
Domain = Annotated[str, Field(max_length=253, pattern=r"^[-.a-zA-Z0-9]*$")]
Accent = Annotated[
    str, Field(max_length=7, pattern=r"^(#[0-9a-fA-F]{6})?$", description="#rrggbb, or empty")
]
Css = Annotated[
    str,
    Field(max_length=20_000, description="No @import, no url() to other hosts"),
    AfterValidator(_clean_str),
]


class HeaderLink(Schema):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_clean_str)]
    url: Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_clean_str)]


# Who may sign in to a private page by email link: domains, or whole addresses.
Viewers = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=254), AfterValidator(_clean_str)]],
    Field(max_length=500),
]
Secret = Annotated[
    str,
    Field(max_length=500, description="Write-only: sealed at rest, never shown again"),
    AfterValidator(_clean_str),
]
HeaderLinks = Annotated[list[HeaderLink], Field(max_length=5)]
Zone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean_str)]
Position = Annotated[int, Field(ge=0, le=100_000)]
Version = Annotated[int, Field(ge=1, le=2_000_000_000)]
Day = Annotated[dt.date, Field(ge=dt.date(1970, 1, 1), le=dt.date(9000, 1, 1))]
ComponentStatuses = Annotated[dict[Code, ComponentStatus], Field(max_length=500)]
Codes = Annotated[list[Code], Field(max_length=500)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# Pages


class PageIn(Input):
    name: Name
    slug: Slug | None = None
    time_zone: Zone = "UTC"
    languages: Annotated[list[Annotated[str, Field(max_length=8)]], Field(max_length=10)] = []
    url: Url = ""
    domain: Domain = ""
    private: bool = Field(False, description="Only signed-in people may read the page")
    viewer_domains: Viewers = []
    viewer_emails: Viewers = []
    oidc_issuer: Url = ""
    oidc_client_id: Annotated[str, Field(max_length=255), AfterValidator(_clean_str)] = ""
    oidc_client_secret: Secret = ""
    accent_color: Accent = ""
    header_links: HeaderLinks = []
    footer_text: Annotated[str, Field(max_length=500), AfterValidator(_clean_str)] = ""
    custom_css: Css = ""
    description: Short = ""
    support_url: Url = ""
    position: Position = 0


class PagePatch(Input):
    name: Name | None = None
    slug: Slug | None = None
    time_zone: Zone | None = None
    languages: Annotated[list[Annotated[str, Field(max_length=8)]], Field(max_length=10)] | None = (
        None
    )
    url: Url | None = None
    domain: Domain | None = None
    private: bool | None = None
    viewer_domains: Viewers | None = None
    viewer_emails: Viewers | None = None
    oidc_issuer: Url | None = None
    oidc_client_id: Annotated[str, Field(max_length=255), AfterValidator(_clean_str)] | None = None
    oidc_client_secret: Secret | None = None
    accent_color: Accent | None = None
    header_links: HeaderLinks | None = None
    footer_text: Annotated[str, Field(max_length=500), AfterValidator(_clean_str)] | None = None
    custom_css: Css | None = None
    description: Short | None = None
    support_url: Url | None = None
    position: Position | None = None


class PageOut(Schema):
    code: str
    name: str
    slug: str
    time_zone: str
    languages: list[str]
    url: str
    domain: str
    private: bool
    viewer_domains: list[str]
    viewer_emails: list[str]
    oidc_issuer: str
    oidc_client_id: str
    has_oidc_secret: bool
    accent_color: str
    header_links: list[dict]
    footer_text: str
    custom_css: str
    has_logo: bool
    has_favicon: bool

    @staticmethod
    def resolve_has_oidc_secret(obj) -> bool:
        return bool(obj.oidc_client_secret)

    @staticmethod
    def resolve_has_logo(obj) -> bool:
        return bool(obj.logo)

    @staticmethod
    def resolve_has_favicon(obj) -> bool:
        return bool(obj.favicon)

    description: str
    support_url: str
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime


# Audiences of a private page


class ClaimRule(Schema):
    model_config = ConfigDict(extra="forbid")

    claim: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:/-]+$")]
    value: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_str)]


class AudienceIn(Input):
    name: Name
    email_domains: Viewers = []
    emails: Viewers = []
    claims: Annotated[list[ClaimRule], Field(max_length=20)] = Field(
        [],
        description="Readers signed in by single sign-on whose ID token has a claim: a list "
        "claim (groups) containing the value, or another claim (org) equal to it",
    )
    components: Codes = Field([], description="Codes of components this page shows")


class AudienceOut(Schema):
    code: str
    name: str
    email_domains: list[str]
    emails: list[str]
    claims: list[dict]
    components: list[str]

    @staticmethod
    def resolve_components(obj) -> list[str]:
        return sorted(c.code for c in obj.components.all())


# Viewer tokens of a private page


class ViewerTokenIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_clean_str)]
    audience: Code | None = Field(
        None, description="An audience's code: the token sees what it sees (else all)."
    )


class ViewerTokenOut(Schema):
    code: str
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    audience: str | None
    created_at: dt.datetime
    created_by: str
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_audience(obj) -> str | None:
        return obj.audience.code if obj.audience_id else None


class ViewerTokenCreated(ViewerTokenOut):
    token: str = Field(description="The token itself: shown this once, never stored")


# Components placed on other pages


class PlacementIn(Input):
    component: Code = Field(description="The component's code (it belongs to another page).")
    group: Code | None = Field(None, description="A group of this page: its code or name.")
    position: Position = 0


class PlacementOut(Schema):
    component: str
    name: str
    status: str
    home_page: str
    group: str | None
    position: int

    @staticmethod
    def resolve_component(obj) -> str:
        return obj.component.code

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.component.name

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.component.status

    @staticmethod
    def resolve_home_page(obj) -> str:
        return obj.component.page.slug

    @staticmethod
    def resolve_group(obj) -> str | None:
        return obj.group.code if obj.group_id else None


# Component groups and components


class GroupIn(Input):
    name: Name
    description: Short = ""
    position: Position = 0
    collapsed: bool = False


class GroupPatch(Input):
    name: Name | None = None
    description: Short | None = None
    position: Position | None = None
    collapsed: bool | None = None


class GroupOut(Schema):
    code: str
    name: str
    description: str
    position: int
    collapsed: bool
    components: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_components(obj) -> list[str]:
        return [c.code for c in obj.components.all()]


class ComponentIn(Input):
    name: Name
    description: Short = ""
    group: Code | None = Field(None, description="The group's code or name.")
    position: Position = 0
    status: ComponentStatus = ComponentStatus.OPERATIONAL
    showcase: bool = True
    only_show_if_degraded: bool = False
    start_date: Day | None = None
    auto_open: bool = True
    auto_resolve: bool = True
    show_response_times: bool = False


class ComponentPatch(Input):
    name: Name | None = None
    description: Short | None = None
    group: Code | None = Field(None, description="The group's code or name; null to ungroup.")
    position: Position | None = None
    status: ComponentStatus | None = Field(
        None, description="Changing only the status needs a write token; the rest, admin."
    )
    showcase: bool | None = None
    only_show_if_degraded: bool | None = None
    start_date: Day | None = None
    auto_open: bool | None = None
    auto_resolve: bool | None = None
    show_response_times: bool | None = None


class ComponentOut(Schema):
    code: str
    name: str
    description: str
    group: str | None
    position: int
    status: str
    showcase: bool
    only_show_if_degraded: bool
    start_date: dt.date | None
    auto_open: bool
    auto_resolve: bool
    show_response_times: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_group(obj) -> str | None:
        return obj.group.code if obj.group_id else None


# Incidents, their updates and postmortems


class IncidentIn(Input):
    name: Name
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    body: Body = ""
    bodies: Bodies = {}
    impact: IncidentImpact | None = Field(
        None, description="Leave out to derive it from the components' statuses."
    )
    components: ComponentStatuses = Field(
        {}, description="Affected components: {component code: status}."
    )
    started_at: When | None = None
    display_at: When | None = None
    notify: bool = True


class UpdateIn(Input):
    status: IncidentStatus
    body: Body = ""
    bodies: Bodies = {}
    impact: IncidentImpact | None = None
    components: ComponentStatuses = {}
    display_at: When | None = None
    notify: bool = True
    expected_version: Version | None = Field(
        None, description="The incident's version you read; a newer one answers 409."
    )


class UpdateEdit(Input):
    body: Body
    bodies: Bodies | None = Field(None, description="Leave out to keep the other languages.")
    display_at: When | None = None


class UpdateOut(Schema):
    code: str
    status: str
    body: str
    bodies: dict[str, str]
    display_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    deliver_notifications: bool
    affected_components: list[dict[str, Any]] | None
    actor_label: str


class AffectedOut(Schema):
    code: str
    name: str
    status: str


class PostmortemIn(Input):
    body: Body
    notify: bool = True


class PostmortemOut(Schema):
    body: str
    published_at: dt.datetime | None
    notify_subscribers: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class IncidentOut(Schema):
    code: str
    name: str
    status: str
    impact: str
    started_at: dt.datetime
    monitoring_at: dt.datetime | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    components: list[AffectedOut]
    updates: list[UpdateOut]
    postmortem: PostmortemOut | None

    @staticmethod
    def resolve_components(obj) -> list[dict]:
        return [
            {"code": a.component.code, "name": a.component.name, "status": a.status}
            for a in obj.affected.all()
        ]

    @staticmethod
    def resolve_updates(obj) -> list:
        return list(obj.updates.all())

    @staticmethod
    def resolve_postmortem(obj):
        return getattr(obj, "postmortem", None)


# Maintenances


class MaintenanceIn(Input):
    name: Name
    scheduled_for: When
    scheduled_until: When
    body: Body = ""
    bodies: Bodies = {}
    components: Codes = []
    auto_start: bool = True
    auto_complete: bool = True
    notify: bool = True


class MaintenancePatch(Input):
    name: Name | None = None
    scheduled_for: When | None = None
    scheduled_until: When | None = None
    components: Codes | None = None
    auto_start: bool | None = None
    auto_complete: bool | None = None
    expected_version: Version | None = None


class MaintenanceUpdateIn(Input):
    status: Literal["in_progress", "verifying", "completed", "cancelled"]
    body: Body = ""
    bodies: Bodies = {}
    notify: bool = True
    expected_version: Version | None = None


class MaintenanceUpdateOut(Schema):
    code: str
    status: str
    body: str
    bodies: dict[str, str]
    display_at: dt.datetime
    created_at: dt.datetime
    deliver_notifications: bool


class MaintenanceOut(Schema):
    code: str
    name: str
    status: str
    scheduled_for: dt.datetime
    scheduled_until: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    auto_start: bool
    auto_complete: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    components: list[str]
    updates: list[MaintenanceUpdateOut]

    @staticmethod
    def resolve_components(obj) -> list[str]:
        return [c.code for c in obj.components.all()]

    @staticmethod
    def resolve_updates(obj) -> list:
        return list(obj.updates.all())
