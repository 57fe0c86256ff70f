"""Heartbeat monitors: the probe's reading of pings, and the /ping/ endpoints."""

from __future__ import annotations

import datetime as dt

import pytest

from aviso.monitors import lifecycle
from aviso.monitors.choices import CheckStatus, PingKind
from aviso.monitors.models import Monitor
from aviso.monitors.tests.test_probes import check
from aviso.testing import SYSTEM

NOW = dt.datetime.now(dt.UTC)
CONF = {"period_seconds": 60, "grace_seconds": 30}


def ago(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)


class TestHeartbeatProbe:
    def test_it_is_up_when_pinged_within_the_period(self):
        assert (
            check("heartbeat", CONF, last_ping_at=ago(30), last_ping_kind="success").status == "up"
        )

    def test_it_is_up_within_the_grace_time(self):
        outcome = check("heartbeat", CONF, last_ping_at=ago(75), last_ping_kind="success")
        assert (outcome.status, outcome.message) == ("up", "late, within the grace time")

    def test_it_is_down_after_period_and_grace(self):
        outcome = check("heartbeat", CONF, last_ping_at=ago(95), last_ping_kind="success")
        assert outcome.status == CheckStatus.DOWN

    def test_it_is_down_on_a_fail_ping(self):
        outcome = check("heartbeat", CONF, last_ping_at=ago(5), last_ping_kind="fail")
        assert outcome.status == CheckStatus.DOWN

    def test_it_is_down_when_a_started_job_runs_past_the_grace(self):
        started = check("heartbeat", CONF, last_ping_at=ago(50), last_start_at=ago(40),
                        last_ping_kind="start")  # fmt: skip
        assert started.status == CheckStatus.DOWN
        running = check("heartbeat", CONF, last_ping_at=ago(50), last_start_at=ago(10),
                        last_ping_kind="start")  # fmt: skip
        assert running.status == CheckStatus.UP

    def test_a_new_monitor_counts_from_its_creation(self):
        assert check("heartbeat", CONF, created_at=ago(10)).status == "up"
        assert check("heartbeat", CONF, created_at=ago(200)).status == "down"


@pytest.mark.django_db
class TestPingEndpoint:
    @pytest.fixture
    def monitor(self):
        return lifecycle.create_monitor(actor=SYSTEM, name="nightly backup", kind="heartbeat",
                                        config=CONF)  # fmt: skip

    def test_it_records_success_start_and_fail(self, client, monitor):
        assert client.get(f"/ping/{monitor.ping_key}/start").status_code == 200
        monitor.refresh_from_db()
        assert (monitor.last_ping_kind, monitor.last_ping_at) == (PingKind.START, None)
        assert monitor.last_start_at is not None
        assert client.post(f"/ping/{monitor.ping_key}").content == b"OK"
        monitor.refresh_from_db()
        assert monitor.last_ping_kind == PingKind.SUCCESS
        assert monitor.last_ping_at is not None
        client.get(f"/ping/{monitor.ping_key}/fail")
        monitor.refresh_from_db()
        assert monitor.last_ping_kind == PingKind.FAIL

    def test_it_answers_404_for_an_unknown_key_or_another_kind(self, client):
        other = lifecycle.create_monitor(actor=SYSTEM, name="web", kind="tcp",
                                         config={"host": "127.0.0.1", "port": 80})  # fmt: skip
        assert client.get("/ping/2b9a8f0e-1111-4222-8333-444455556666").status_code == 404
        assert client.get(f"/ping/{other.ping_key}").status_code == 404
        assert client.get("/ping/not-a-uuid").status_code == 404
        assert not Monitor.objects.filter(last_ping_kind__gt="").exists()
