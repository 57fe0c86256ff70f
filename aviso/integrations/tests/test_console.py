"""Console screens: an admin sets an integration up and sees its secret once; everyone
reads the URL to paste and the last payloads; viewers change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from aviso.integrations.models import Integration, Mirror
from aviso.integrations.tests.helpers import make_integration, payload, post
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def page():
    page = make_page("Acme")
    make_component(page, "Databases")
    return page


class TestIntegrationScreens:
    def test_an_admin_creates_one_and_sees_the_secret_once(self, page):
        admin = _client(make_person("ana", "admin"))
        answer = admin.post("/console/integrations/new/", {
            "page": page.pk, "kind": "alertmanager", "name": "Prometheus", "enabled": "on",
            "config": '{"component_label": "service"}'})  # fmt: skip
        assert answer.status_code == 200
        integration = Integration.objects.get()
        shown = answer.context["secret"]
        assert shown in answer.content.decode()
        assert f"/integrations/{integration.code}/alerts" in answer.content.decode()
        detail = admin.get(f"/console/integrations/{integration.code}/")
        assert shown not in detail.content.decode()
        assert integration.config["component_label"] == "service"

    def test_bad_settings_come_back_with_what_was_typed(self, page):
        admin = _client(make_person("ana", "admin"))
        answer = admin.post("/console/integrations/new/", {
            "page": page.pk, "kind": "webhook", "name": "Hook",
            "config": '{"confirmations": 99}'})  # fmt: skip
        assert answer.status_code == 400
        assert "confirmations" in answer.content.decode()
        assert "99" in answer.content.decode()
        assert not Integration.objects.exists()

    def test_the_last_payloads_are_shown(self, page):
        integration, secret = make_integration(page)
        post(integration, secret, payload("alertmanager_firing.json"))
        post(integration, secret, b"not json")
        viewer = _client(make_person("vic", "viewer"))
        text = viewer.get(f"/console/integrations/{integration.code}/").content.decode()
        assert "PostgresConnectionsSaturated" in text
        assert "1 alert(s) taken" in text and "not JSON" in text
        assert "Databases" in text  # the route and its firing alert

    def test_a_new_secret_replaces_the_old_one(self, page):
        integration, old = make_integration(page)
        admin = _client(make_person("ana", "admin"))
        new = admin.post(f"/console/integrations/{integration.code}/secret/").context["secret"]
        assert post(integration, old, payload("alertmanager_firing.json")).status_code == 401
        assert post(integration, new, payload("alertmanager_firing.json")).status_code == 200

    def test_viewers_and_responders_cannot_set_up_or_delete(self, page):
        integration, _ = make_integration(page)
        for role in ("viewer", "responder"):
            client = _client(make_person(role, role))
            assert client.post("/console/integrations/new/", {}).status_code == 403
            for action in ("delete", "secret"):
                url = f"/console/integrations/{integration.code}/{action}/"
                assert client.post(url).status_code == 403
        assert Integration.objects.count() == 1

    def test_deleting_takes_its_push_monitors_with_it(self, page):
        from aviso.monitors.models import Monitor

        integration, secret = make_integration(page)
        post(integration, secret, payload("alertmanager_firing.json"))
        assert Monitor.objects.count() == 1
        admin = _client(make_person("ana", "admin"))
        admin.post(f"/console/integrations/{integration.code}/delete/")
        assert not Integration.objects.exists() and not Monitor.objects.exists()


class TestMirrorScreens:
    def test_an_admin_mirrors_a_component_and_bad_input_says_what(self, page):
        admin = _client(make_person("ana", "admin"))
        component = page.components.get()
        bad = admin.post("/console/integrations/mirrors/new/", {
            "component": component.pk, "vendor": "", "page_url": "ftp://x",
            "upstream_id": "abc", "interval_seconds": 300})  # fmt: skip
        assert bad.status_code == 400 and not Mirror.objects.exists()
        good = admin.post("/console/integrations/mirrors/new/", {
            "component": component.pk, "vendor": "Discord", "page_url": "http://127.0.0.1:9",
            "upstream_id": "rhznvxg4v7yh", "interval_seconds": 300})  # fmt: skip
        assert good.status_code == 302
        listing = admin.get("/console/integrations/").content.decode()
        assert "status from Discord" in listing


class TestEditing:
    def test_an_admin_changes_the_settings_and_a_sealed_token_stays(self, page):
        from aviso.integrations.tests.helpers import make_integration as make

        slack, _ = make(page, kind="slack", name="Slack", secret="s3cret", bot_token="xoxb-1")
        admin = _client(make_person("ana", "admin"))
        form = admin.get(f"/console/integrations/{slack.code}/edit/").content.decode()
        assert "xoxb-1" not in form and "[sealed]" in form
        answer = admin.post(f"/console/integrations/{slack.code}/edit/", {
            "name": "Slack (ops)", "enabled": "on",
            "config": '{"bot_token": "[sealed]", "users": {"U0ANA": "ana"}}'})  # fmt: skip
        assert answer.status_code == 302, answer.content.decode()[:2000]
        slack.refresh_from_db()
        from aviso.integrations.secrets import opened

        assert slack.name == "Slack (ops)" and slack.config["users"] == {"U0ANA": "ana"}
        assert opened(slack.config["bot_token"]) == "xoxb-1"
        assert slack.kind == "slack" and slack.page == page

    def test_a_slack_secret_must_be_pasted_to_be_replaced(self, page):
        from aviso.integrations.tests.helpers import make_integration as make

        slack, _ = make(page, kind="slack", name="Slack", secret="s3cret")
        admin = _client(make_person("ana", "admin"))
        answer = admin.post(f"/console/integrations/{slack.code}/secret/", {"secret": ""})
        assert answer.status_code == 302
        answer = admin.post(f"/console/integrations/{slack.code}/secret/", {"secret": "n3w"})
        assert answer.context["secret"] == "n3w"
