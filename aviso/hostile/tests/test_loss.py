"""Bad days for the outbox, the supervisor, snapshots and query strings: nothing lost,
nothing doubled."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from aviso.config.backup import backed_up_models, backup, restore
from aviso.config.statuspage_import import import_statuspage
from aviso.config.tests.test_statuspage_import import sample_dir
from aviso.notify.channels import save_channel
from aviso.notify.choices import DeliveryState, NoticeKind
from aviso.notify.models import Delivery, Subscriber
from aviso.notify.tests.helpers import drain, subscribers
from aviso.publish.models import RenderState
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.publish.tests.conftest import django_wsgi, wsgi_get  # noqa: F401 (a fixture)
from aviso.publish.wsgi import SnapshotApp
from aviso.status import lifecycle, worker
from aviso.status.lifecycle import Actor
from aviso.status.models import AuditEntry, Event, HandlerRun, Incident
from aviso.status.supervisor import supervisor_state_path
from aviso.testing import SYSTEM, make_component, make_page, make_person

PERSON = Actor.system("test")
ROOT = Path(__file__).resolve().parents[3]


class Boom(RuntimeError):
    pass


@pytest.fixture
def broken_handler(monkeypatch):
    """An extra event handler that always fails, registered beside the real ones."""
    calls = []

    def broken(event: Event) -> None:
        calls.append(event.pk)
        raise Boom("the handler's dependency is down")

    handlers = dict(worker._event_handlers)
    handlers["test.broken"] = broken
    monkeypatch.setattr(worker, "_event_handlers", handlers)
    return calls


def _declare(page, component) -> Event:
    Event.objects.update(handled_at=timezone.now())  # the page's own set-up is not under test
    lifecycle.create_incident(
        page, actor=PERSON, name="Delayed delivery", status="investigating", impact="minor",
        body="We are looking into it.", components={component: "degraded_performance"},
    )  # fmt: skip
    return Event.objects.get(kind="incident.created")


def _due_again(event: Event) -> None:
    """Move the backoff out of the way, as time passing would."""
    past = timezone.now() - dt.timedelta(seconds=1)
    HandlerRun.objects.filter(event=event, next_try_at__isnull=False).update(next_try_at=past)
    Event.objects.filter(pk=event.pk).update(claimed_until=past)


@pytest.mark.django_db
class TestOneFailingHandler:
    """One outbox handler keeps failing: it must neither block nor undo the others' work."""

    def test_it_keeps_the_fanout_and_the_render_mark_when_another_handler_fails(
        self, broken_handler
    ):
        page = make_page()
        api = make_component(page)
        subscribers(page, 3)
        event = _declare(page, api)
        worker.process_events("w")
        assert broken_handler == [event.pk]
        # Before: one transaction for all handlers, so these were rolled back with the failure.
        assert Delivery.objects.filter(notice__event=event).count() == 3
        assert RenderState.objects.get(target="snapshots").wanted >= 1
        event.refresh_from_db()
        assert event.handled_at is None and event.dead_at is None
        assert "test.broken" in event.last_error

    def test_it_does_not_run_the_handlers_that_succeeded_again(self, broken_handler, monkeypatch):
        page = make_page()
        event = _declare(page, make_component(page))
        ran = []
        handlers = dict(worker._event_handlers)
        handlers["test.counting"] = lambda e: ran.append(e.pk)
        monkeypatch.setattr(worker, "_event_handlers", handlers)
        for _ in range(3):
            worker.handle_event(event)
            _due_again(event)
        assert ran == [event.pk]
        assert len(broken_handler) == 3

    def test_it_waits_out_the_backoff_before_trying_again(self, broken_handler):
        page = make_page()
        event = _declare(page, make_component(page))
        worker.process_events("w")
        assert not worker.process_events("w")  # the retry is not due yet
        assert len(broken_handler) == 1
        event.refresh_from_db()
        assert event.claimed_until > timezone.now()


@pytest.mark.django_db
class TestAHandlerThatNeverRecovers:
    """A handler fails on every try: the event must stay visible as dead, never pass as handled."""

    @pytest.fixture(autouse=True)
    def _two_tries(self, settings):
        settings.OUTBOX_MAX_TRIES = 2

    def _exhaust(self, event: Event) -> None:
        for _ in range(2):
            _due_again(event)
            worker.handle_event(event)
        event.refresh_from_db()

    def test_it_sets_the_event_aside_as_dead_not_handled(self, broken_handler):
        page = make_page()
        event = _declare(page, make_component(page))
        self._exhaust(event)
        # Before: after the last try the event was marked handled, its failure out of sight.
        assert event.handled_at is None
        assert event.dead_at is not None
        assert not worker.pending_events().filter(pk=event.pk).exists()
        entry = AuditEntry.objects.get(action="event.dead")
        assert entry.object_id == str(event.pk) and entry.after["handlers"] == ["test.broken"]

    def test_it_alerts_the_operators_once(self, broken_handler):
        page = make_page()
        save_channel(
            None,
            actor=SYSTEM,
            name="ops",
            kind="webhook",
            config={"url": "http://127.0.0.1:9/hook"},
        )
        event = _declare(page, make_component(page))
        self._exhaust(event)
        alert = Event.objects.get(kind="outbox.dead")
        assert alert.payload["event_id"] == event.pk and not alert.notify
        # The alert event's own broken handler dies too, and raises no alert about the alert.
        self._exhaust(alert)
        assert alert.dead_at is not None
        assert Event.objects.filter(kind="outbox.dead").count() == 1
        delivery = Delivery.objects.get(notice__event=alert)
        assert delivery.notice.kind == NoticeKind.OUTBOX_DEAD
        assert "Boom" in delivery.notice.data["body"]

    def test_it_counts_dead_events_in_the_metrics(self, broken_handler, client, settings):
        settings.METRICS_TOKEN = "t0ken"
        page = make_page()
        self._exhaust(_declare(page, make_component(page)))
        body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode()
        assert "aviso_outbox_dead 1" in body.splitlines()

    def test_an_operator_retry_runs_only_the_dead_handler_and_is_audited(
        self, broken_handler, client, monkeypatch
    ):
        page = make_page()
        event = _declare(page, make_component(page))
        self._exhaust(event)
        deliveries = Delivery.objects.count()
        fixed = dict(worker._event_handlers)
        fixed["test.broken"] = lambda e: None
        monkeypatch.setattr(worker, "_event_handlers", fixed)
        client.force_login(make_person("rita", "responder"))
        listing = client.get("/console/outbox/")
        assert listing.status_code == 200 and f"#{event.pk}" in listing.content.decode()
        response = client.post(f"/console/outbox/{event.pk}/retry/")
        assert response.status_code == 302
        assert AuditEntry.objects.filter(action="event.retry", object_id=str(event.pk)).exists()
        assert worker.process_events("w")
        event.refresh_from_db()
        assert event.handled_at is not None and event.dead_at is None
        assert Delivery.objects.count() == deliveries  # notify's fan-out was not re-run

    def test_a_viewer_cannot_retry_and_a_live_event_is_refused(self, broken_handler, client):
        page = make_page()
        event = _declare(page, make_component(page))
        client.force_login(make_person("vera", "viewer"))
        assert client.post(f"/console/outbox/{event.pk}/retry/").status_code == 403
        with pytest.raises(lifecycle.LifecycleError, match="not dead"):
            lifecycle.retry_event(event, actor=PERSON)


@pytest.fixture
def snapshots(settings, tmp_path, django_wsgi):  # noqa: F811 (the imported fixture)
    """A rendered site behind the snapshot layer, as ``aviso web`` serves it."""
    settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")
    page = make_page()
    _declare(page, make_component(page))
    render_snapshots()
    app = SnapshotApp(django_wsgi, SnapshotStore())
    app.lookup("/")  # the first lookup reads the manifest from disk
    return app


@pytest.mark.django_db
class TestJunkQueryStrings:
    """A client adds parameters no page reads, to miss the snapshots and make Django render."""

    @pytest.mark.parametrize(
        "junk", ["utm_source=x", "utm_source=x&fbclid=abc", "nocache=1699999999", "through"]
    )
    def test_it_serves_the_bare_page_from_its_snapshot(
        self, snapshots, junk, django_assert_num_queries
    ):
        bare = wsgi_get(snapshots, "/")
        with django_assert_num_queries(0):  # before: each junk string was a database render
            reply = wsgi_get(snapshots, f"/?{junk}")
        assert reply.status_code == 200 and reply.body == bare.body
        assert reply.headers["etag"] == bare.headers["etag"]

    def test_it_keeps_the_parameter_history_reads_and_drops_the_rest(
        self, snapshots, django_assert_num_queries
    ):
        keys = SnapshotStore().read_manifest().entries
        through = next(key for key in keys if key.startswith("/history?through="))
        wanted = wsgi_get(snapshots, through)
        with django_assert_num_queries(0):
            reply = wsgi_get(snapshots, f"/history?utm_medium=mail&{through.partition('?')[2]}")
            bare = wsgi_get(snapshots, "/history?utm_medium=mail")
        assert reply.body == wanted.body
        assert bare.body == wsgi_get(snapshots, "/history").body

    def test_a_window_with_no_snapshot_still_reaches_django_and_shows_that_window(self, snapshots):
        reply = wsgi_get(snapshots, "/history?utm_source=x&through=2001-03")
        assert reply.status_code == 200 and b"Mar 2001" in reply.body


def _audience(page) -> None:
    """Everyone who could be told: an unscoped operator channel, an email and a webhook."""
    save_channel(
        None, actor=SYSTEM, name="ops", kind="webhook", config={"url": "http://127.0.0.1:9/hook"}
    )
    subscribers(page, 1)
    Subscriber.objects.create(
        page=page, kind="webhook", address="http://127.0.0.1:9/sub", confirmed_at=timezone.now()
    )


@pytest.mark.django_db
class TestHistoryComingBackIn:
    """Old incidents arrive by import or restore: nobody may be alerted of them as news."""

    def test_an_import_alerts_neither_operators_nor_subscribers(self, tmp_path):
        page = make_page("Acme")
        _audience(page)
        source = sample_dir(tmp_path, summary="twilio_summary.json",
                            incidents="emma_incidents_2019.json")  # fmt: skip
        import_statuspage(str(source), slug=page.slug)
        assert Incident.objects.filter(page=page).count() > 10
        drain()
        # Before: incidents, postmortems and component changes went to the operators' channel,
        # and component changes to webhook subscribers, as if they were happening now.
        assert not Delivery.objects.exists()
        imported = Event.objects.filter(page=page, kind__startswith="incident.")
        assert imported.exists() and not imported.filter(historical=False).exists()
        assert not Event.objects.filter(handled_at__isnull=True).exists()

    def test_a_restore_does_not_send_what_the_backup_still_owed(self, tmp_path):
        page = make_page("Acme")
        _audience(page)
        _declare(page, make_component(page))
        worker.process_events("w")  # the fan-out is done; nothing was sent yet
        pending = Delivery.objects.filter(state=DeliveryState.PENDING).count()
        assert pending == 3
        lifecycle.resolve_incident(Incident.objects.get(), actor=PERSON, body="Fixed.")
        path = tmp_path / "b.jsonl.gz"
        backup(path)
        for model in reversed(backed_up_models()):
            model._default_manager.all().delete()
        restore(path, migrate=False)
        drain()
        # Before: the restored instance sent the old notices and fanned out the resolve.
        assert not Delivery.objects.filter(state=DeliveryState.SENT).exists()
        assert Delivery.objects.filter(state=DeliveryState.SKIPPED).count() == pending
        resolved = Event.objects.get(kind="incident.resolved")
        assert resolved.historical and resolved.handled_at is not None
        assert not Delivery.objects.filter(notice__event=resolved).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except (OSError, ValueError, KeyError):
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


class TestAChildDiesUnderAvisoUp:
    """The worker is SIGKILLed mid-work: before, ``aviso up`` stopped web and checker too."""

    def test_the_worker_comes_back_and_web_never_stops_answering(self, tmp_path):
        data, port = tmp_path / "data", _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AVISO_", "DJANGO_"))}
        # AVISO_DEBUG: collectstatic copies instead of compressing ~1,000 files, which takes
        # minutes on a busy two-core machine and is not what is under test here.
        env |= {"AVISO_DATA_DIR": str(data), "AVISO_ADMIN_PASSWORD": "pw-Secret-123",
                "PYTHONPATH": str(ROOT), "AVISO_DEBUG": "1"}  # fmt: skip
        log = (tmp_path / "up.log").open("w")
        up = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "aviso", "up", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        state_file = data / "supervisor.json"
        try:
            up_and_healthy = lambda: state_file.exists() and _get(base + "/healthz")[0] == 200  # noqa: E731
            _wait_for(up_and_healthy, 180, "aviso up to start and answer")
            before = json.loads(state_file.read_text())["children"]
            os.kill(before["worker"]["pid"], signal.SIGKILL)
            answers = []

            def worker_back():
                answers.append(_get(base + "/healthz")[0])  # raises if web stopped answering
                worker = json.loads(state_file.read_text())["children"]["worker"]
                return worker if worker["state"] == "running" and worker["restarts"] else None

            worker = _wait_for(worker_back, 30, "the worker to be restarted")
            assert worker["pid"] != before["worker"]["pid"] and worker["last_exit"] == -9
            assert up.poll() is None
            status, body = _get(base + "/healthz")
            health = json.loads(body)
            assert health["supervisor"]["children"]["worker"]["restarts"] == 1
            assert health["supervisor"]["children"]["web"]["pid"] == before["web"]["pid"]
            assert health["supervisor"]["children"]["checker"]["pid"] == before["checker"]["pid"]
            assert set(answers) <= {200, 503} and _get(base + "/")[0] in (200, 404)
        finally:
            up.send_signal(signal.SIGTERM)
            try:
                up.wait(timeout=30)
            except subprocess.TimeoutExpired:
                up.kill()
            log.close()
        output = (tmp_path / "up.log").read_text()
        assert "worker exited with -9" in output and "worker restarted" in output
        assert "stopping" not in output.split("worker exited with -9")[1].splitlines()[0]
        assert not state_file.exists()  # a clean stop


@pytest.mark.django_db
class TestHealthzDuringARestart:
    """While ``aviso up`` waits to restart a child, /healthz must not say all is well."""

    def test_it_answers_503_and_names_the_child(self, client, settings):
        path = supervisor_state_path()
        worker = {"state": "restarting", "pid": None, "restarts": 3, "last_exit": -9}
        state = {"pid": 1, "updated_at": timezone.now().isoformat(), "children": {
            "web": {"state": "running", "pid": 2, "restarts": 0}, "worker": worker}}  # fmt: skip
        path.write_text(json.dumps(state))
        try:
            response = client.get("/healthz")
        finally:
            path.unlink()
        assert response.status_code == 503
        assert response.json()["status"] == "restarting: worker"
        assert response.json()["supervisor"]["children"]["worker"]["restarts"] == 3
        assert client.get("/healthz").status_code == 200
