from __future__ import annotations

import pytest

from aviso.status.choices import IncidentImpact, PageIndicator
from aviso.status.derivation import impact_from_components, page_state

OP, DEG, PART, MAJ, MAINT = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)


class TestPageState:
    @pytest.mark.parametrize(
        ("statuses", "indicator", "description"),
        [
            ([OP, OP], PageIndicator.NONE, "All Systems Operational"),
            ([], PageIndicator.NONE, "All Systems Operational"),
            ([MAJ, MAJ], PageIndicator.CRITICAL, "Major System Outage"),
            ([MAJ, OP], PageIndicator.MAJOR, "Partial System Outage"),
            ([MAJ, PART], PageIndicator.MAJOR, "Partial System Outage"),
            ([PART, PART], PageIndicator.MAJOR, "Partial System Outage"),
            ([PART, OP], PageIndicator.MINOR, "Minor Service Outage"),
            ([PART, DEG], PageIndicator.MINOR, "Minor Service Outage"),
            ([DEG, DEG], PageIndicator.MINOR, "Degraded System Service"),
            ([DEG, OP], PageIndicator.MINOR, "Partially Degraded Service"),
            ([DEG, MAINT], PageIndicator.MINOR, "Partially Degraded Service"),
            ([MAINT, OP], PageIndicator.MAINTENANCE, "Service Under Maintenance"),
            ([MAINT, MAINT], PageIndicator.MAINTENANCE, "Service Under Maintenance"),
        ],
    )
    def test_it_follows_statuspages_table(self, statuses, indicator, description):
        state = page_state(statuses)
        assert state.indicator == indicator
        assert state.description == description

    def test_the_banner_says_all_systems_operational(self):
        assert page_state([OP]).headline == "All systems operational"

    def test_the_banner_colour_is_the_worst_status(self):
        assert page_state([OP, DEG, MAINT]).worst == DEG
        assert page_state([OP, MAINT]).worst == MAINT


class TestImpact:
    @pytest.mark.parametrize(
        ("statuses", "impact"),
        [
            ([], IncidentImpact.NONE),
            ([OP], IncidentImpact.NONE),
            ([DEG], IncidentImpact.MINOR),
            ([DEG, PART], IncidentImpact.MAJOR),
            ([MAJ, DEG], IncidentImpact.CRITICAL),
        ],
    )
    def test_it_derives_impact_from_component_statuses(self, statuses, impact):
        assert impact_from_components(statuses) == impact
