from __future__ import annotations

import pytest

from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus
from aviso.status.models import AuditEntry, ComponentStatusChange
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


class TestSetComponentStatus:
    @pytest.mark.parametrize("group", [None, "Platform"])
    def test_it_changes_a_grouped_or_ungrouped_component(self, group):
        # On PostgreSQL the row lock must not reach the nullable group join.
        component = make_component(make_page(), "API", group=group)
        lifecycle.set_component_status(component, "partial_outage", actor=SYSTEM)
        component.refresh_from_db()
        assert component.status == ComponentStatus.PARTIAL_OUTAGE
        assert ComponentStatusChange.objects.filter(component=component).count() == 1
        assert AuditEntry.objects.filter(action="component.status").count() == 1
