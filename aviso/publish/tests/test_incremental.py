"""A change renders only what it touches, and the result equals a full render byte for byte."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from aviso.publish import tasks
from aviso.publish.models import PendingRender
from aviso.publish.render import live_history_windows, render_site
from aviso.publish.store import SnapshotStore
from aviso.status import lifecycle
from aviso.status.models import Event
from aviso.testing import SYSTEM, make_component, make_page

# Render logic: the engine only stores the rows, so the PostgreSQL pass skips it.
pytestmark = [pytest.mark.django_db, pytest.mark.engine_independent]
LANGUAGES = ["en", "es"]
# The changes whose byte-for-byte comparison also runs with both languages; the
# others compare one language (each comparison is two full renders: the file was
# the suite's longest).
BOTH_LANGUAGES = {"incident updated", "component status", "maintenance updated"}


@pytest.fixture
def site(request):
    """A page in two languages with incidents over several months and a maintenance.

    ``@pytest.mark.parametrize("site", [[...languages]], indirect=True)`` sets others.

    Only states that cost no uptime (degraded, maintenance): an outage's uptime
    percentage moves with the clock, so two renders a second apart could differ
    for a reason that has nothing to do with what was re-rendered.
    """
    page = make_page("Acme", languages=getattr(request, "param", LANGUAGES))
    api = make_component(page, "API")
    db = make_component(page, "Database")
    now = timezone.now()
    old = [
        lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name=f"Old outage {months}",
            components={db: "degraded_performance"},
            started_at=now - dt.timedelta(days=30 * months),
        )
        for months in (1, 4, 7)
    ]
    for incident in old:
        lifecycle.resolve_incident(incident, actor=SYSTEM, body="Fixed.")
    current = lifecycle.create_incident(
        page, actor=SYSTEM, name="Slow API", components={api: "degraded_performance"}
    )
    maintenance = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Database upgrade",
        scheduled_for=now + dt.timedelta(days=2),
        scheduled_until=now + dt.timedelta(days=2, hours=1),
        components=[db],
    )
    tasks.render_snapshots(full=True)
    return {
        "page": page,
        "api": api,
        "db": db,
        "current": current,
        "old": old,
        "maintenance": maintenance,
    }


def handle_new_events() -> None:
    """What the worker does with each new event: the publish handler notes its scope."""
    for event in Event.objects.filter(handled_at__isnull=True):
        tasks.mark_dirty(event)
        Event.objects.filter(pk=event.pk).update(handled_at=timezone.now())


def bodies(store: SnapshotStore) -> dict[str, bytes]:
    manifest = store.read_manifest()
    assert manifest is not None
    return {key: store.load(key, entry).body for key, entry in manifest.entries.items()}


def assert_same_as_a_full_render(tmp_path) -> None:
    incremental = bodies(SnapshotStore())
    full = SnapshotStore(tmp_path / "full")
    full.write(render_site(windows=live_history_windows()), rendered_at="now")
    expected = bodies(full)
    assert sorted(incremental) == sorted(expected)
    stale = [key for key in expected if incremental[key] != expected[key]]
    assert stale == [], f"stale after an incremental render: {stale}"


def change_and_render(change) -> list[str]:
    PendingRender.objects.all().delete()
    Event.objects.update(handled_at=timezone.now())
    before = SnapshotStore().read_manifest().generation
    change()
    handle_new_events()
    assert PendingRender.objects.exists()
    rendered = tasks.render_snapshots()
    assert SnapshotStore().read_manifest().generation > before
    assert not PendingRender.objects.exists()
    return rendered


CHANGES = {
    "incident created": lambda s: lifecycle.create_incident(
        s["page"], actor=SYSTEM, name="Login errors", components={s["db"]: "degraded_performance"}
    ),
    "incident created, started two months ago": lambda s: lifecycle.create_incident(
        s["page"], actor=SYSTEM, name="Found in the logs",
        components={s["db"]: "degraded_performance"},
        started_at=timezone.now() - dt.timedelta(days=62),
    ),  # fmt: skip
    "incident updated": lambda s: lifecycle.post_update(
        s["current"], actor=SYSTEM, status="identified", body="Found the slow query."
    ),
    "incident updated, a component moved": lambda s: lifecycle.post_update(
        s["current"], actor=SYSTEM, status="identified", body="The database too.",
        components={s["db"].code: "degraded_performance"},  # by code: the row as it is now
    ),  # fmt: skip
    "incident resolved": lambda s: lifecycle.resolve_incident(
        s["current"], actor=SYSTEM, body="Back to normal."
    ),
    "old incident's update edited": lambda s: lifecycle.edit_update(
        s["old"][1].updates.order_by("id").last(), actor=SYSTEM, body="Fixed for good."
    ),
    "update deleted": lambda s: lifecycle.delete_update(
        s["old"][0].updates.order_by("id").last(), actor=SYSTEM
    ),
    "incident deleted": lambda s: lifecycle.delete_incident(s["old"][2], actor=SYSTEM),
    "postmortem published": lambda s: (
        lifecycle.save_postmortem(s["old"][0], actor=SYSTEM, body="## Root cause\nA lock."),
        lifecycle.publish_postmortem(s["old"][0], actor=SYSTEM),
    ),
    "component status": lambda s: lifecycle.set_component_status(
        s["db"], "degraded_performance", actor=SYSTEM
    ),
    "maintenance started": lambda s: lifecycle.start_maintenance(s["maintenance"], actor=SYSTEM),
    "maintenance updated": lambda s: lifecycle.update_maintenance(
        s["maintenance"], actor=SYSTEM, name="Database upgrade to 17"
    ),
    "maintenance cancelled": lambda s: lifecycle.cancel_maintenance(s["maintenance"], actor=SYSTEM),
    "maintenance scheduled": lambda s: lifecycle.schedule_maintenance(
        s["page"],
        actor=SYSTEM,
        name="Network work",
        scheduled_for=timezone.now() + dt.timedelta(days=5),
        scheduled_until=timezone.now() + dt.timedelta(days=5, hours=2),
        components=[s["api"]],
    ),
    "page renamed": lambda s: lifecycle.update_page(s["page"], actor=SYSTEM, name="Acme Cloud"),
    "component renamed": lambda s: lifecycle.update_component(
        s["api"], actor=SYSTEM, name="Public API"
    ),
}


class TestEveryChangeEqualsAFullRender:
    @pytest.mark.parametrize("site", [["en"]], indirect=True)
    @pytest.mark.parametrize("kind", list(CHANGES))
    def test_after_the_change_every_snapshot_is_what_a_full_render_makes(
        self, site, tmp_path, kind
    ):
        change_and_render(lambda: CHANGES[kind](site))
        assert_same_as_a_full_render(tmp_path)

    @pytest.mark.parametrize("kind", sorted(BOTH_LANGUAGES))
    def test_in_two_languages_too(self, site, tmp_path, kind):
        change_and_render(lambda: CHANGES[kind](site))
        assert_same_as_a_full_render(tmp_path)

    def test_a_burst_of_different_changes_is_one_render_of_their_union(self, site, tmp_path):
        def burst():
            for change in ("incident updated", "component status", "maintenance started"):
                CHANGES[change](site)

        change_and_render(burst)
        assert_same_as_a_full_render(tmp_path)


class TestOnlyWhatIsTouched:
    def test_an_incident_update_leaves_the_other_incident_pages_alone(self, site):
        rendered = change_and_render(lambda: CHANGES["incident updated"](site))
        current = site["current"].code
        assert f"/incidents/{current}" in rendered
        assert f"/es/incidents/{current}" in rendered
        for incident in site["old"]:
            assert f"/incidents/{incident.code}" not in rendered
            assert f"/es/incidents/{incident.code}" not in rendered
        assert not any(
            key.endswith(f"/maintenances/{site['maintenance'].code}") for key in rendered
        )
        total = len(SnapshotStore().read_manifest().entries)
        assert len(rendered) < total

    def test_an_incident_renders_only_the_history_window_of_its_month(self, site):
        rendered = change_and_render(lambda: CHANGES["old incident's update edited"](site))
        windows = [key for key in rendered if "/history" in key and "." not in key]
        assert windows, rendered
        assert "/history" not in rendered and "/es/history" not in rendered  # the present
        started = site["old"][1].started_at.astimezone(site["page"].zone)
        for key in windows:  # each holds the month it started in
            year, month = map(int, key.rpartition("through=")[2].split("-"))
            back = (year - started.year) * 12 + month - started.month
            assert 0 <= back < 3, (key, started)

    def test_the_front_page_and_json_are_stored_before_the_rest(self, site, monkeypatch):
        sets = []
        write = tasks._write

        def recorded(store, pages, now, snapshots, kept):
            write(store, pages, now, snapshots, kept)
            sets.append(([snap.path for snap in snapshots], store.read_manifest()))

        monkeypatch.setattr(tasks, "_write", recorded)
        whole = set(SnapshotStore().read_manifest().entries)
        change_and_render(lambda: CHANGES["incident updated"](site))
        (first, first_set), (rest, last_set) = sets
        assert {"/", "/api/v2/summary.json", f"/incidents/{site['current'].code}"} <= set(first)
        assert "/history" not in first and "/history" in rest
        assert set(first_set.entries) == set(last_set.entries) == whole  # each set is whole

    def test_a_new_incident_renders_only_the_present_months_uptime_report(self, site):
        rendered = change_and_render(lambda: CHANGES["incident updated"](site))
        reports = {key.rpartition("month=")[2] for key in rendered if "/uptime?month=" in key}
        now = timezone.now().astimezone(site["page"].zone)
        assert reports == {f"{now.year:04d}-{now.month:02d}"}

    def test_an_incident_renders_only_the_badges_of_components_it_moved(self, site):
        badge = "/components/{}/badge.svg".format
        rendered = change_and_render(lambda: CHANGES["incident updated"](site))
        assert not [key for key in rendered if "/components/" in key]
        rendered = change_and_render(
            lambda: CHANGES["incident updated, a component moved"](site)
        )
        assert badge(site["db"].code) in rendered and f"/es{badge(site['db'].code)}" in rendered
        assert badge(site["api"].code) not in rendered

    def test_untouched_entries_keep_their_blobs(self, site):
        old = site["old"][0].code
        before = SnapshotStore().read_manifest().entries[f"/incidents/{old}"]
        change_and_render(lambda: CHANGES["incident updated"](site))
        assert SnapshotStore().read_manifest().entries[f"/incidents/{old}"] == before

    def test_a_component_change_renders_no_incident_page(self, site):
        rendered = change_and_render(lambda: CHANGES["component status"](site))
        assert "/" in rendered and "/es/api/v2/components.json" in rendered
        assert not [key for key in rendered if "/incidents/" in key and "/api/" not in key]
        assert not [key for key in rendered if "/history?" in key or key.endswith("/history")]

    def test_a_page_setting_renders_everything(self, site):
        rendered = change_and_render(lambda: CHANGES["page renamed"](site))
        assert sorted(rendered) == sorted(SnapshotStore().read_manifest().entries)

    def test_an_operators_only_event_renders_nothing(self, site):
        PendingRender.objects.all().delete()
        Event.objects.update(handled_at=timezone.now())
        lifecycle.alert_operators(
            site["db"], actor=SYSTEM, measured_status="degraded_performance", detail="p95 2.1 s"
        )
        handle_new_events()
        assert not PendingRender.objects.exists()


class TestRefreshes:
    def test_nothing_pending_renders_what_moves_with_time_and_a_slice_of_the_rest(
        self, site, tmp_path
    ):
        now = timezone.now()
        rendered = set(tasks.render_snapshots())
        every = set(SnapshotStore().read_manifest().entries)
        assert {"/", "/uptime", "/api/v2/summary.json", "/maintenance.ics"} <= rendered
        assert f"/uptime?month={now.year:04d}-{now.month:02d}" in rendered
        assert rendered < every  # not a full render: no page goes unpublished meanwhile
        assert_same_as_a_full_render(tmp_path)

    def test_the_refreshes_sweep_every_path_within_the_sweep_period(self, site):
        paths = tasks.public_paths(site["page"], windows=live_history_windows())
        start = timezone.now()
        swept, refreshes = set(), int(tasks.SWEEP_HOURS * 3600 // tasks.REFRESH.total_seconds())
        for tick in range(refreshes):
            swept |= tasks.sweep_slice(paths, start + tick * tasks.REFRESH)
        assert swept == set(paths)


class TestFullRenders:

    def test_the_command_renders_everything_even_with_changes_pending(self, site):
        CHANGES["incident updated"](site)
        handle_new_events()
        rendered = tasks.render_snapshots(full=True)
        assert sorted(rendered) == sorted(SnapshotStore().read_manifest().entries)

    def test_a_set_from_other_render_code_is_not_built_on(self, site, monkeypatch):
        monkeypatch.setattr(tasks, "render_version", lambda: "another version")
        rendered = change_and_render(lambda: CHANGES["incident updated"](site))
        assert sorted(rendered) == sorted(SnapshotStore().read_manifest().entries)

    def test_an_old_full_render_does_not_force_another_on_the_next_change(self, site):
        # The refreshes sweep every path; a change after a quiet day renders what it touched.
        path = SnapshotStore().manifest_path
        manifest = json.loads(path.read_bytes())
        manifest["full_at"] = (timezone.now() - dt.timedelta(days=3)).isoformat()
        path.write_text(json.dumps(manifest))
        rendered = change_and_render(lambda: CHANGES["incident updated"](site))
        assert len(rendered) < len(manifest["entries"]) / 2
