"""The seed's incidents replayed end to end: ``aviso scenario NAME`` run as a real
process (its own throwaway data dir, the real checker and worker loops in it, real
local services, SMTP and Slack receivers), then its outcome read back.

No timing asserts beyond the scenario's own generous step limits: only what
happened and in which order. The printed timeline, the outcome and a screenshot of
the public incident page land in ``artifacts/scenarios/``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from aviso.testing import CHROMIUM, chromium

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "scenarios"


def replay(name: str, *extra: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "aviso", "scenario", name, "--artifacts", str(ARTIFACTS), *extra],
        capture_output=True, text=True, timeout=170, cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aviso.settings"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    timeline = (ARTIFACTS / f"{name}.timeline.txt").read_text()
    assert timeline in done.stdout  # what was printed is what was kept
    return json.loads((ARTIFACTS / f"{name}.outcome.json").read_text())


needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Debian chromium at {CHROMIUM}"
)


def screenshot(name: str) -> str:
    """Open the saved public incident page in Chromium, keep a screenshot, return its text."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto((ARTIFACTS / f"{name}.incident.html").as_uri())
        page.screenshot(path=str(ARTIFACTS / f"{name}.incident.png"), full_page=True)
        return page.inner_text("body")


def step_names(outcome: dict) -> list[str]:
    return [s["name"] for s in outcome["steps"]]


def assert_each_notice_once(outcome: dict) -> None:
    """Every subscriber got each incident update's email exactly once."""
    per_subscriber = outcome["notices_per_subscriber"]
    assert set(per_subscriber.values()) == {outcome["notices_expected"]}
    copies = Counter((e["to"], e["body"]) for e in outcome["emails"])
    assert set(copies.values()) == {1}, copies  # no email twice
    subjects = {
        to: sorted(e["subject"] for e in outcome["emails"] if e["to"] == to)
        for to in per_subscriber
    }
    assert len({tuple(s) for s in subjects.values()}) == 1, subjects  # the same for all
    # No operator alert sent twice either: each delivery (event, channel) once. Two
    # alerts may read alike when the component really changed twice (a second
    # slow spell under a loaded machine); their delivery keys then differ.
    keys = outcome["slack_delivery_keys"]
    assert outcome["slack_texts"] and all(keys), outcome["slack_texts"]
    assert len(keys) == len(set(keys)), list(zip(keys, outcome["slack_texts"], strict=True))


@pytest.fixture(scope="module")
def dependency_cut() -> dict:
    return replay("dependency-cut")


class TestDependencyCut:
    def test_it_goes_through_every_step_in_order(self, dependency_cut):
        assert step_names(dependency_cut) == [
            "services up",
            "monitor up",
            "backend port closed",
            "first failed check",
            "incident opened",
            "component status",
            "operator alert on Slack",
            "subscribers emailed",
            "backend port reopened",
            "incident monitoring",
            "incident resolved",
            "notices delivered",
        ]
        times = [s["at"] for s in dependency_cut["steps"]]
        assert times == sorted(times)

    def test_it_opens_a_partial_outage_incident_that_resolves(self, dependency_cut):
        incident = dependency_cut["incident"]
        assert incident["name"] == "Workflows & Integrations: partial outage"
        assert dependency_cut["status_during"] == "partial_outage"
        assert incident["updates"] == ["investigating", "monitoring", "resolved"]
        assert incident["status"] == "resolved"

    def test_it_tells_operators_and_subscribers_each_thing_once(self, dependency_cut):
        assert dependency_cut["notices_expected"] == 3
        assert_each_notice_once(dependency_cut)
        # Slack's text escapes "&" as "&amp;" (its message formatting rules).
        heads = [t.split("\n")[0] for t in dependency_cut["slack_texts"]]
        assert heads == [
            f"[Jelou] {s}: Workflows &amp; Integrations: partial outage"
            for s in ("Investigating", "Monitoring", "Resolved")
        ]

    @pytest.mark.browser
    @needs_chromium
    def test_it_screenshots_the_public_incident_page(self, dependency_cut):
        text = screenshot("dependency-cut")
        assert "Workflows & Integrations: partial outage" in text
        assert "Resolved" in text


@pytest.fixture(scope="module")
def campaign_spike() -> dict:
    return replay("campaign-spike")


class TestCampaignSpike:
    def test_it_goes_through_every_step_in_order(self, campaign_spike):
        assert step_names(campaign_spike) == [
            "bot service up",
            "monitor up",
            "two campaigns start",
            "first slow check",
            "component degraded_performance",
            "operator alert on Slack",
            "incident declared",
            "subscribers emailed",
            "campaigns end",
            "checks fast again",
            "incident monitoring",
            "incident resolved",
            "notices delivered",
        ]
        times = [s["at"] for s in campaign_spike["steps"]]
        assert times == sorted(times)

    def test_its_latency_crossed_the_threshold_under_load_only(self, campaign_spike):
        assert campaign_spike["slow_ms"] > 400
        assert campaign_spike["peak_in_flight"] >= 20
        assert campaign_spike["status_during"] == "degraded_performance"

    def test_it_carries_the_seeds_incident_to_resolved(self, campaign_spike):
        incident = campaign_spike["incident"]
        assert incident["name"] == (
            "WhatsApp Messaging Service – Increased Latency & Delayed Delivery"
        )
        assert incident["updates"] == ["investigating", "monitoring", "resolved"]

    @pytest.mark.browser
    @needs_chromium
    def test_it_screenshots_the_public_incident_page(self, campaign_spike):
        text = screenshot("campaign-spike")
        assert "Increased Latency & Delayed Delivery" in text

    def test_it_tells_operators_and_subscribers_each_thing_once(self, campaign_spike):
        assert campaign_spike["notices_expected"] == 3
        assert_each_notice_once(campaign_spike)
        heads = [t.split("\n")[0] for t in campaign_spike["slack_texts"]]
        # The latency alert reached the operators before anyone declared anything.
        assert "WhatsApp Messaging Service is Degraded performance" in heads[0]
        assert [h.split(":")[0] for h in heads if h.startswith("[Jelou]")] == [
            "[Jelou] Investigating",
            "[Jelou] Monitoring",
            "[Jelou] Resolved",
        ]


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(scope="module")
def db_saturation() -> dict:
    from aviso.scenarios.pg import pg_available

    # Aviso's own data stays in the scenario's SQLite sandbox; the database being
    # saturated is a throwaway one on the PostgreSQL server. Run once, on the
    # PostgreSQL pass of `make test`.
    if not _on_postgres():
        pytest.skip("runs on the PostgreSQL pass (AVISO_DATABASE_URL=postgres://...)")
    if not pg_available():
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    return replay("db-saturation")


@pytest.mark.postgres
class TestDbSaturation:
    def test_it_warns_before_the_database_refuses_anyone(self, db_saturation):
        names = step_names(db_saturation)
        assert names.index("first warning") < names.index("first connection refused")
        assert db_saturation["durations"]["warning before refusal"] > 0
        warning = next(s for s in db_saturation["steps"] if s["name"] == "first warning")
        assert "connections exhausted in" in warning["detail"]

    def test_it_goes_from_load_to_resolution_in_order(self, db_saturation):
        names = step_names(db_saturation)
        order = [
            "long-running sessions start",
            "first warning",
            "component degraded_performance",
            "incident opened",
            "subscribers emailed",
            "remediation dry run",
            "remediation",
            "recovery: incident monitoring",
            "incident resolved",
            "notices delivered",
        ]
        assert [n for n in names if n in order] == order
        # The database monitor and the service's health check fail within one
        # interval of each other, in either order; both after the warning.
        for failure in ("critical", "messaging service failing", "first connection refused"):
            assert names.index("first warning") < names.index(failure) < names.index("remediation")
        assert "too many connections" in db_saturation["refusal"]

    def test_it_opens_one_incident_on_the_component(self, db_saturation):
        incident = db_saturation["incident"]
        assert incident["name"] == "WhatsApp Messaging Service: outage"
        assert db_saturation["status_during"] == "major_outage"
        # The service's health check failing too may add one update to the same incident.
        updates = incident["updates"]
        assert updates[0] == "investigating" and updates[-2:] == ["monitoring", "resolved"]
        assert set(updates[:-2]) == {"investigating"} and len(updates) <= 4
        assert db_saturation["terminated"] >= 1
        assert db_saturation["audit"] == ["remediation.dry_run", "remediation.terminate"]

    @pytest.mark.browser
    @needs_chromium
    def test_it_screenshots_the_public_incident_page(self, db_saturation):
        text = screenshot("db-saturation")
        assert "WhatsApp Messaging Service: outage" in text

    def test_it_tells_operators_and_subscribers_each_thing_once(self, db_saturation):
        assert db_saturation["notices_expected"] == len(db_saturation["incident"]["updates"])
        assert_each_notice_once(db_saturation)

    def test_it_drafts_a_postmortem_with_the_seeds_sections_and_the_timeline(self, db_saturation):
        body = db_saturation["postmortem"]
        headings = [line[3:] for line in body.splitlines() if line.startswith("## ")]
        assert headings == [
            "Incident Summary", "Impact", "Detection", "Response", "Root Cause",
            "Resolution", "Preventive Measures", "Timeline",
        ]  # fmt: skip
        for figure in ("Time to detect", "Time to acknowledge", "Time to resolve"):
            assert f"- {figure}: " in body
        for step in ("first warning", "incident opened", "remediation", "incident resolved"):
            assert f" s {step}" in body
