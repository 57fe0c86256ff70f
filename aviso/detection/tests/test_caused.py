"""A monitor's console page lists the incidents its failures opened or joined."""

from __future__ import annotations

import pytest

from aviso.detection.tests.helpers import check, make_monitor
from aviso.monitors.caused import caused_incidents
from aviso.monitors.tests.targets import HttpTarget
from aviso.status.models import Incident
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db


class TestIncidentsAMonitorCaused:
    def test_the_detail_page_links_the_incident_its_failures_opened(self, client):
        target = HttpTarget()
        try:
            page = make_page("Acme")
            component = make_component(page, "API")
            failing = make_monitor("API health", "http", {"url": target.url + "/"},
                                   component=component, confirmations_down=1)  # fmt: skip
            bystander = make_monitor("Other", "tcp", component=make_component(page, "Web"))
            check(failing)
            target.mode = "500"
            check(failing)
        finally:
            target.stop()
        incident = Incident.objects.get()
        assert caused_incidents(failing) == [incident]
        assert caused_incidents(bystander) == []
        client.force_login(make_person("oncall", "viewer"))
        shown = client.get(f"/console/monitors/{failing.code}/").content.decode()
        assert f'href="/console/incidents/{incident.code}/">API: outage</a>' in shown
        other = client.get(f"/console/monitors/{bystander.code}/").content.decode()
        assert "None: its failures have not opened or joined an incident." in other
