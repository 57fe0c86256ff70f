"""Third-party components: a mirrored component follows a vendor's replayed outage and
recovery (GitHub's Packages, November 2022), with no subscriber told unless chosen."""

from __future__ import annotations

import pytest
from django.test import Client

from aviso.integrations import upstream
from aviso.integrations.models import Mirror
from aviso.integrations.tests.helpers import public, public_status
from aviso.integrations.tests.vendor import VendorPage
from aviso.notify.models import Delivery
from aviso.notify.testing import HttpReceiver
from aviso.notify.tests.helpers import confirmed_webhook, drain, subscribers
from aviso.status import lifecycle
from aviso.status.choices import ActorKind
from aviso.status.lifecycle import LifecycleError
from aviso.status.models import AuditEntry, ComponentStatusChange
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
PACKAGES = "st3j38cctv9l"


@pytest.fixture
def vendor():
    page = VendorPage("github_components_before.json")
    yield page
    page.stop()


@pytest.fixture
def receiver():
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def page(settings):
    settings.NOTIFY_ALLOW_PRIVATE = True  # the subscribers' webhook receiver is on 127.0.0.1
    return make_page("Acme")


def _mirror(page, vendor, **fields):
    component = make_component(page, fields.pop("name", "GitHub Packages"))
    return upstream.create_mirror(actor=SYSTEM, component=component, vendor="GitHub",
                                  page_url=vendor.url, upstream_id=PACKAGES, **fields)  # fmt: skip


def _subscriber_deliveries() -> int:
    return Delivery.objects.filter(subscriber__isnull=False).exclude(
        notice__kind="welcome").count()  # fmt: skip


class TestMirroring:
    def test_it_follows_the_outage_and_recovery_telling_no_subscriber(
        self, page, vendor, receiver
    ):
        mirror = _mirror(page, vendor)
        code = mirror.component.code
        subscribers(page, 2)
        confirmed_webhook(page, receiver.url("/ok"))
        drain()
        told_before = _subscriber_deliveries()

        assert upstream.poll(mirror) == "operational"
        assert public_status(code) == "operational"
        vendor.serve("github_components_outage.json")
        assert upstream.poll(Mirror.objects.get()) == "partial_outage"
        assert public_status(code) == "partial_outage"
        assert public()["status"]["indicator"] != "none"
        # Asked again with the ETag: a 304, nothing changes.
        assert upstream.poll(Mirror.objects.get()) == "not modified"
        assert vendor.requests[-1]["If-None-Match"] == vendor.etag
        vendor.serve("github_components_recovered.json")
        assert upstream.poll(Mirror.objects.get()) == "operational"
        assert public_status(code) == "operational"

        changes = ComponentStatusChange.objects.filter(component__code=code)
        assert [c.new_status for c in changes] == ["partial_outage", "operational"]
        assert {c.actor_kind for c in changes} == {ActorKind.AUTOMATION}
        assert AuditEntry.objects.filter(actor_label="automation: status from GitHub").count() == 2
        drain()
        assert _subscriber_deliveries() == told_before
        mirror = Mirror.objects.get()
        assert mirror.upstream_name == "Packages" and mirror.last_error == ""
        assert "status from GitHub" in Client().get("/").content.decode()

    def test_when_the_operator_chose_notices_webhook_subscribers_hear_of_it(
        self, page, vendor, receiver
    ):
        mirror = _mirror(page, vendor, notify_subscribers=True)
        confirmed_webhook(page, receiver.url("/ok"))
        drain()
        told_before = _subscriber_deliveries()
        upstream.poll(mirror)
        vendor.serve("github_components_outage.json")
        upstream.poll(Mirror.objects.get())
        drain()
        assert _subscriber_deliveries() == told_before + 1

    def test_a_persons_status_wins_until_mirroring_is_resumed(self, page, vendor):
        mirror = _mirror(page, vendor)
        upstream.poll(mirror)
        component = mirror.component
        lifecycle.set_component_status(component, "major_outage", actor=SYSTEM)
        vendor.serve("github_components_outage.json")
        assert "mirroring stops" in upstream.poll(Mirror.objects.get())
        assert public_status(component.code) == "major_outage"
        assert "status from GitHub" not in Client().get("/").content.decode()
        vendor.serve("github_components_recovered.json")
        assert "overridden" in upstream.poll(Mirror.objects.get())
        assert public_status(component.code) == "major_outage"
        upstream.resume_mirror(Mirror.objects.get(), actor=SYSTEM)
        assert upstream.poll(Mirror.objects.get()) == "operational"
        assert public_status(component.code) == "operational"

    def test_the_worker_job_polls_due_mirrors_only(self, page, vendor):
        _mirror(page, vendor, name="Packages")
        git = make_component(page, "Git")
        upstream.create_mirror(actor=SYSTEM, component=git, vendor="GitHub",
                               page_url=vendor.url, upstream_id="8l4ygp009s5s")  # fmt: skip
        vendor.serve("github_components_outage.json")
        assert upstream.poll_due() == 2
        assert upstream.poll_due() == 0  # next poll in interval_seconds
        assert len(vendor.requests) == 2
        statuses = dict(Mirror.objects.values_list("upstream_id", "upstream_status"))
        assert statuses == {PACKAGES: "partial_outage", "8l4ygp009s5s": "operational"}

    def test_a_real_discord_answer_without_the_component_is_an_error_kept_on_the_mirror(
        self, page, vendor
    ):
        vendor.serve("discord_components_2022.json")
        mirror = _mirror(page, vendor)
        assert upstream.poll(mirror).startswith("error: the vendor's page has no component")
        mirror.refresh_from_db()
        assert "no component" in mirror.last_error
        assert mirror.component.status == "operational"


class TestRefusals:
    def test_a_metadata_address_is_refused_before_any_connection(self, page):
        component = make_component(page, "Cloud")
        with pytest.raises(LifecycleError) as caught:
            upstream.create_mirror(actor=SYSTEM, component=component, vendor="X",
                                   page_url="http://169.254.169.254", upstream_id="a")  # fmt: skip
        assert "page_url" in caught.value.errors

    def test_a_name_resolving_to_metadata_is_refused_at_poll_time(self, page, settings):
        # Stored behind the lifecycle's back: 2852039166 is 169.254.169.254 in the numeric
        # form libc accepts, and the guard refuses it at connect time too.
        component = make_component(page, "Cloud")
        mirror = Mirror.objects.create(
            component=component, vendor="X", upstream_id="a",
            page_url="http://2852039166", next_poll_at=component.created_at,
        )  # fmt: skip
        assert "error" in upstream.poll(mirror)
        mirror.refresh_from_db()
        assert "169.254.169.254" in mirror.last_error or "refused" in mirror.last_error

    def test_bad_input_names_each_field(self, page):
        component = make_component(page, "Cloud")
        with pytest.raises(LifecycleError) as caught:
            upstream.create_mirror(
                actor=SYSTEM, component=component, vendor=" ", page_url="gopher://x",
                upstream_id="", interval_seconds=5,
            )  # fmt: skip
        assert set(caught.value.errors) == {"vendor", "page_url", "upstream_id",
                                            "interval_seconds"}  # fmt: skip
