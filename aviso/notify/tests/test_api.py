"""Subscribers in the management API: auth, bad input, and the whole round trip."""

from __future__ import annotations

import json

import pytest

from aviso.api.models import ApiToken, IdempotentResponse
from aviso.api.tests.test_management_api import Api, _problem
from aviso.notify.choices import NoticeKind
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.subscriptions import add_confirmed
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    page = make_page(name="Acme", slug="acme")
    make_component(page, "API", group="Core")
    make_component(page, "Web")
    return page


@pytest.fixture
def tokens():
    user = make_person("ops", "admin")
    return {
        scope: ApiToken.issue(user, name=f"{scope} bot", scope=scope)[1]
        for scope in ("read", "write", "admin")
    }


def _state() -> tuple:
    """Everything a refused request must leave untouched."""
    return (
        list(
            Subscriber.objects.order_by("id").values_list(
                "address", "language", "all_components", "confirmed_at", "unsubscribed_at"
            )
        ),
        list(Subscriber.components.through.objects.values_list("subscriber_id", "component_id")),
        Notice.objects.count(),
        Delivery.objects.count(),
        IdempotentResponse.objects.count(),
    )


def _path(page, rest: str = "") -> str:
    return f"/pages/{page.code}/subscribers{rest}"


def _json(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return json.loads(response.content)


def _notices(subscriber_code: str) -> list[str]:
    return list(
        Delivery.objects.filter(subscriber__code=subscriber_code).values_list(
            "notice__kind", flat=True
        )
    )


class TestAuth:
    NEW = {"kind": "email", "address": "ana@example.org"}

    def test_it_refuses_a_request_without_a_token(self, page):
        before = _state()
        response = Api(None).post(_path(page), self.NEW)
        _problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        _problem(Api(None).get(_path(page)), 401)
        assert _state() == before

    def test_it_refuses_a_read_token_on_every_write(self, page, tokens):
        existing = add_confirmed(page, "email", "bea@example.org", actor=SYSTEM)
        before = _state()
        read = Api(tokens["read"])
        body = _problem(read.post(_path(page), self.NEW), 403)
        assert "read" in body["detail"]
        _problem(read.patch(_path(page, f"/{existing.code}"), {"components": []}), 403)
        _problem(read.delete(_path(page, f"/{existing.code}")), 403)
        assert _state() == before

    def test_it_lets_only_an_admin_skip_the_confirmation(self, page, tokens):
        before = _state()
        body = _problem(
            Api(tokens["write"]).post(_path(page), {**self.NEW, "skip_confirmation": True}), 403
        )
        assert "admin" in body["detail"]
        assert _state() == before


class TestBadInput:
    def _post(self, tokens, page, body=None, **kw):
        return Api(tokens["admin"]).post(_path(page), body, **kw)

    def test_it_refuses_a_bad_email(self, page, tokens):
        before = _state()
        body = _problem(self._post(tokens, page, {"kind": "email", "address": "not-an-email"}), 422)
        assert set(body["errors"]) == {"address"}
        assert _state() == before

    def test_it_refuses_an_unknown_component(self, page, tokens):
        other = make_component(make_page(name="Other", slug="other"), "Elsewhere")
        before = _state()
        for codes in (["zzzzzzzzzzzz"], [other.code]):
            body = _problem(
                self._post(
                    tokens, page, {"kind": "email", "address": "a@example.org", "components": codes}
                ),
                422,
            )
            assert set(body["errors"]) == {"components"}
        assert _state() == before

    def test_it_refuses_unknown_fields(self, page, tokens):
        before = _state()
        body = _problem(
            self._post(tokens, page, {"kind": "email", "address": "a@example.org", "colour": 1}),
            422,
        )
        assert body["errors"] == {"colour": "Unknown field."}
        assert _state() == before

    def test_it_refuses_a_two_megabyte_body(self, page, tokens):
        before = _state()
        huge = {"kind": "email", "address": "a" * (2 * 1024 * 1024) + "@example.org"}
        body = _problem(self._post(tokens, page, huge), 422)
        assert set(body["errors"]) == {"address"}
        assert _state() == before

    def test_it_refuses_wrong_kinds_and_states(self, page, tokens):
        before = _state()
        body = _problem(self._post(tokens, page, {"kind": "pigeon", "address": "a@b.org"}), 422)
        assert set(body["errors"]) == {"kind"}
        _problem(Api(tokens["read"]).get(_path(page), state="sleeping"), 422)
        _problem(Api(tokens["read"]).get(_path(page), kind="fax"), 422)
        assert _state() == before

    def test_it_refuses_a_private_webhook_and_a_confirmed_one(self, page, tokens):
        before = _state()
        body = _problem(
            self._post(tokens, page, {"kind": "webhook", "address": "http://127.0.0.1:9/hook"}),
            422,
        )
        assert "private" in body["errors"]["address"]
        body = _problem(
            self._post(
                tokens,
                page,
                {
                    "kind": "webhook",
                    "address": "https://hooks.example.com/x",
                    "skip_confirmation": True,
                },
            ),
            422,
        )
        assert set(body["errors"]) == {"skip_confirmation"}
        assert _state() == before

    def test_it_refuses_an_address_already_subscribed(self, page, tokens):
        # Domains compare case-insensitively; local parts are kept as given.
        existing = add_confirmed(page, "email", "ana@example.org", actor=SYSTEM)
        before = _state()
        body = _problem(
            self._post(tokens, page, {"kind": "email", "address": "ana@EXAMPLE.org"}), 409
        )
        assert existing.code in body["errors"]["address"]
        assert _state() == before

    def test_it_answers_404_for_unknown_subscribers(self, page, tokens):
        elsewhere = add_confirmed(
            make_page(name="Other", slug="other"), "email", "x@example.org", actor=SYSTEM
        )
        api = Api(tokens["admin"])
        before = _state()
        _problem(api.get(_path(page, "/zzzzzzzzzzzz")), 404)
        _problem(api.get(_path(page, f"/{elsewhere.code}")), 404)
        _problem(api.delete(_path(page, f"/{elsewhere.code}")), 404)
        _problem(api.patch(_path(page, f"/{elsewhere.code}"), {"language": "es"}), 404)
        assert _state() == before


class TestSubscribers:
    def test_it_creates_lists_changes_and_unsubscribes(self, page, tokens):
        api = Api(tokens["write"])
        component = page.components.get(name="API")
        created = _json(
            api.post(
                _path(page),
                {"kind": "email", "address": "Ana@Example.ORG", "components": [component.code]},
            ),
            201,
        )
        code = created["code"]
        assert created["address"] == "Ana@example.org"
        assert created["state"] == "pending"
        assert created["components"] == [component.code]
        assert created["all_components"] is False
        # Double opt-in still applies: the person confirms by mail.
        assert _notices(code) == [NoticeKind.CONFIRM]

        add_confirmed(page, "email", "bea@example.org", actor=SYSTEM)
        reader = Api(tokens["read"])
        listing = _json(reader.get(_path(page)), 200)
        assert listing["count"] == 2
        assert [s["address"] for s in listing["items"]] == ["bea@example.org", "Ana@example.org"]
        pending = _json(reader.get(_path(page), state="pending"), 200)
        assert [s["code"] for s in pending["items"]] == [code]
        assert _json(reader.get(_path(page), state="active", kind="webhook"), 200)["count"] == 0
        assert _json(reader.get(_path(page), limit=1, offset=1), 200)["items"][0]["code"] == code
        assert _json(reader.get(_path(page, f"/{code}")), 200) == created

        changed = _json(api.patch(_path(page, f"/{code}"), {"components": []}), 200)
        assert changed["all_components"] is True and changed["components"] == []
        changed = _json(api.patch(_path(page, f"/{code}"), {"language": "es"}), 200)
        assert changed["language"] == "es" and changed["all_components"] is True

        deliveries = _json(reader.get(_path(page, f"/{code}/deliveries")), 200)
        assert [(d["notice"], d["state"]) for d in deliveries["items"]] == [("confirm", "pending")]

        assert api.delete(_path(page, f"/{code}")).status_code == 204
        gone = _json(reader.get(_path(page, f"/{code}")), 200)
        assert gone["state"] == "unsubscribed" and gone["unsubscribed_at"]
        assert [
            s["code"] for s in _json(reader.get(_path(page), state="unsubscribed"), 200)["items"]
        ] == [code]
        # Subscribing the address again restarts it, with a new opt-in.
        again = _json(api.post(_path(page), {"kind": "email", "address": "Ana@example.org"}), 201)
        assert again["code"] == code and again["state"] == "pending"

    def test_it_adds_a_confirmed_subscriber_for_an_admin(self, page, tokens):
        created = _json(
            Api(tokens["admin"]).post(
                _path(page),
                {"kind": "email", "address": "imported@example.org", "skip_confirmation": True},
            ),
            201,
        )
        assert created["state"] == "active" and created["confirmed_at"]
        assert _notices(created["code"]) == []

    def test_it_creates_a_webhook_that_waits_for_its_welcome(self, page, tokens, settings):
        settings.NOTIFY_ALLOW_PRIVATE = True
        created = _json(
            Api(tokens["write"]).post(
                _path(page), {"kind": "webhook", "address": "http://127.0.0.1:9/hook"}
            ),
            201,
        )
        assert created["kind"] == "webhook" and created["state"] == "pending"
        assert _notices(created["code"]) == [NoticeKind.WEBHOOK_WELCOME]
        assert "secret" not in created and "token" not in created

    def test_it_answers_a_retried_create_with_the_first_result(self, page, tokens):
        api = Api(tokens["write"])
        body = {"kind": "email", "address": "ana@example.org"}
        first = api.post(_path(page), body, key="k-1")
        second = api.post(_path(page), body, key="k-1")
        assert first.status_code == second.status_code == 201
        assert second["Idempotent-Replayed"] == "true"
        assert json.loads(first.content) == json.loads(second.content)
        assert Subscriber.objects.count() == 1
        assert Delivery.objects.count() == 1
