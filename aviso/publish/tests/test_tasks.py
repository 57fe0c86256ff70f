from __future__ import annotations

import datetime as dt
import shutil
import time

import pytest
from django.utils import timezone

from aviso.publish import tasks
from aviso.publish.models import RenderState
from aviso.publish.store import SnapshotStore
from aviso.status import lifecycle
from aviso.status.models import Event
from aviso.status.worker import run_once
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
BURST = 150


def renders() -> int:
    return RenderState.objects.get(target=tasks.SNAPSHOTS).renders


def snapshot_body(path: str) -> bytes:
    snap = SnapshotStore().get(path)
    assert snap is not None, f"no snapshot of {path}"
    return snap.body


@pytest.fixture
def incident():
    page = make_page("Acme")
    api = make_component(page, "API")
    return lifecycle.create_incident(
        page, actor=SYSTEM, name="Slow API", components={api: "degraded_performance"}
    )


def drain(worker: str = "w1") -> None:
    """Worker turns until every event is handled and nothing is due."""
    while run_once(worker):
        pass


def settle() -> None:
    """Handle the pending events, let the quiet period pass, render."""
    drain()
    time.sleep(tasks.QUIET.total_seconds())
    drain()


class TestCoalescedRenders:
    def test_it_renders_at_once_when_there_are_no_snapshots_yet(self, incident):
        drain()
        assert renders() == 1
        assert b"Slow API" in snapshot_body("/")
        assert b"Slow API" in snapshot_body(f"/incidents/{incident.code}")

    def test_it_turns_a_burst_of_150_updates_into_a_handful_of_renders(self, incident):
        # bench/scale.py runs the same burst at 1,000 updates and reports its time.
        settle()
        before = renders()
        started = time.monotonic()
        for number in range(1, BURST + 1):
            lifecycle.post_update(
                incident, actor=SYSTEM, status="identified", body=f"Update number {number}."
            )
            if number % 50 == 0:
                run_once("w1")  # a worker turn takes a batch of 50 events, as in production
        burst = time.monotonic() - started
        settle()
        assert not Event.objects.filter(handled_at__isnull=True).exists()
        count = renders() - before
        # One render per MAX_DELAY of burst at most, plus the one after it ends.
        assert 1 <= count <= max(5, int(burst / tasks.MAX_DELAY.total_seconds()) + 2), (
            count,
            burst,
        )
        page = snapshot_body(f"/incidents/{incident.code}")
        last = f"Update number {BURST}.".encode()
        assert last in page
        assert last in snapshot_body("/")
        state = RenderState.objects.get(target=tasks.SNAPSHOTS)
        assert not state.is_dirty and state.dirty_since is None

    def test_it_waits_for_a_pause_in_a_burst(self, incident):
        settle()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        run_once("w1")  # handles the event; the change is too fresh to render yet
        assert b"Found it." not in snapshot_body(f"/incidents/{incident.code}")
        settle()
        assert b"Found it." in snapshot_body(f"/incidents/{incident.code}")

    def test_a_fresh_change_asks_the_lane_back_when_its_quiet_period_ends(
        self, incident, monkeypatch
    ):
        settle()
        asked = []
        monkeypatch.setattr(tasks, "come_back_in", lambda lane, s: asked.append((lane, s)))
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        run_once("w1")  # handled; too fresh to render: the lane is asked back, not left to poll
        assert asked and asked[-1][0] == tasks.LANE
        assert 0 < asked[-1][1] <= tasks.QUIET.total_seconds()

    def test_it_waits_for_the_outbox_before_rendering_notices_first(self, incident):
        settle()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        run_once("w1")  # handled: the change is marked
        # Another incident's events still wait (in a broad outage: the fan-out of
        # incidents nobody has heard of yet); the render holds back for them.
        lifecycle.post_update(incident, actor=SYSTEM, status="monitoring", body="Watching.")
        time.sleep(tasks.QUIET.total_seconds())
        assert tasks.render_if_due(tasks.SNAPSHOTS, "w1") is False
        assert b"Found it." not in snapshot_body(f"/incidents/{incident.code}")
        settle()  # the outbox handled: the render takes both changes
        assert b"Watching." in snapshot_body(f"/incidents/{incident.code}")

    def test_it_waits_for_the_outbox_only_so_long(self, incident, monkeypatch):
        settle()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        run_once("w1")
        lifecycle.post_update(incident, actor=SYSTEM, status="monitoring", body="Watching.")
        monkeypatch.setattr(tasks, "OUTBOX_WAIT", dt.timedelta(0))
        time.sleep(tasks.QUIET.total_seconds())
        assert tasks.render_if_due(tasks.SNAPSHOTS, "w1") is True
        assert b"Found it." in snapshot_body(f"/incidents/{incident.code}")

    def test_it_leaves_a_target_another_worker_is_rendering(self, incident):
        settle()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        run_once("w1")
        RenderState.objects.update(
            claimed_by="w2", claimed_until=timezone.now() + dt.timedelta(minutes=1)
        )
        time.sleep(tasks.QUIET.total_seconds())
        assert tasks.render_if_due(tasks.SNAPSHOTS, "w1") is False
        RenderState.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
        assert tasks.render_if_due(tasks.SNAPSHOTS, "w1") is True

    def test_it_takes_back_its_own_claim_after_a_cut_render(self, incident):
        settle()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        settle()  # handled and rendered
        lifecycle.post_update(incident, actor=SYSTEM, status="monitoring", body="Watching.")
        drain()
        # w1 claimed, then lost the database mid-render: its lease is still running.
        RenderState.objects.update(
            claimed_by="w1", claimed_until=timezone.now() + dt.timedelta(minutes=1)
        )
        time.sleep(tasks.QUIET.total_seconds())
        assert tasks.render_if_due(tasks.SNAPSHOTS, "w1") is True
        assert b"Watching." in snapshot_body(f"/incidents/{incident.code}")

    def test_it_keeps_the_last_snapshots_when_a_render_fails(self, incident, snapshot_dir):
        settle()
        good = snapshot_body(f"/incidents/{incident.code}")
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
        (snapshot_dir / "blobs").rename(snapshot_dir / "blobs-moved")
        (snapshot_dir / "blobs").write_text("a file where the blob folder should be")
        settle()
        state = RenderState.objects.get(target=tasks.SNAPSHOTS)
        assert state.is_dirty
        assert "blobs" in state.last_error
        (snapshot_dir / "blobs").unlink()
        (snapshot_dir / "blobs-moved").rename(snapshot_dir / "blobs")
        assert snapshot_body(f"/incidents/{incident.code}") == good
        RenderState.objects.update(claimed_until=None)  # skip the retry delay
        settle()
        assert b"Found it." in snapshot_body(f"/incidents/{incident.code}")
        assert RenderState.objects.get(target=tasks.SNAPSHOTS).last_error == ""

    def test_it_renders_at_once_when_the_snapshots_are_gone(self, incident, snapshot_dir):
        settle()
        shutil.rmtree(snapshot_dir)  # a new machine, or a wiped data dir
        assert run_once("w1") is True
        assert b"Slow API" in snapshot_body("/")

    def test_it_drops_the_snapshot_of_a_deleted_incident(self, incident):
        settle()
        path = f"/incidents/{incident.code}"
        assert SnapshotStore().get(path) is not None
        lifecycle.delete_incident(incident, actor=SYSTEM)
        settle()
        assert SnapshotStore().get(path) is None
        assert b"Slow API" not in snapshot_body("/")


class TestIsDue:
    NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)

    def state(self, **fields) -> RenderState:
        fields.setdefault("rendered_at", self.NOW - dt.timedelta(seconds=30))
        return RenderState(target="t", **fields)

    def test_it_is_due_at_first_start(self):
        assert tasks.is_due(self.state(rendered_at=None), self.NOW)

    def test_it_waits_while_changes_keep_coming(self):
        fresh = self.NOW - tasks.QUIET / 2
        state = self.state(wanted=5, rendered=4, changed_at=fresh, dirty_since=fresh)
        assert not tasks.is_due(state, self.NOW)

    def test_it_renders_after_a_pause(self):
        paused = self.NOW - tasks.QUIET
        assert tasks.is_due(
            self.state(wanted=5, rendered=4, changed_at=paused, dirty_since=paused), self.NOW
        )

    def test_it_renders_a_long_burst_every_max_delay(self):
        state = self.state(
            wanted=900,
            rendered=4,
            changed_at=self.NOW,
            dirty_since=self.NOW - tasks.MAX_DELAY,
        )
        assert tasks.is_due(state, self.NOW)

    def test_it_refreshes_a_quiet_site_now_and_then(self):
        assert not tasks.is_due(self.state(wanted=4, rendered=4), self.NOW)
        stale = self.state(wanted=4, rendered=4, rendered_at=self.NOW - tasks.REFRESH)
        assert tasks.is_due(stale, self.NOW)


class TestPublishDir:
    def test_it_keeps_the_static_copy_current(self, incident, tmp_path, monkeypatch):
        out = tmp_path / "public"
        monkeypatch.setenv("AVISO_PUBLISH_DIR", str(out))  # what `aviso up --publish-dir` sets
        settle()
        page = out / "incidents" / f"{incident.code}.html"
        assert "Slow API" in page.read_text()
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found the disk.")
        settle()
        assert "Found the disk." in page.read_text()
        assert "Found the disk." in (out / "index.html").read_text()
        assert RenderState.objects.get(target=tasks.PUBLISH_DIR).renders == 2
