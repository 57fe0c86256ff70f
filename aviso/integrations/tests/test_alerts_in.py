"""Alerts in: Alertmanager's and Grafana's real payload shapes and a mapped generic
webhook, firing then resolved, seen on the public JSON; secrets; bad input."""

from __future__ import annotations

import json

import pytest

from aviso.detection.models import Outage
from aviso.integrations.models import FiringAlert, Integration, Payload
from aviso.integrations.tests.helpers import (
    check_routes,
    make_integration,
    payload,
    post,
    public,
    public_status,
)
from aviso.lib.sealed import is_sealed
from aviso.status.choices import IncidentStatus
from aviso.status.models import AuditEntry, Incident
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _resolve_at_once(settings):
    settings.DETECTION_RESOLVE_AFTER_SECONDS = 0


@pytest.fixture
def page():
    page = make_page("Acme")
    make_component(page, "Databases")
    make_component(page, "Bot API")
    return page


def _open_incident_names() -> list[str]:
    return [i["name"] for i in public("incidents/unresolved.json")["incidents"]]


class TestAlertmanager:
    def test_firing_opens_one_incident_and_resolved_resolves_it(self, page):
        integration, secret = make_integration(page)
        databases = page.components.get(name="Databases")
        answer = post(integration, secret, payload("alertmanager_firing.json"))
        assert answer.status_code == 200, answer.content
        assert answer.json() == {"accepted": 1, "ignored": []}
        check_routes(integration)
        assert public_status(databases.code) == "major_outage"
        assert len(_open_incident_names()) == 1
        assert "Databases" in _open_incident_names()[0]
        # The operators' detail says what fired; the public text names only the component.
        created = AuditEntry.objects.get(action="incident.create")
        assert "an alert from Prometheus fires" in created.after["detail"]
        assert "Prometheus" not in Incident.objects.get().updates.get().body
        # Alertmanager repeats a firing group every repeat_interval: still one incident.
        post(integration, secret, payload("alertmanager_firing.json"))
        check_routes(integration)
        assert Incident.objects.count() == 1 and Outage.objects.count() == 1

        post(integration, secret, payload("alertmanager_resolved.json"))
        check_routes(integration)
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.MONITORING
        assert public_status(databases.code) == "operational"
        check_routes(integration)  # the stable period (0 s here) has passed
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        assert _open_incident_names() == []
        assert public()["status"]["indicator"] == "none"

    def test_the_secret_may_be_in_the_url(self, page):
        integration, secret = make_integration(page)
        assert post(integration, secret, payload("alertmanager_firing.json"),
                    in_url=True).status_code == 200  # fmt: skip
        assert FiringAlert.objects.count() == 1

    def test_confirmations_wait_for_more_checks(self, page):
        integration, secret = make_integration(page, confirmations=2)
        post(integration, secret, payload("alertmanager_firing.json"))
        check_routes(integration)
        assert not Incident.objects.exists()
        check_routes(integration)
        assert Incident.objects.count() == 1

    def test_a_second_alert_keeps_the_component_down_until_both_resolve(self, page):
        integration, secret = make_integration(page)
        databases = page.components.get(name="Databases")
        firing = json.loads(payload("alertmanager_firing.json"))
        other = json.loads(json.dumps(firing))
        other["alerts"][0]["fingerprint"] = "0a1b2c3d4e5f6071"
        other["alerts"][0]["labels"]["instance"] = "db-2:9187"
        post(integration, secret, json.dumps(firing).encode())
        post(integration, secret, json.dumps(other).encode())
        post(integration, secret, payload("alertmanager_resolved.json"))  # db-1 only
        check_routes(integration)
        assert public_status(databases.code) == "major_outage"
        resolved = json.loads(json.dumps(other))
        resolved["alerts"][0]["status"] = "resolved"
        post(integration, secret, json.dumps(resolved).encode())
        check_routes(integration)
        assert public_status(databases.code) == "operational"

    def test_an_alert_for_an_unknown_component_is_listed_and_changes_nothing(self, page):
        integration, secret = make_integration(page, component_label="service")
        answer = post(integration, secret, payload("alertmanager_firing.json"))
        assert answer.status_code == 200
        assert answer.json()["accepted"] == 0
        assert "no component" in answer.json()["ignored"][0]
        assert not FiringAlert.objects.exists()


class TestGrafana:
    def test_unified_alerting_firing_then_resolved(self, page):
        integration, secret = make_integration(page, kind="grafana", name="Grafana",
                                               firing_status="partial_outage")  # fmt: skip
        bot = page.components.get(name="Bot API")
        assert post(integration, secret, payload("grafana_firing.json")).status_code == 200
        check_routes(integration)
        assert public_status(bot.code) == "partial_outage"
        assert public()["status"]["indicator"] in ("minor", "major")
        post(integration, secret, payload("grafana_resolved.json"))
        check_routes(integration)
        check_routes(integration)
        assert public_status(bot.code) == "operational"
        assert Incident.objects.get().status == IncidentStatus.RESOLVED

    def test_legacy_alerting_names_the_component_in_a_tag(self, page):
        integration, secret = make_integration(page, kind="grafana", name="Old Grafana")
        body = {"title": "[Alerting] DB", "ruleId": 7, "ruleName": "DB down", "state": "alerting",
                "tags": {"component": "Databases"}, "evalMatches": [], "orgId": 1}  # fmt: skip
        post(integration, secret, json.dumps(body).encode())
        check_routes(integration)
        assert Incident.objects.count() == 1
        body["state"] = "ok"
        post(integration, secret, json.dumps(body).encode())
        assert not FiringAlert.objects.exists()


class TestGenericWebhook:
    def test_the_mapping_names_the_component_and_the_state(self, page):
        integration, secret = make_integration(
            page, kind="webhook", name="Nagios", items_field="events",
            component_field="host.service", state_field="check.result",
        )  # fmt: skip
        databases = page.components.get(name="Databases")
        body = {"events": [{"host": {"service": databases.code}, "check": {"result": "CRITICAL"}}]}
        assert post(integration, secret, json.dumps(body).encode()).json()["accepted"] == 1
        check_routes(integration)
        assert public_status(databases.code) == "major_outage"
        body["events"][0]["check"]["result"] = "OK"
        post(integration, secret, json.dumps(body).encode())
        check_routes(integration)
        assert public_status(databases.code) == "operational"

    def test_a_state_it_does_not_know_is_a_field_error(self, page):
        integration, secret = make_integration(page, kind="webhook", name="Hook")
        answer = post(integration, secret, b'{"component": "Databases", "state": "purple"}')
        assert answer.status_code == 422
        assert "state" in answer.json()["errors"]
        assert not Payload.objects.get().accepted


class TestSecretsAndBadInput:
    def test_no_or_a_wrong_secret_is_401_and_an_unknown_code_too(self, page):
        integration, secret = make_integration(page)
        body = payload("alertmanager_firing.json")
        assert post(integration, "", body).status_code == 401
        assert post(integration, secret[:-1] + "x", body).status_code == 401
        assert post(integration, secret, body, in_url=False).status_code == 200
        integration.code = "nosuchcode"
        assert post(integration, secret, body).status_code == 401
        assert Payload.objects.count() == 1  # only the authenticated message is kept

    def test_the_secret_is_sealed_at_rest_and_not_in_the_audit_log(self, page):
        integration, secret = make_integration(page)
        stored = Integration.objects.get(pk=integration.pk).secret
        assert is_sealed(stored) and secret not in stored
        assert not any(secret in json.dumps([e.before, e.after])
                       for e in AuditEntry.objects.all())  # fmt: skip

    def test_not_json_is_400_and_the_wrong_shape_422_with_fields(self, page):
        integration, secret = make_integration(page)
        assert post(integration, secret, b"alert!").status_code == 400
        answer = post(integration, secret, b'{"version": "4", "alerts": [{"status": "on"}]}')
        assert answer.status_code == 422
        assert answer.json()["errors"] == {"alerts[0].status": 'Expected "firing" or "resolved".'}
        answer = post(integration, secret, b'{"version": "3", "alerts": []}')
        assert "version" in answer.json()["errors"]
        assert [p.accepted for p in Payload.objects.all()] == [False, False, False]

    def test_a_turned_off_integration_answers_403(self, page):
        from aviso.integrations import lifecycle
        from aviso.testing import SYSTEM

        integration, secret = make_integration(page)
        lifecycle.update_integration(integration, actor=SYSTEM, name="Prometheus",
                                     config=integration.config, enabled=False)  # fmt: skip
        assert post(integration, secret, payload("alertmanager_firing.json")).status_code == 403

    def test_bad_settings_are_field_errors(self, page):
        from aviso.status.lifecycle import LifecycleError

        with pytest.raises(LifecycleError) as caught:
            make_integration(page, confirmations=0, firing_status="on_fire")
        assert set(caught.value.errors) == {"config.confirmations", "config.firing_status"}


class TestSameRulesAsMonitors:
    def test_an_alert_and_a_failing_monitor_of_one_component_make_one_incident(self, page):
        from aviso.detection.models import Evidence
        from aviso.detection.tests.helpers import check, make_monitor
        from aviso.monitors.tests.targets import HttpTarget

        target = HttpTarget()
        try:
            databases = page.components.get(name="Databases")
            monitor = make_monitor("DB health", "http", {"url": target.url + "/"},
                                   component=databases, confirmations_down=1)  # fmt: skip
            check(monitor)
            integration, secret = make_integration(page)
            post(integration, secret, payload("alertmanager_firing.json"))
            check_routes(integration)
            target.mode = "500"
            check(monitor)
            incident = Incident.objects.get()
            assert Evidence.objects.filter(outage__incident=incident).count() == 2
        finally:
            target.stop()

    def test_an_alert_flapping_is_damped_into_one_open_incident(self, page, settings):
        from aviso.detection import engine
        from aviso.detection.models import Watch

        settings.DETECTION_RESOLVE_AFTER_SECONDS = 300
        integration, secret = make_integration(page)
        for i in range(12):
            name = "alertmanager_firing.json" if i % 2 == 0 else "alertmanager_resolved.json"
            post(integration, secret, payload(name))
            check_routes(integration)
            engine.sweep()
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.INVESTIGATING
        statuses = list(incident.updates.values_list("status", flat=True))
        assert len(statuses) <= 3, statuses  # damped: not one update per flip
        assert Watch.objects.get(monitor__alert_route__integration=integration).flapping

    def test_a_body_over_a_megabyte_is_413(self, page):
        integration, secret = make_integration(page)
        big = b'{"alerts": [' + b" " * 1_000_001 + b"]}"
        assert post(integration, secret, big).status_code == 413

    def test_changed_settings_reach_the_routes_push_monitors(self, page):
        from aviso.integrations import lifecycle
        from aviso.testing import SYSTEM

        integration, secret = make_integration(page)
        databases = page.components.get(name="Databases")
        post(integration, secret, payload("alertmanager_resolved.json"))  # makes the route
        lifecycle.update_integration(integration, actor=SYSTEM, name="Prometheus",
                                     config={"firing_status": "partial_outage",
                                             "confirmations": 2})  # fmt: skip
        post(integration, secret, payload("alertmanager_firing.json"))
        check_routes(integration)
        assert public_status(databases.code) == "operational"  # two checks now
        check_routes(integration)
        assert public_status(databases.code) == "partial_outage"
