"""The checker's database units: leases, batched results, confirmations, the hook."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aviso.monitors import detection, lifecycle
from aviso.monitors.choices import CheckStatus, MonitorState
from aviso.monitors.models import Monitor, MonitorRegionSlot, Result
from aviso.monitors.probes import Outcome
from aviso.monitors.store import Done, claim_due, release, renew, save_results
from aviso.monitors.tests.factories import make_monitor
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db
LEASE = dt.timedelta(seconds=30)


def claim(worker="a", batch=100, region=None, ahead=1.0):
    until = timezone.now() + dt.timedelta(seconds=ahead)
    return claim_due(worker, until=until, lease=LEASE, batch=batch, region=region)


def finish(jobs, status=CheckStatus.UP, latency=12.0):
    now = timezone.now()
    return [
        Done(job, now, Outcome(status, latency, "ok"), now + dt.timedelta(seconds=job.interval))
        for job in jobs
    ]


class TestClaimDue:
    def test_it_leases_due_monitors_once(self):
        make_monitor("a")
        make_monitor("b")
        make_monitor("later", next_due_at=timezone.now() + dt.timedelta(minutes=5))
        make_monitor("paused", paused=True)
        jobs, broken = claim("one")
        assert sorted(j.target.id for j in jobs) == sorted(
            Monitor.objects.filter(name__in=["a", "b"]).values_list("id", flat=True)
        )
        assert broken == []
        assert claim("two") == ([], [])  # leased: nobody else gets them

    def test_it_takes_over_an_expired_lease(self):
        monitor = make_monitor()
        claim("dead")
        Monitor.objects.filter(pk=monitor.pk).update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
        jobs, _ = claim("alive")
        assert [j.target.id for j in jobs] == [monitor.id]

    def test_it_respects_regions(self):
        anywhere = make_monitor("anywhere")
        eu = make_monitor("eu only", regions=["eu"])
        assert {j.target.id for j in claim("x", region="us")[0]} == {anywhere.id}
        assert {j.target.id for j in claim("y", region="eu")[0]} == {eu.id}

    def test_it_reports_a_monitor_whose_stored_config_is_broken(self):
        monitor = make_monitor()
        Monitor.objects.filter(pk=monitor.pk).update(config={"host": ""})
        jobs, broken = claim()
        assert broken == [monitor.id]


class TestSaveResults:
    def test_it_stores_results_and_frees_the_lease(self):
        monitor = make_monitor(confirmations_down=2)
        jobs, _ = claim("a")
        observations = save_results("a", finish(jobs))
        monitor.refresh_from_db()
        assert (monitor.state, monitor.last_status, monitor.last_latency_ms) == ("up", "up", 12.0)
        assert monitor.claimed_until is None
        assert monitor.next_due_at > timezone.now()
        assert Result.objects.get().due_at == jobs[0].due_at
        assert observations[0].previous_state == MonitorState.UNKNOWN
        assert observations[0].changed

    def test_it_drops_results_of_a_lease_another_checker_took(self):
        make_monitor()
        jobs, _ = claim("slow")
        Monitor.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
        taken, _ = claim("fast")
        assert save_results("slow", finish(jobs)) == []
        assert len(save_results("fast", finish(taken))) == 1
        assert Result.objects.count() == 1

    def test_it_needs_confirmations_before_down_and_up(self):
        monitor = make_monitor(confirmations_down=2, confirmations_up=2)
        states = []
        for status in ["up", "down", "down", "up", "down", "up", "up"]:
            Monitor.objects.update(next_due_at=timezone.now())
            jobs, _ = claim()
            [obs] = save_results("a", finish(jobs, CheckStatus(status)))
            states.append(obs.state.value)
        assert states == ["up", "up", "down", "down", "down", "down", "up"]
        monitor.refresh_from_db()
        assert (monitor.streak_status, monitor.streak) == ("up", 2)

    def test_it_stores_metrics_as_json(self):
        make_monitor()
        jobs, _ = claim()
        now = timezone.now()
        outcome = Outcome(CheckStatus.DEGRADED, None, "x", metrics={"saturation": 0.8, "a": [1]})
        save_results("a", [Done(jobs[0], now, outcome, now)])
        result = Result.objects.get()
        assert (result.metrics, result.latency_ms, result.status) == (
            {"saturation": 0.8, "a": [1]},
            None,
            "degraded",
        )

    def test_it_stores_the_checkers_region(self):
        make_monitor()
        save_results("a", finish(claim("a")[0]), region="eu")
        assert Result.objects.get().region == "eu"

    def test_it_keeps_probe_state_for_the_next_check(self):
        make_monitor()
        jobs, _ = claim()
        now = timezone.now()
        done = [
            Done(
                jobs[0],
                now,
                Outcome(CheckStatus.UP, 1.0, "", probe_state={"samples": [[1, 2]]}),
                now,
            )
        ]
        save_results("a", done)
        assert Monitor.objects.get().probe_state == {"samples": [[1, 2]]}

    def test_it_hands_each_batch_to_the_detection_hooks(self):
        seen = []
        detection.register(seen.append)
        try:
            make_monitor("a")
            make_monitor("b")
            jobs, _ = claim()
            observations = save_results("a", finish(jobs, CheckStatus.DOWN))
            detection.dispatch(observations)
        finally:
            detection.unregister(seen.append)
        assert len(seen) == 1
        assert {o.status for o in seen[0]} == {CheckStatus.DOWN}

    def test_a_failing_hook_does_not_stop_the_others(self):
        seen = []

        def broken(observations):
            raise RuntimeError("bug in a hook")

        detection.register(broken)
        detection.register(seen.append)
        try:
            detection.dispatch([object()])
        finally:
            detection.unregister(broken)
            detection.unregister(seen.append)
        assert len(seen) == 1


class TestRenew:
    def test_it_extends_only_the_leases_this_checker_still_holds(self):
        mine, taken, stored = make_monitor("mine"), make_monitor("taken"), make_monitor("stored")
        jobs = {j.target.id: j for j in claim("a")[0]}
        save_results("a", finish([jobs[stored.id]]))  # its result freed the lease
        Monitor.objects.filter(pk=taken.pk).update(claimed_by="b")  # after a lapse
        until, kept, slots = renew("a", list(jobs), [], dt.timedelta(seconds=15))
        assert (kept, slots) == ({mine.id}, set())
        assert Monitor.objects.get(pk=mine.pk).claimed_until == until
        assert Monitor.objects.get(pk=taken.pk).claimed_by == "b"
        assert Monitor.objects.get(pk=stored.pk).claimed_until is None

    def test_a_renewed_lease_is_not_claimed_by_another_checker(self):
        monitor = make_monitor()
        claim_due("a", until=timezone.now() + dt.timedelta(seconds=1),
                  lease=dt.timedelta(seconds=1), batch=10)  # fmt: skip
        renew("a", [monitor.id], [], dt.timedelta(seconds=15))
        later = timezone.now() + dt.timedelta(seconds=5)  # the first lease has lapsed by then
        assert Monitor.objects.filter(claimed_until__lt=later).count() == 0
        assert claim("b") == ([], [])

    def test_it_renews_region_slots(self):
        monitor = make_monitor("eu", regions=["eu"])
        [job] = claim("a", region="eu")[0]
        _until, kept, slots = renew("a", [], [job.slot], dt.timedelta(seconds=15))
        assert (kept, slots) == (set(), {job.slot})
        assert MonitorRegionSlot.objects.get(monitor=monitor).claimed_by == "a"


class TestLanes:
    def test_a_monitor_whose_last_check_took_most_of_its_timeout_runs_in_the_slow_lane(self):
        make_monitor("hanging", timeout_seconds=10)
        make_monitor("slowish", timeout_seconds=10)
        make_monitor("fresh", timeout_seconds=10)
        Monitor.objects.filter(name="hanging").update(last_latency_ms=10_000)
        Monitor.objects.filter(name="slowish").update(last_latency_ms=3_000)
        slow = {j.target.id: j.slow for j in claim()[0]}
        by_name = dict(Monitor.objects.values_list("name", "id"))
        assert slow == {by_name["hanging"]: True, by_name["slowish"]: False,
                        by_name["fresh"]: False}  # fmt: skip


class TestRelease:
    def test_it_gives_back_unchecked_leases(self):
        make_monitor()
        jobs, _ = claim("a")
        assert release("a", [j.target.id for j in jobs]) == 1
        assert len(claim("b")[0]) == 1


class TestRegionSlots:
    """A monitor listing regions is checked once per interval by each of them."""

    def test_each_listed_region_stores_one_result_per_interval_slot(self):
        monitor = make_monitor("everywhere", regions=["eu", "us", "ap"], interval_seconds=60)
        anywhere = make_monitor("anywhere")
        assert [j.target.id for j in claim("plain")[0]] == [anywhere.id]  # no region: not it
        for interval in (1, 2):
            for region in ("eu", "us", "ap"):
                jobs, _ = claim(f"checker-{region}", region=region, ahead=61 * interval)
                mine = [j for j in jobs if j.target.id == monitor.id]
                assert [j.region for j in mine] == [region]
                assert claim(f"other-{region}", region=region, ahead=61 * interval) == ([], [])
                observations = save_results(f"checker-{region}", finish(mine))
                assert [o.region for o in observations] == [region]
                # The slot is done for this interval; the next one is an interval later.
                assert claim(f"checker-{region}", region=region, ahead=1) == ([], [])
            counts = {
                region: Result.objects.filter(monitor=monitor, region=region).count()
                for region in ("eu", "us", "ap")
            }
            assert counts == {"eu": interval, "us": interval, "ap": interval}

    def test_a_result_is_dropped_when_the_region_lease_was_lost(self):
        monitor = make_monitor("eu and us", regions=["eu", "us"])
        jobs, _ = claim("first", region="eu")
        MonitorRegionSlot.objects.filter(monitor=monitor, region="eu").update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
        assert [j.target.id for j in claim("second", region="eu")[0]] == [monitor.id]
        assert save_results("first", finish(jobs)) == []
        assert not Result.objects.exists()

    def test_release_gives_back_region_slots(self):
        monitor = make_monitor("eu", regions=["eu"])
        claim("stopping", region="eu")
        assert release("stopping", [monitor.id]) == 1
        assert [j.target.id for j in claim("next", region="eu")[0]] == [monitor.id]

    def test_slots_follow_the_monitors_regions_and_pause(self):
        monitor = make_monitor("moving", regions=["eu", "us"])
        slots = MonitorRegionSlot.objects.filter(monitor=monitor)
        assert sorted(slots.values_list("region", flat=True)) == ["eu", "us"]
        monitor = lifecycle.update_monitor(monitor, actor=SYSTEM, regions=["us", "ap"])
        assert sorted(slots.values_list("region", flat=True)) == ["ap", "us"]
        lifecycle.pause_monitor(monitor, actor=SYSTEM)
        assert claim("paused", region="us", ahead=30) == ([], [])
        lifecycle.resume_monitor(monitor, actor=SYSTEM)
        assert [j.region for j in claim("back", region="us")[0]] == ["us"]
        lifecycle.update_monitor(monitor, actor=SYSTEM, regions=[])
        assert not slots.exists()
        assert [j.target.id for j in claim("plain")[0]] == [monitor.id]
