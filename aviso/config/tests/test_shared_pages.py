"""``aviso apply`` / ``aviso export`` with several pages: domains and shared components."""

from __future__ import annotations

import pytest
import yaml

from aviso.config.engine import apply_text, export_text
from aviso.config.errors import ConfigError
from aviso.status.models import AuditEntry, ComponentPlacement, Page

pytestmark = pytest.mark.django_db

FILE = """
pages:
  - slug: jelou
    name: Jelou
    domain: status.example.test
    groups:
      - name: Channels
        components:
          - name: WhatsApp Messaging
          - name: Web Chat
  - slug: internal
    name: Jelou internal
    domain: internal-status.example.test
    groups:
      - name: Infrastructure
        components:
          - name: Primary database
      - name: Customer channels
        shared:
          - page: jelou
            component: WhatsApp Messaging
"""


class TestApplySharedComponents:
    def test_it_creates_pages_with_domains_and_places_the_shared_component(self):
        apply_text(FILE, "pages.yaml")
        internal = Page.objects.get(slug="internal")
        assert internal.domain == "internal-status.example.test"
        placement = ComponentPlacement.objects.select_related("component", "group").get()
        assert placement.page == internal
        assert placement.component.name == "WhatsApp Messaging"
        assert placement.component.page.slug == "jelou"
        assert placement.group.name == "Customer channels"
        assert AuditEntry.objects.filter(action="component.place", page=internal).count() == 1
        # Applying the same file again changes nothing.
        assert apply_text(FILE, "pages.yaml").is_empty

    def test_export_gives_back_what_apply_took(self):
        apply_text(FILE, "pages.yaml")
        exported = yaml.safe_load(export_text())
        internal = next(p for p in exported["pages"] if p["slug"] == "internal")
        assert internal["domain"] == "internal-status.example.test"
        shared = next(g for g in internal["groups"] if g["name"] == "Customer channels")
        assert shared["shared"] == [
            {"page": "jelou", "component": "WhatsApp Messaging", "group": "Channels"}
        ]
        assert apply_text(export_text(), "exported.yaml").is_empty

    def test_prune_takes_a_placement_off_but_keeps_the_component(self):
        apply_text(FILE, "pages.yaml")
        apply_text(FILE.replace("      - name: Customer channels\n        shared:\n"
                                "          - page: jelou\n"
                                "            component: WhatsApp Messaging\n", ""),
                   "pages.yaml", prune=True)  # fmt: skip
        assert not ComponentPlacement.objects.exists()
        assert Page.objects.get(slug="jelou").components.filter(name="WhatsApp Messaging").exists()

    def test_it_names_the_line_of_an_unknown_shared_component(self):
        bad = FILE.replace("component: WhatsApp Messaging", "component: Telegram")
        with pytest.raises(ConfigError) as caught:
            apply_text(bad, "pages.yaml")
        assert "no component 'Telegram'" in str(caught.value)
        assert not Page.objects.exists()

    def test_it_refuses_a_domain_that_is_not_a_host_name(self):
        bad = FILE.replace("domain: status.example.test", "domain: https://status.example.test/")
        with pytest.raises(ConfigError) as caught:
            apply_text(bad, "pages.yaml")
        assert "host name" in str(caught.value)


AUDIENCES = FILE.replace(
    "    domain: internal-status.example.test\n",
    "    domain: internal-status.example.test\n"
    "    private: true\n"
    "    viewer_domains: [bank.test]\n"
    "    audiences:\n"
    "      - name: Bank\n"
    "        email_domains: [bank.test]\n"
    "        components: [WhatsApp Messaging]\n",
)


class TestApplyAudiences:
    def test_it_creates_audiences_after_the_components_they_name_and_exports_them(self):
        apply_text(AUDIENCES, "pages.yaml")
        internal = Page.objects.get(slug="internal")
        audience = internal.audiences.get()
        assert audience.email_domains == ["bank.test"]
        assert [c.name for c in audience.components.all()] == ["WhatsApp Messaging"]
        assert apply_text(AUDIENCES, "pages.yaml").is_empty
        exported = yaml.safe_load(export_text())
        page = next(p for p in exported["pages"] if p["slug"] == "internal")
        assert page["private"] is True
        assert page["audiences"] == [
            {
                "name": "Bank",
                "email_domains": ["bank.test"],
                "components": ["WhatsApp Messaging"],
            }
        ]


SSO = AUDIENCES.replace(
    "    viewer_domains: [bank.test]\n",
    "    viewer_domains: [bank.test]\n"
    "    oidc_issuer: https://idp.example.test\n"
    "    oidc_client_id: aviso\n"
    "    oidc_client_secret: sso-secret-value\n",
).replace(
    "        email_domains: [bank.test]\n",
    "        email_domains: [bank.test]\n"
    "        claims:\n"
    "          - {claim: groups, value: customer-a}\n",
)


class TestApplySingleSignOn:
    def test_the_settings_apply_the_secret_sealed_and_export_as_sealed(self):
        from aviso.lib.sealed import is_sealed

        apply_text(SSO, "pages.yaml")
        internal = Page.objects.get(slug="internal")
        assert internal.oidc_issuer == "https://idp.example.test"
        assert internal.oidc_client_id == "aviso"
        assert is_sealed(internal.oidc_client_secret)
        assert internal.audiences.get().claims == [{"claim": "groups", "value": "customer-a"}]
        for entry in AuditEntry.objects.filter(page=internal):
            assert "sso-secret-value" not in str(entry.before) + str(entry.after)
        # The same file again, and the export applied back, change nothing.
        assert apply_text(SSO, "pages.yaml").is_empty
        text = export_text()
        assert "sso-secret-value" not in text and "sealed:v1" not in text
        page = next(p for p in yaml.safe_load(text)["pages"] if p["slug"] == "internal")
        assert page["oidc_client_secret"] == "[sealed]"
        assert page["audiences"][0]["claims"] == [{"claim": "groups", "value": "customer-a"}]
        assert apply_text(text, "exported.yaml").is_empty

    def test_a_new_secret_is_applied_and_the_plan_never_shows_it(self):
        from aviso.status.sealing import keyring

        apply_text(SSO, "pages.yaml")
        plan = apply_text(SSO.replace("sso-secret-value", "rotated-value"), "pages.yaml")
        assert "rotated-value" not in str(plan.changes)
        stored = Page.objects.get(slug="internal").oidc_client_secret
        assert keyring().unseal(stored) == "rotated-value"

    def test_sealed_without_a_stored_secret_or_a_bad_claim_is_refused(self):
        with pytest.raises(ConfigError) as caught:
            apply_text(SSO.replace("sso-secret-value", "'[sealed]'"), "pages.yaml")
        assert "no stored secret to keep" in str(caught.value)
        with pytest.raises(ConfigError):
            apply_text(SSO.replace("value: customer-a", "valu: customer-a"), "pages.yaml")
        assert not Page.objects.exists()
