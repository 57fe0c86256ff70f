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

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "scenarios"
CHROMIUM = "/usr/bin/chromium"


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


def step_names(outcome: dict) -> list[str]:
    return [s["name"] for s in outcome["steps"]]


def assert_each_notice_once(outcome: dict) -> None:
    """Every subscriber got each incident update's email exactly once."""
    per_subscriber = outcome["notices_per_subscriber"]
    assert set(per_subscriber.values()) == {outcome["notices_expected"]}
    pairs = Counter((e["to"], e["subject"]) for e in outcome["emails"])
    assert set(pairs.values()) == {1}, pairs  # no doubles
    subjects = {to: {s for (t, s) in pairs if t == to} for to in per_subscriber}
    assert len({frozenset(s) for s in subjects.values()}) == 1  # the same notices for all
    # No doubled operator alert either.
    texts = outcome["slack_texts"]
    assert texts and len(texts) == len(set(texts)), texts


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
    @pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Debian chromium at {CHROMIUM}")
    def test_it_screenshots_the_public_incident_page(self, dependency_cut):
        sync_api = pytest.importorskip("playwright.sync_api")
        html = ARTIFACTS / "dependency-cut.incident.html"
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(html.as_uri())
                text = page.inner_text("body")
                page.screenshot(path=str(ARTIFACTS / "dependency-cut.incident.png"), full_page=True)
            finally:
                browser.close()
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
