"""Console forms. They check shape only; the lifecycle checks meaning and says why."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aviso.console.roles import Role
from aviso.lib.languages import NATIVE_NAMES
from aviso.lib.languages import tag as language_tag
from aviso.status.automation import DEFAULT_TEXTS
from aviso.status.choices import ComponentStatus, IncidentImpact, IncidentStatus
from aviso.status.lifecycle import LifecycleError
from aviso.status.models import Component

COMPONENT_PREFIX = "component_"
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def add_lifecycle_errors(form: forms.Form, error: LifecycleError) -> None:
    """Put the lifecycle's per-field messages beside the fields that caused them."""
    for field, message in error.errors.items():
        target = field if field in form.fields else None
        if field == "name" and "title" in form.fields:
            target = "title"
        form.add_error(target, message)


def show_current_version(form: forms.Form, version: int) -> None:
    """After a conflict the form is drawn again with what was typed and the current
    version: the person reads the newer state above it and may then resubmit on purpose."""
    form.data = form.data.copy()
    form.data["version"] = str(version)


class ConsoleForm(forms.Form):
    """Labels without Django's trailing colon: they read as headings above the fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SignInForm(ConsoleForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class TokenForm(ConsoleForm):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ComponentStatusesMixin:
    """One select per component of the page: ``component_<code>``."""

    empty_label = _("Not affected")

    def add_component_fields(self, components: list[Component], initial: dict | None = None):
        initial = initial or {}
        self.components = components
        choices = [("", self.empty_label), *ComponentStatus.choices]
        for component in components:
            self.fields[COMPONENT_PREFIX + component.code] = forms.ChoiceField(
                label=component.display_name,
                choices=choices,
                required=False,
                initial=initial.get(component.code, ""),
            )
        # A component that vanished (or never was) since the form was drawn is an
        # error to show, not a field to drop silently.
        known = {COMPONENT_PREFIX + c.code for c in components}
        unknown = [
            key[len(COMPONENT_PREFIX) :]
            for key in getattr(self, "data", {})
            if key.startswith(COMPONENT_PREFIX) and key not in known
        ]
        if unknown:
            self.unknown_components = unknown

    def component_fields(self):
        return [self[COMPONENT_PREFIX + c.code] for c in self.components]

    def clean_components(self) -> dict[str, str]:
        unknown = getattr(self, "unknown_components", None)
        if unknown:
            raise forms.ValidationError(
                _("Unknown component: %(codes)s. Reload the page to see the current components.")
                % {"codes": ", ".join(sorted(unknown))}
            )
        return {
            c.code: self.cleaned_data[COMPONENT_PREFIX + c.code]
            for c in self.components
            if self.cleaned_data.get(COMPONENT_PREFIX + c.code)
        }


class TranslationsMixin:
    """A text field per page language beyond the first (``body`` is the first's).

    Left blank, readers of that language get ``body`` with a note saying so.
    """

    def add_translation_fields(self, languages: list[str], initial: dict | None = None) -> None:
        self.translation_languages = languages[1:]
        for code in self.translation_languages:
            self.fields[translation_field(code)] = forms.CharField(
                label=_("In %(language)s (Markdown, optional)") % {"language": NATIVE_NAMES[code]},
                widget=forms.Textarea(attrs={"rows": 4, "lang": language_tag(code)}),
                required=False,
                initial=(initial or {}).get(code, ""),
            )

    @property
    def translation_fields(self) -> list:
        return [self[translation_field(code)] for code in self.translation_languages]

    def translations(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(translation_field(code), "")
            for code in self.translation_languages
        }


def translation_field(code: str) -> str:
    return "body_" + code.replace("-", "_")


class DeclareForm(TranslationsMixin, ComponentStatusesMixin, ConsoleForm):
    title = forms.CharField(label=_("Title"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in IncidentStatus.choices if c[0] != IncidentStatus.RESOLVED],
        initial=IncidentStatus.INVESTIGATING,
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        choices=[("", _("Derived from the components")), *IncidentImpact.choices],
        required=False,
    )
    body = forms.CharField(
        label=_("First update (Markdown)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)

    def __init__(
        self,
        *args,
        components: list[Component],
        component_initial=None,
        languages: list[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.add_component_fields(components, component_initial)
        self.add_translation_fields(list(languages))

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["components"] = self.clean_components()
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned


class UpdateForm(TranslationsMixin, ComponentStatusesMixin, ConsoleForm):
    empty_label = _("No change")

    status = forms.ChoiceField(label=_("New status"), choices=IncidentStatus.choices)
    body = forms.CharField(
        label=_("Update (Markdown)"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, components: list[Component], languages: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_component_fields(components)
        self.add_translation_fields(list(languages))

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["components"] = self.clean_components()
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned


class EditUpdateForm(TranslationsMixin, ConsoleForm):
    body = forms.CharField(label=_("Update (Markdown)"), widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, languages: list[str] = (), bodies: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translation_fields(list(languages), bodies)


class VersionForm(ConsoleForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PostmortemForm(ConsoleForm):
    body = forms.CharField(
        label=_("Postmortem (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 24}),
        required=False,
        strip=False,
    )
    notify = forms.BooleanField(
        label=_("Notify subscribers when published"), required=False, initial=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class MaintenanceForm(TranslationsMixin, ConsoleForm):
    name = forms.CharField(label=_("Title"), required=False)
    scheduled_for = forms.DateTimeField(
        label=_("Starts"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    scheduled_until = forms.DateTimeField(
        label=_("Ends"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    components = forms.MultipleChoiceField(
        label=_("Affected components"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label=_("Details (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    auto_start = forms.BooleanField(label=_("Start automatically"), required=False, initial=True)
    auto_complete = forms.BooleanField(
        label=_("Complete automatically"), required=False, initial=True
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        components: list[Component],
        editing: bool = False,
        languages: list[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["components"].choices = [(c.code, c.display_name) for c in components]
        self.add_translation_fields([] if editing else list(languages))
        if editing:
            # Details and notifications belong to the first update; an edit changes the plan.
            del self.fields["body"]
            del self.fields["notify"]
            self.fields["version"].required = True


class MaintenanceActionForm(TranslationsMixin, ConsoleForm):
    body = forms.CharField(
        label=_("Message (Markdown)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, languages: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translation_fields(list(languages))


class ComponentStatusForm(ConsoleForm):
    status = forms.ChoiceField(label=_("Status"), choices=ComponentStatus.choices)


class TemplateForm(ComponentStatusesMixin, ConsoleForm):
    name = forms.CharField(label=_("Template name"), max_length=200)
    title = forms.CharField(label=_("Incident title"), max_length=255)
    status = DeclareForm.base_fields["status"]
    impact = DeclareForm.base_fields["impact"]
    body = forms.CharField(
        label=_("First update (Markdown)"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def __init__(self, *args, components: list[Component], component_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_component_fields(components, component_initial)

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["components"] = self.clean_components()
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned


ROLE_CHOICES = [("", _("No console access")), *Role.choices]


class UserCreateForm(ConsoleForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, strip=False, min_length=8
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class UserRoleForm(ConsoleForm):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, required=False)
    is_active = forms.BooleanField(label=_("Can sign in"), required=False)


class PageSettingsForm(ConsoleForm):
    name = forms.CharField(label=_("Page name"), max_length=200)
    slug = forms.SlugField(label=_("Slug"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone (IANA, e.g. America/Guayaquil)"), max_length=64)
    url = forms.URLField(label=_("Public address"), required=False, assume_scheme="https")
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        required=False,
        help_text=_("A host name that serves this page, e.g. status.example.com (optional)."),
    )
    private = forms.BooleanField(
        label=_("Private: only signed-in people may read it"),
        required=False,
        help_text=_("Never in the public snapshots, feeds or the static export."),
    )
    viewer_domains = forms.CharField(
        label=_("Who may sign in: email domains"),
        required=False,
        help_text=_("Comma-separated, e.g. example.com, partner.example."),
    )
    viewer_emails = forms.CharField(
        label=_("Who may sign in: addresses"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Comma-separated or one a line."),
    )
    oidc_issuer = forms.URLField(
        label=_("Single sign-on: issuer URL"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Any OpenID Connect provider; its redirect URI is this page's address "
            "followed by /sign-in/oidc/callback."
        ),
    )
    oidc_client_id = forms.CharField(
        label=_("Single sign-on: client id"), max_length=255, required=False
    )
    oidc_client_secret = forms.CharField(
        label=_("Single sign-on: client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored sealed and never shown again; leave empty to keep the current one."),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        required=False,
        help_text=_("#rrggbb for links and buttons; it must be readable on white."),
    )
    header_links = forms.CharField(
        label=_("Header links"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One a line: label | address (up to five)."),
    )
    footer_text = forms.CharField(
        label=_("Footer text"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    custom_css = forms.CharField(
        label=_("Custom CSS"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("No @import and no url() to other hosts."),
    )
    logo = forms.FileField(label=_("Logo (PNG, JPEG or WebP)"), required=False)
    favicon = forms.FileField(label=_("Favicon (PNG or ICO)"), required=False)
    support_url = forms.URLField(label=_("Support address"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    # What automation posts in public, one box per step; empty: the default shown as help.
    automation_title = forms.CharField(
        label=_("Automatic incident title"), max_length=200, required=False
    )
    automation_investigating = forms.CharField(
        label=_("Automatic update: investigating"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    automation_ongoing = forms.CharField(
        label=_("Automatic update: more checks fail"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    automation_monitoring = forms.CharField(
        label=_("Automatic update: recovered, monitoring"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    automation_resolved = forms.CharField(
        label=_("Automatic update: resolved"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, default in DEFAULT_TEXTS.items():
            self.fields[f"automation_{key}"].help_text = _(
                "Empty: \u201c%(default)s\u201d. {component} is the component's name; "
                "nothing of the checks' own messages is ever shown in public."
            ) % {"default": default}

    def page_fields(self) -> dict:
        """The cleaned data as the lifecycle's page fields (the texts in one dict)."""
        data = dict(self.cleaned_data)
        data["automation_texts"] = {key: data.pop(f"automation_{key}", "") for key in DEFAULT_TEXTS}
        data["automation_texts"] = {k: v for k, v in data["automation_texts"].items() if v}
        data.pop("logo", None)
        data.pop("favicon", None)
        links = []
        for line in data.get("header_links", "").splitlines():
            if line.strip():
                label, _bar, url = line.partition("|")
                links.append({"label": label.strip(), "url": url.strip()})
        data["header_links"] = links
        if not data.get("oidc_client_secret"):
            data.pop("oidc_client_secret", None)  # write-only: empty keeps it
        for name in ("viewer_domains", "viewer_emails"):
            raw = data.get(name, "").replace("\n", ",")
            data[name] = [item.strip() for item in raw.split(",") if item.strip()]
        return data

    @staticmethod
    def links_text(links: list[dict]) -> str:
        return "\n".join(f"{link['label']} | {link['url']}" for link in links)


class OperatorLanguageForm(ConsoleForm):
    language = forms.ChoiceField(
        label=_("Console language"),
        choices=[("", _("As my browser asks")), *NATIVE_NAMES.items()],
        required=False,
    )


class NewPageForm(ConsoleForm):
    name = forms.CharField(label=_("Page name"), max_length=200)
    slug = forms.SlugField(label=_("Slug"), max_length=100)
    domain = forms.CharField(label=_("Domain"), max_length=253, required=False)
    time_zone = forms.CharField(
        label=_("Time zone (IANA, e.g. America/Guayaquil)"), max_length=64, initial="UTC"
    )


class PlacementForm(ConsoleForm):
    """Show another page's component on this page, under one of its groups."""

    component = forms.ChoiceField(label=_("Component of another page"))
    group = forms.ChoiceField(label=_("Group on this page"), required=False)

    def __init__(self, *args, page, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        others = Component.objects.exclude(page=page).select_related("page", "group")
        self.fields["component"].choices = [
            (c.code, f"{c.page.name}: {c.display_name}")
            for c in others.order_by("page", "position")
        ]
        self.fields["group"].choices = [("", _("No group"))] + [
            (g.code, g.name) for g in page.groups.all()
        ]


def split_list(raw: str) -> list[str]:
    """Comma-separated or one a line."""
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


class AudienceForm(ConsoleForm):
    """A private page's audience: who (domains, addresses, ID token claims) sees what."""

    name = forms.CharField(label=_("Audience name"), max_length=200)
    email_domains = forms.CharField(
        label=_("Email domains"),
        required=False,
        help_text=_("Comma-separated, e.g. example.com, partner.example."),
    )
    emails = forms.CharField(
        label=_("Addresses"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Comma-separated or one a line."),
    )
    claims = forms.CharField(
        label=_("Single sign-on claims"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "One a line: claim = value. A reader whose ID token's claim contains the value "
            "(a list, like groups) or equals it (like org) is in this audience."
        ),
    )
    components = forms.MultipleChoiceField(
        label=_("Components this audience sees"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, components: list[Component], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].choices = [(c.code, c.display_name) for c in components]

    def clean_claims(self) -> list[dict]:
        rules = []
        for line in self.cleaned_data["claims"].splitlines():
            if not line.strip():
                continue
            claim, equals, value = line.partition("=")
            if not equals:
                raise forms.ValidationError(
                    _("Write each claim as claim = value: %(line)s") % {"line": line.strip()}
                )
            rules.append({"claim": claim.strip(), "value": value.strip()})
        return rules

    def audience_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["email_domains"] = split_list(data["email_domains"])
        data["emails"] = split_list(data["emails"])
        return data

    @staticmethod
    def initial_of(audience) -> dict:
        return {
            "name": audience.name,
            "email_domains": ", ".join(audience.email_domains),
            "emails": "\n".join(audience.emails),
            "claims": "\n".join(f"{r['claim']} = {r['value']}" for r in audience.claims),
            "components": [c.code for c in audience.components.all()],
        }


class ViewerTokenForm(ConsoleForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where it is used, e.g. the bank's intranet widget."),
    )
    audience = forms.ChoiceField(label=_("It sees what this audience sees"), required=False)

    def __init__(self, *args, audiences: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [("", _("The whole page"))] + [
            (a.code, a.name) for a in audiences
        ]
