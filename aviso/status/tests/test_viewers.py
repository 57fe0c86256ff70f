"""Private pages: readers sign in by a one-time link mailed through the outbox."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aviso.notify.testing import SmtpSink
from aviso.status import lifecycle
from aviso.status.models import AuditEntry, Event, ViewerLink
from aviso.status.worker import process_events
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal():
    make_page("Acme")
    page = make_page(
        "Acme internal",
        slug="internal",
        position=1,
        private=True,
        viewer_domains=["acme.test"],
        viewer_emails=["ana@partner.test"],
    )
    make_component(page, "Primary database")
    return page


def _mailed_link(sink: SmtpSink) -> str:
    body = sink.messages[-1][1].decode()
    return re.search(r"http://\S+/sign-in/\S+", body).group(0)


class TestEmailLink:
    def test_an_admitted_reader_gets_a_link_that_signs_them_in_once(self, internal, smtp):
        reader = Client()
        first = reader.get("/p/internal/history")
        assert first.status_code == 302
        assert first["Location"] == "sign-in?next=%2Fhistory"
        form = reader.get("/p/internal/sign-in?next=/history")
        assert form.status_code == 200 and b"Your work email" in form.content
        sent = reader.post("/p/internal/sign-in", {"email": "Bob@Acme.test", "next": "/history"})
        assert b"a sign-in link is on its way" in sent.content
        # Mailed by the worker, through the outbox, to a real SMTP server on 127.0.0.1.
        assert Event.objects.filter(kind="viewer.link").count() == 1
        process_events("test")
        assert smtp.messages[-1][0] == ["bob@acme.test"]
        link = _mailed_link(smtp)
        path = "/p/internal" + link.split("/p/internal", 1)[1]
        assert reader.get(path).status_code == 200  # a button, not yet spent
        signed = reader.post(path)
        assert signed.status_code == 302 and signed["Location"] == "../history"
        page = reader.get("/p/internal/")
        assert page.status_code == 200 and b"Primary database" in page.content
        assert AuditEntry.objects.filter(action="viewer.sign_in").count() == 1
        # Spent: another browser cannot use it again.
        assert Client().post(path).status_code == 400

    def test_a_stranger_is_told_the_same_and_gets_nothing(self, internal, smtp):
        reader = Client()
        sent = reader.post("/p/internal/sign-in", {"email": "eve@elsewhere.test"})
        assert sent.status_code == 200 and b"a sign-in link is on its way" in sent.content
        assert not ViewerLink.objects.exists()
        process_events("test")
        assert smtp.messages == []
        assert reader.get("/p/internal/").status_code == 302

    def test_a_bad_address_comes_back_with_a_message(self, internal):
        response = Client().post("/p/internal/sign-in", {"email": "not an address"})
        assert response.status_code == 400
        assert b"Enter a valid email address" in response.content

    def test_a_reader_no_longer_admitted_is_out(self, internal, smtp):
        reader = Client()
        reader.post("/p/internal/sign-in", {"email": "ana@partner.test"})
        process_events("test")
        path = "/p/internal" + _mailed_link(smtp).split("/p/internal", 1)[1]
        reader.post(path)
        assert reader.get("/p/internal/").status_code == 200
        lifecycle.update_page(internal, actor=SYSTEM, viewer_emails=[])
        assert reader.get("/p/internal/").status_code == 302

    def test_a_public_page_has_no_sign_in(self, internal):
        assert Client().get("/sign-in").status_code == 404
