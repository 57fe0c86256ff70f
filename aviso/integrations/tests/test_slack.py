"""The Slack app: signed slash commands and modals declare, update and resolve as the
mapped Aviso person; unsigned, stale or forged requests are 401."""

from __future__ import annotations

import pytest

from aviso.integrations.tests.helpers import make_integration, public
from aviso.integrations.tests.slack_local import SlackClient, SlackReceiver, submission
from aviso.status.choices import IncidentStatus
from aviso.status.models import AuditEntry, Incident
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


@pytest.fixture
def slack_api():
    server = SlackReceiver(BOT_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def scene(settings, slack_api):
    settings.SLACK_API_URL = f"{slack_api.url}/api/"
    settings.SLACK_RESPONSE_URL_PREFIXES = [f"{slack_api.url}/hooks/"]
    page = make_page("Acme")
    make_component(page, "Messaging")
    make_person("rita", "responder")
    make_person("vera", "viewer")
    integration, _ = make_integration(
        page, kind="slack", name="Slack", secret=SIGNING_SECRET,
        team_id="T0AVISO01", users={"U0RITA": "rita", "U0VERA": "vera"}, bot_token=BOT_TOKEN,
    )  # fmt: skip
    return page, SlackClient(integration, SIGNING_SECRET)


def _declare(client: SlackClient, page, name: str = "Messages delayed") -> None:
    messaging = page.components.get(name="Messaging")
    answer = client.interaction(submission("declare", {
        "name": name, "status": "investigating", "body": "We are looking into it.",
        "components": [messaging.code], "level": "partial_outage"}, meta=page.code),
        "U0RITA")  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"response_action": "clear"}


class TestDeclaring:
    def test_a_signed_slash_command_opens_the_modal_whose_submission_declares(
        self, scene, slack_api
    ):
        page, client = scene
        answer = client.command("declare Messages delayed", "U0RITA")
        assert answer.status_code == 200
        (view,) = slack_api.views()
        assert view["callback_id"] == "declare"
        assert view["blocks"][0]["element"]["initial_value"] == "Messages delayed"
        _declare(client, page)
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.INVESTIGATING
        assert AuditEntry.objects.filter(action="incident.create", actor_label="rita").exists()
        shown = public("incidents/unresolved.json")["incidents"]
        assert [i["name"] for i in shown] == ["Messages delayed"]
        assert public("components.json")["components"][0]["status"] == "partial_outage"

    def test_a_modal_with_no_title_comes_back_with_the_error_under_the_field(self, scene):
        page, client = scene
        answer = client.interaction(submission("declare", {"name": "", "status": "investigating",
                                                           "body": ""}), "U0RITA")  # fmt: skip
        assert answer.json()["response_action"] == "errors"
        assert "name" in answer.json()["errors"]
        assert not Incident.objects.exists()


class TestSignatures:
    def test_unsigned_stale_forged_and_tampered_requests_are_401(self, scene, slack_api):
        _, client = scene
        body = client.command_body("declare Nope", "U0RITA")
        assert client.send(body, signed=False).status_code == 401
        assert client.send(body, age=6 * 60).status_code == 401  # outside the 5-minute window
        assert client.send(body, secret="not-the-secret").status_code == 401
        timestamp = "1700000000"
        tampered = client.client.post(
            client.url, body.replace("Nope", "Yes"),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_SLACK_REQUEST_TIMESTAMP=timestamp, HTTP_X_SLACK_SIGNATURE="v0=00",
        )  # fmt: skip
        assert tampered.status_code == 401
        assert slack_api.received == [] and not Incident.objects.exists()


class TestActingFromSlack:
    def test_status_update_and_resolve_by_command(self, scene, slack_api):
        page, client = scene
        _declare(client, page)
        incident = Incident.objects.get()
        state = client.command("", "U0VERA").json()  # viewers may look
        assert state["response_type"] == "ephemeral"
        assert "Messages delayed" in str(state["blocks"]) and incident.code in str(state["blocks"])
        hook = f"{slack_api.url}/hooks/T0AVISO01/B01/abc"
        answer = client.command(f"update {incident.code} identified A queue is stuck", "U0RITA",
                                response_url=hook)  # fmt: skip
        assert answer.status_code == 200
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.IDENTIFIED
        client.command(f"resolve {incident.code} Delivered again", "U0RITA", response_url=hook)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        said = [h["text"] for h in slack_api.hooks()]
        assert said[0].startswith("Update (identified)") and said[1].startswith("Resolved")
        assert all(h["response_type"] == "in_channel" for h in slack_api.hooks())
        assert public("incidents/unresolved.json")["incidents"] == []

    def test_the_resolve_button_opens_a_modal_that_resolves(self, scene, slack_api):
        page, client = scene
        _declare(client, page)
        incident = Incident.objects.get()
        client.interaction({"type": "block_actions", "response_url": "",
                            "actions": [{"action_id": "resolve", "value": incident.code,
                                         "type": "button"}]}, "U0RITA")  # fmt: skip
        view = slack_api.views()[-1]
        assert view["callback_id"] == "resolve" and view["private_metadata"] == incident.code
        client.interaction(submission("resolve", {"body": "Fixed."}, meta=incident.code), "U0RITA")
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED

    def test_the_update_button_opens_a_modal_that_posts_the_update(self, scene, slack_api):
        page, client = scene
        _declare(client, page)
        incident = Incident.objects.get()
        client.interaction({"type": "block_actions", "response_url": "",
                            "actions": [{"action_id": "update", "value": incident.code,
                                         "type": "button"}]}, "U0RITA")  # fmt: skip
        view = slack_api.views()[-1]
        assert view["callback_id"] == "update"
        answer = client.interaction(submission("update", {"status": "monitoring", "body": ""},
                                               meta=incident.code), "U0RITA")  # fmt: skip
        assert answer.json()["response_action"] == "clear"  # an empty body takes the default
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.MONITORING
        bad = client.interaction(submission("update", {"status": "on fire", "body": "x"},
                                            meta=incident.code), "U0RITA")  # fmt: skip
        assert bad.json()["response_action"] == "errors"
        assert set(bad.json()["errors"]) == {"status"}

    def test_people_not_mapped_or_without_the_role_are_told_and_change_nothing(self, scene):
        page, client = scene
        answer = client.command("declare X", "U0STRANGER").json()
        assert "not linked" in answer["text"]
        answer = client.command("declare X", "U0VERA").json()
        assert "Responder" in answer["text"]
        form = submission("declare", {"name": "X", "status": "investigating"})
        refused = client.interaction(form, "U0VERA")
        assert refused.json()["response_action"] == "errors"
        assert not Incident.objects.exists()

    def test_another_workspace_is_refused(self, scene):
        page, client = scene
        client.team_id = "T0OTHER99"
        assert "another Slack workspace" in client.command("", "U0RITA").json()["text"]

    def test_a_response_url_outside_slacks_hooks_gets_nothing(self, scene, slack_api):
        page, client = scene
        _declare(client, page)
        incident = Incident.objects.get()
        client.command(f"resolve {incident.code}", "U0RITA",
                       response_url=f"{slack_api.url}/elsewhere")  # fmt: skip
        assert slack_api.hooks() == [] and len(slack_api.received) == 0


class TestSecrets:
    def test_the_signing_secret_and_bot_token_are_sealed_and_not_audited(self, scene):
        from aviso.integrations.models import Integration
        from aviso.lib.sealed import is_sealed

        integration = Integration.objects.get()
        assert is_sealed(integration.secret) and is_sealed(integration.config["bot_token"])
        dumped = str(list(AuditEntry.objects.values_list("before", "after")))
        assert SIGNING_SECRET not in dumped and BOT_TOKEN not in dumped

    def test_slack_needs_its_signing_secret(self):
        from aviso.status.lifecycle import LifecycleError

        with pytest.raises(LifecycleError) as caught:
            make_integration(make_page("B"), kind="slack", name="S")
        assert "secret" in caught.value.errors


class TestLanguage:
    def test_slack_users_read_the_answers_in_the_pages_language(self, settings, slack_api):
        page = make_page("Acme ES", languages=["es", "en"])
        integration, _ = make_integration(page, kind="slack", name="Slack",
                                          secret=SIGNING_SECRET)  # fmt: skip
        answer = SlackClient(integration, SIGNING_SECRET).command("", "U0NOBODY").json()
        assert "no está vinculada" in answer["text"]
