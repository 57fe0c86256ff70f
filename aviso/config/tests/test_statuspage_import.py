from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import shutil
import threading
from functools import partial
from pathlib import Path

import pytest

from aviso.config.engine import apply_text
from aviso.config.statuspage_import import import_statuspage
from aviso.config.statuspage_source import StatuspageError
from aviso.config.tests.pages import public_pages
from aviso.demo.loader import load_demo
from aviso.status import lifecycle
from aviso.status.models import (
    AuditEntry,
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Event,
    Incident,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
    Page,
    Postmortem,
)
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"  # real Statuspage responses; see README.md there
ROOT = Path(__file__).resolve().parents[3]


def sample_dir(tmp_path: Path, **files: str) -> Path:
    """Copy samples under the names Statuspage serves them."""
    for name, sample in files.items():
        shutil.copy(SAMPLES / sample, tmp_path / f"{name.replace('_', '-')}.json")
    return tmp_path


def write_export(directory: Path, files: dict[str, dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_text(json.dumps(data))
    return directory


def counts() -> dict[str, int]:
    models = [Page, ComponentGroup, Component, Incident, IncidentUpdate, Maintenance]
    return {m.__name__: m.objects.count() for m in models + [MaintenanceUpdate]}


class TestImportSamples:
    def test_it_imports_every_incident_and_update_with_original_times(self, tmp_path):
        source = sample_dir(tmp_path, incidents="emma_incidents_2019.json")
        raw = json.loads((source / "incidents.json").read_text())
        report = import_statuspage(str(source))
        assert Incident.objects.count() == len(raw["incidents"]) == 22
        assert report.created["incident updates"] == sum(
            len(i["incident_updates"]) for i in raw["incidents"]
        )
        first = raw["incidents"][0]
        incident = Incident.objects.get(external_ref=f"statuspage:{first['id']}")
        assert incident.name == first["name"]
        assert incident.status == "resolved" and incident.impact == first["impact"]
        assert incident.started_at == dt.datetime.fromisoformat(first["created_at"])
        assert incident.resolved_at == dt.datetime.fromisoformat(first["resolved_at"])
        got = [(u.status, u.display_at) for u in incident.updates.order_by("-display_at")]
        assert got == [
            (u["status"], dt.datetime.fromisoformat(u["display_at"]))
            for u in first["incident_updates"]
        ]
        page = Page.objects.get()
        assert (page.name, page.slug) == ("Emma", "emma")

    def test_it_does_not_notify_anyone(self, tmp_path):
        import_statuspage(str(sample_dir(tmp_path, incidents="emma_incidents_2019.json")))
        assert not Event.objects.filter(notify=True).exists()
        assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {
            "statuspage import"
        }

    def test_it_updates_instead_of_duplicating_on_a_rerun(self, tmp_path):
        source = sample_dir(tmp_path, incidents="emma_incidents_2019.json")
        import_statuspage(str(source))
        before, audits = counts(), AuditEntry.objects.count()
        report = import_statuspage(str(source))
        assert counts() == before
        assert AuditEntry.objects.count() == audits
        assert report.created == {} and report.updated == {}

    def test_it_adds_new_updates_and_corrects_edited_ones_on_a_rerun(self, tmp_path):
        source = sample_dir(tmp_path, incidents="github_incidents_2024_trimmed.json")
        import_statuspage(str(source))
        raw = json.loads((source / "incidents.json").read_text())
        incident = raw["incidents"][0]
        newest = incident["incident_updates"][0]
        later = dict(newest, id="new1", body="A later word.", display_at="2030-01-01T00:00:00Z")
        incident["incident_updates"].insert(0, later)
        incident["incident_updates"][1] = dict(newest, body="Corrected wording.")
        (source / "incidents.json").write_text(json.dumps(raw))
        updates = IncidentUpdate.objects.count()
        report = import_statuspage(str(source))
        assert IncidentUpdate.objects.count() == updates + 1
        assert report.updated == {"incident updates": 1}
        ours = Incident.objects.get(external_ref=f"statuspage:{incident['id']}")
        assert [u.body for u in ours.updates.order_by("-display_at")[:2]] == [
            "A later word.",
            "Corrected wording.",
        ]

    def test_it_replays_component_statuses_from_affected_components(self, tmp_path):
        source = sample_dir(tmp_path, incidents="github_incidents_2024_trimmed.json")
        raw = json.loads((source / "incidents.json").read_text())
        # The captured components list is trimmed: give the page the ones incidents name.
        named = {c["id"]: c for i in raw["incidents"] for c in i.get("components") or []}
        components = {"page": raw["page"], "components": list(named.values())}
        (source / "components.json").write_text(json.dumps(components))
        import_statuspage(str(source))
        actions = Component.objects.get(name="Actions")
        history = [
            (change.old_status, change.new_status, change.at)
            for change in ComponentStatusChange.objects.filter(component=actions)
        ]
        utc = dt.UTC
        assert history == [
            ("operational", "partial_outage", dt.datetime(2024, 9, 16, 21, 31, 2, 798000, utc)),
            ("partial_outage", "major_outage", dt.datetime(2024, 9, 16, 21, 37, 26, 995000, utc)),
            ("major_outage", "partial_outage", dt.datetime(2024, 9, 16, 21, 55, 28, 472000, utc)),
            ("partial_outage", "operational", dt.datetime(2024, 9, 16, 22, 8, 39, 333000, utc)),
        ]
        assert Component.objects.get(name="Actions").status == "operational"
        ours = Incident.objects.get(external_ref="statuspage:69sb0f8lydp4")
        assert set(ours.components.values_list("name", flat=True)) == {"Actions", "Pages"}

    def test_it_imports_groups_components_and_maintenances(self, tmp_path):
        source = sample_dir(tmp_path, summary="twilio_summary.json")
        raw = json.loads((source / "summary.json").read_text())
        report = import_statuspage(str(source))
        groups = [c for c in raw["components"] if c.get("group")]
        assert ComponentGroup.objects.count() == len(groups)
        assert Component.objects.count() == len(raw["components"]) - len(groups)
        studio = Component.objects.get(name="Studio")
        assert studio.group.name == next(g["name"] for g in groups if g["id"] == "m8p285mfbblr")
        assert Maintenance.objects.count() == len(raw["scheduled_maintenances"])
        assert Incident.objects.count() == len(raw["incidents"])
        for sp in raw["components"]:
            if not sp.get("group"):
                assert (
                    Component.objects.get(name=sp["name"], group__name=_group_name(raw, sp)).status
                    == sp["status"]
                ), sp["name"]
        assert not report.warnings or all("maintenance" in w for w in report.warnings)

    def test_it_imports_a_finished_maintenance_with_its_steps(self, tmp_path):
        source = sample_dir(
            tmp_path,
            summary="discord_summary_2022.json",
            scheduled_maintenances="discord_scheduled_maintenances_2022.json",
        )
        import_statuspage(str(source))
        maintenance = Maintenance.objects.get(external_ref="statuspage:chkt3cr0jf7b")
        assert maintenance.status == "completed"
        assert not maintenance.auto_start and not maintenance.auto_complete
        assert list(
            maintenance.updates.order_by("display_at").values_list("status", flat=True)
        ) == [
            "scheduled",
            "in_progress",
            "verifying",
            "completed",
        ]
        assert maintenance.completed_at == dt.datetime.fromisoformat(
            "2015-09-22T02:25:20.034-07:00"
        )

    def test_it_skips_a_maintenance_step_that_cannot_follow_with_a_warning(self, tmp_path):
        source = sample_dir(
            tmp_path,
            summary="discord_summary_2022.json",
            scheduled_maintenances="discord_scheduled_maintenances_2022.json",
        )
        raw = json.loads((source / "scheduled-maintenances.json").read_text())
        item = raw["scheduled_maintenances"][0]
        late = dict(item["incident_updates"][0], id="late", status="in_progress")
        late["display_at"] = late["created_at"] = "2015-09-23T00:00:00Z"
        item["incident_updates"].insert(0, late)
        (source / "scheduled-maintenances.json").write_text(json.dumps(raw))
        report = import_statuspage(str(source))
        assert any("(in_progress) skipped" in w for w in report.warnings)
        maintenance = Maintenance.objects.get(external_ref="statuspage:chkt3cr0jf7b")
        assert maintenance.status == "completed" and maintenance.updates.count() == 4


def _group_name(raw: dict, component: dict):
    if not component.get("group_id"):
        return None
    return next(c["name"] for c in raw["components"] if c["id"] == component["group_id"])


class TestImportBadInput:
    def test_it_refuses_a_missing_location(self, tmp_path):
        with pytest.raises(StatuspageError, match="not a directory"):
            import_statuspage(str(tmp_path / "nowhere"))
        with pytest.raises(StatuspageError, match="none of summary.json"):
            import_statuspage(str(tmp_path))

    def test_it_refuses_broken_json_and_imports_nothing(self, tmp_path):
        source = sample_dir(tmp_path, summary="twilio_summary.json")
        (source / "incidents.json").write_text('{"incidents": [')
        with pytest.raises(StatuspageError, match="incidents.json: not JSON"):
            import_statuspage(str(source))
        assert not Page.objects.exists()

    def test_it_refuses_a_wrong_shape_naming_the_field(self, tmp_path):
        source = sample_dir(tmp_path, incidents="emma_incidents_2019.json")
        raw = json.loads((source / "incidents.json").read_text())
        raw["incidents"][3]["created_at"] = "last tuesday"
        (source / "incidents.json").write_text(json.dumps(raw))
        with pytest.raises(StatuspageError, match=r"incidents\.json: incidents\[3\]\.created_at"):
            import_statuspage(str(source))
        assert not Incident.objects.exists() and not Page.objects.exists()

    def test_it_rolls_back_everything_when_one_incident_is_refused(self, tmp_path):
        source = sample_dir(tmp_path, incidents="emma_incidents_2019.json")
        raw = json.loads((source / "incidents.json").read_text())
        raw["incidents"][0]["incident_updates"][0]["body"] = "x" * 60_000
        (source / "incidents.json").write_text(json.dumps(raw))
        with pytest.raises(StatuspageError, match="incident x0ljvc9m1wxj"):
            import_statuspage(str(source))
        assert not Incident.objects.exists() and not Page.objects.exists()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class TestImportFromUrl:
    def test_it_reads_a_pages_api_over_http(self, tmp_path):
        api = tmp_path / "site" / "api" / "v2"
        api.mkdir(parents=True)
        sample_dir(
            api,
            summary="discord_summary_2022.json",
            incidents="discord_incidents_2022.json",
        )
        handler = partial(_Quiet, directory=str(tmp_path / "site"))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            report = import_statuspage(url)
            assert Page.objects.get().name == "Discord"
            assert report.created["incidents"] == Incident.objects.count() >= 1
            assert import_statuspage(url + "api/v2").created == {}
        finally:
            server.shutdown()
            server.server_close()

    def test_it_refuses_an_unreachable_url(self):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with pytest.raises(StatuspageError, match="cannot fetch"):
            import_statuspage(f"http://127.0.0.1:{port}/")


_CODE = re.compile(r"/(incidents|maintenances)/([a-z0-9]{12})|id=\"n-[a-z0-9]{12}\"|n-[a-z0-9]{12}")


def _normalized(pages: dict[str, str], codes: dict[str, str]) -> dict[str, str]:
    """Incident codes differ between instances: name them by their import order."""
    result = {}
    for url, body in pages.items():
        for code, name in codes.items():
            url, body = url.replace(code, name), body.replace(code, name)
        result[url] = body
    return result


class TestImportRoundTrip:
    def test_it_reproduces_the_demo_history_in_an_empty_instance(self, tmp_path, client):
        page = load_demo()
        database = Component.objects.get(name="Databases")
        at = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
        maintenance = lifecycle.schedule_maintenance(
            page,
            actor=SYSTEM,
            name="Database upgrade",
            scheduled_for=at,
            scheduled_until=at + dt.timedelta(hours=2),
            components=[database],
            at=at - dt.timedelta(days=3),
            notify=False,
            body="Upgrading PostgreSQL.",
        )
        lifecycle.start_maintenance(maintenance, actor=SYSTEM, at=at, notify=False)
        lifecycle.complete_maintenance(
            maintenance, actor=SYSTEM, at=at + dt.timedelta(minutes=90), notify=False
        )
        before = public_pages(client)
        old_codes = _codes()
        files = served_v2(client)
        source = write_export(tmp_path / "export", files)

        # A second, empty instance: the page declared as code, then the history imported.
        for model in (Event, AuditEntry, Page):
            model.objects.all().delete()
        assert not Incident.objects.exists() and not Component.objects.exists()
        apply_text((ROOT / "examples" / "demo.yaml").read_text(), "demo.yaml")
        import_statuspage(str(source))

        new_codes = _codes()
        after = public_pages(client)
        assert len(old_codes) == len(new_codes) == 4
        # The HTML pages must be the same; the JSON differs only by the new instance's ids.
        assert _normalized(_html(after), new_codes) == _normalized(_html(before), old_codes)
        history = [u for u in before if u.startswith("/history")]
        assert any("Workflow Intermittency" in before[u] for u in history)
        assert any("Database upgrade" in before[u] for u in history)

        # And again: the re-run changes nothing.
        audits = AuditEntry.objects.count()
        assert import_statuspage(str(source)).created == {}
        assert AuditEntry.objects.count() == audits


def served_v2(client) -> dict[str, dict]:
    """The instance's own /api/v2 answers, as another Aviso would fetch them.

    Statuspage's public JSON carries no postmortem text, so, as a Statuspage
    export from its management API would, each incident also gets its
    ``postmortem_body`` (Markdown) and ``postmortem_published_at``.
    """
    files = {}
    for name in ("summary", "components", "incidents", "scheduled-maintenances"):
        response = client.get(f"/api/v2/{name}.json")
        assert response.status_code == 200
        files[f"{name}.json"] = response.json()
    postmortems = {p.incident.code: p for p in Postmortem.objects.select_related("incident")}
    for incident in files["incidents.json"]["incidents"]:
        postmortem = postmortems.get(incident["id"])
        if postmortem is not None and postmortem.published_at:
            incident["postmortem_body"] = postmortem.body
            incident["postmortem_published_at"] = postmortem.published_at.isoformat()
    return files


def _html(pages: dict[str, str]) -> dict[str, str]:
    return {url: body for url, body in pages.items() if not url.startswith("/api/")}


def _codes() -> dict[str, str]:
    """{code: stable name} for incidents and maintenances, in time order."""
    names = {}
    for n, code in enumerate(
        Incident.objects.order_by("started_at").values_list("code", flat=True)
    ):
        names[code] = f"INCIDENT{n}"
    for n, code in enumerate(
        Maintenance.objects.order_by("scheduled_for").values_list("code", flat=True)
    ):
        names[code] = f"MAINTENANCE{n}"
    return names
