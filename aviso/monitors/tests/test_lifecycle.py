"""Creating and changing monitors: validation per field, audit, rescheduling."""

from __future__ import annotations

import pytest

from aviso.monitors import lifecycle
from aviso.monitors.choices import MonitorState
from aviso.monitors.models import Monitor
from aviso.monitors.tests.factories import make_monitor
from aviso.status.lifecycle import LifecycleError
from aviso.status.models import AuditEntry
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


def refused(**fields) -> dict[str, str]:
    base = {"name": "x", "kind": "tcp", "config": {"host": "h", "port": 1}}
    with pytest.raises(LifecycleError) as caught:
        lifecycle.create_monitor(actor=SYSTEM, **{**base, **fields})
    assert not Monitor.objects.exists()
    return caught.value.errors


class TestCreateMonitor:
    def test_it_validates_the_common_settings(self):
        assert set(refused(interval_seconds=9)) == {"interval_seconds"}
        assert set(refused(timeout_seconds=0)) == {"timeout_seconds"}
        assert refused(interval_seconds=10, timeout_seconds=20) == {
            "timeout_seconds": "Must not exceed the interval."
        }
        assert set(refused(confirmations_down=0)) == {"confirmations_down"}
        assert set(refused(regions=["eu west"])) == {"regions"}
        assert set(refused(regions=["eu", "r" * 33])) == {"regions"}  # a result's column
        assert set(refused(kind="gopher")) == {"kind"}

    @pytest.mark.parametrize(
        ("kind", "config", "field"),
        [
            ("http", {"url": "http://x", "expected_status": [700]}, "config.expected_status"),
            ("http", {"url": "http://x", "json_equals": 3}, "config"),
            ("tls", {"host": "x", "warn_days": 3, "critical_days": 9}, "config"),
            ("tcp", {"host": "x", "port": 70000}, "config.port"),
            ("dns", {"name": "x", "record_type": "HINFO"}, "config.record_type"),
            ("heartbeat", {"period_seconds": 5}, "config.period_seconds"),
            (
                "postgres",
                {"dsn": "x", "connections_warn": 0.9, "connections_critical": 0.5},
                "config",
            ),
            ("redis", {"host": "x", "memory_warn": 2}, "config.memory_warn"),
        ],
    )
    def test_it_validates_each_kind(self, kind, config, field):
        assert field in refused(kind=kind, config=config)

    def test_it_stores_the_config_with_defaults_and_an_audit_entry(self):
        monitor = lifecycle.create_monitor(
            actor=SYSTEM,
            name=" DB ",
            kind="tcp",
            config={"host": "db", "port": 5432},
            regions="eu, us",
        )
        assert monitor.name == "DB"
        assert monitor.config == {"host": "db", "port": 5432, "degraded_latency_ms": None}
        assert monitor.region_list == ["eu", "us"]
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.after["name"]) == ("monitor.create", "DB")


class TestUpdateMonitor:
    def test_a_new_target_resets_state(self):
        monitor = make_monitor()
        Monitor.objects.filter(pk=monitor.pk).update(state=MonitorState.DOWN, streak=5)
        monitor = lifecycle.update_monitor(monitor, actor=SYSTEM, config={"host": "db2", "port": 1})
        assert (monitor.state, monitor.streak) == (MonitorState.UNKNOWN, 0)

    def test_a_rename_keeps_state(self):
        monitor = make_monitor()
        Monitor.objects.filter(pk=monitor.pk).update(state=MonitorState.DOWN)
        assert lifecycle.update_monitor(monitor, actor=SYSTEM, name="b").state == MonitorState.DOWN

    def test_it_refuses_unknown_fields_and_bad_values_and_keeps_the_row(self):
        monitor = make_monitor("keep")
        with pytest.raises(LifecycleError) as caught:
            lifecycle.update_monitor(monitor, actor=SYSTEM, state="up")
        assert caught.value.errors == {"state": "Cannot be changed."}
        with pytest.raises(LifecycleError):
            lifecycle.update_monitor(monitor, actor=SYSTEM, name="", interval_seconds=1)
        assert Monitor.objects.get().name == "keep"
