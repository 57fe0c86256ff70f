from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aviso.console.tests.base import PASSWORD
from aviso.status.models import AuditEntry
from aviso.testing import make_person

pytestmark = pytest.mark.django_db
LOGIN = "/console/login/"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def _sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


class TestSignIn:
    def test_it_signs_in_and_goes_where_it_was_asked(self, scene):
        client = Client()
        response = client.get("/console/incidents/")
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next=/console/incidents/"
        response = _sign_in(client, "responder", next="/console/incidents/")
        assert response["Location"] == "/console/incidents/"
        assert client.get("/console/incidents/").status_code == 200

    def test_it_ignores_a_next_address_on_another_site(self, scene):
        response = _sign_in(Client(), "viewer", next="https://evil.example/")
        assert response["Location"] == "/console/"

    def test_a_wrong_password_says_so_and_signs_nobody_in(self, scene):
        client = Client()
        response = _sign_in(client, "viewer", "wrong")
        assert response.status_code == 400
        assert "The user name or the password is wrong." in response.content.decode()
        assert client.get("/console/").status_code == 302

    def test_the_session_cookie_is_http_only_and_same_site(self, scene):
        response = _sign_in(Client(), "viewer")
        cookie = response.cookies["sessionid"]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"

    @override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
    def test_the_cookie_is_secure_when_served_over_https(self, scene):
        response = _sign_in(Client(), "viewer")
        assert response.cookies["sessionid"]["secure"] is True

    def test_a_person_without_a_role_gets_no_console(self, scene):
        make_person("nobody", None)
        client = Client()
        _sign_in(client, "nobody")
        response = client.get("/console/")
        assert response.status_code == 403
        assert "This needs the Viewer role" in response.content.decode()

    def test_signing_out_takes_a_post(self, scene):
        client = scene.client("viewer")
        assert client.get("/console/logout/").status_code == 405
        assert client.post("/console/logout/").status_code == 302
        assert client.get("/console/").status_code == 302

    def test_quick_retries_are_slowed_down(self, scene, device):
        client = Client()
        _sign_in(client, "responder")
        client.post(reverse("console:verify"), {"token": "000001"})
        # django-otp's own throttle: right after a failure even the right code waits.
        response = client.post(reverse("console:verify"), {"token": _code(device)})
        assert response.status_code == 400
        assert "Too many wrong codes; wait a few seconds" in response.content.decode()


class TestThrottling:
    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=3)
    def test_failures_past_the_free_ones_make_the_next_try_wait(self, scene):
        client = Client()
        for _ in range(4):
            assert _sign_in(client, "responder", "guess").status_code == 400
        response = _sign_in(client, "responder")
        assert response.status_code == 429
        assert "Too many failed sign-ins. Try again in 1 second." in response.content.decode()
        assert client.get("/console/").status_code == 302
        # Someone else from elsewhere is not slowed down by it.
        other = Client(REMOTE_ADDR="127.0.0.2")
        assert _sign_in(other, "viewer").status_code == 302

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS=4)
    def test_an_address_guessing_many_names_waits(self, scene):
        client = Client()
        for name in ("a", "b", "c", "d", "e"):
            _sign_in(client, name, "guess")
        assert _sign_in(client, "viewer").status_code == 429


@pytest.fixture
def device(scene):
    user = scene.user("responder")
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


class TestTwoFactor:
    def test_the_password_alone_is_not_enough(self, scene, device):
        client = Client()
        response = _sign_in(client, "responder")
        assert response["Location"] == reverse("console:verify")
        assert client.get("/console/").status_code == 302

    def test_the_right_code_signs_in(self, scene, device):
        client = Client()
        _sign_in(client, "responder", next="/console/audit/")
        response = client.post(reverse("console:verify"), {"token": _code(device)})
        assert response["Location"] == "/console/audit/"
        assert client.get("/console/").status_code == 200

    def test_the_password_step_expires(self, scene, device):
        client = Client()
        _sign_in(client, "responder")
        session = client.session
        session["console_otp_since"] -= 301
        session.save()
        response = client.post(reverse("console:verify"), {"token": _code(device)})
        assert response["Location"] == LOGIN
        assert client.get("/console/").status_code == 302

    def test_a_wrong_code_says_so(self, scene, device):
        client = Client()
        _sign_in(client, "responder")
        response = client.post(reverse("console:verify"), {"token": "000000"})
        if response.status_code == 302:  # one in a million: 000000 was the code
            return
        assert response.status_code == 400
        assert "That code is wrong or has expired." in response.content.decode()
        assert client.get("/console/").status_code == 302

    def test_a_session_that_skipped_the_second_factor_is_sent_back(self, scene, device):
        # force_login is what a sign-in through another door (the Django admin) looks like.
        client = scene.client("responder")
        response = client.get("/console/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

    @override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
    def test_setting_it_up_and_turning_it_off(self, scene):
        user = make_person("carol", "viewer")
        client = Client()
        _sign_in(client, "carol")
        client.post(reverse("console:start_2fa"))
        pending = TOTPDevice.objects.get(user=user, confirmed=False)
        page = client.get(reverse("console:account")).content.decode()
        assert "<svg" in page  # the QR code, drawn on the server
        bad = client.post(reverse("console:confirm_2fa"), {"token": "12"})
        assert bad.status_code == 400
        client.post(reverse("console:confirm_2fa"), {"token": _code(pending)})
        pending.refresh_from_db()
        assert pending.confirmed
        # The session that set it up counts as verified.
        assert client.get("/console/").status_code == 200
        assert AuditEntry.objects.get(action="user.enable_2fa").actor == user

        # Turning it off needs a fresh code (the one just used is spent).
        response = client.post(reverse("console:disable_2fa"), {"token": "not-a-code"})
        assert response.status_code == 400
        assert TOTPDevice.objects.filter(user=user).exists()
        next_code = _code(pending, offset=1)
        client.post(reverse("console:disable_2fa"), {"token": next_code})
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert AuditEntry.objects.get(action="user.disable_2fa").actor == user


class TestPassword:
    def test_it_changes_the_password_and_keeps_the_session(self, scene):
        client = scene.client("viewer")
        response = client.post(
            reverse("console:password"),
            {
                "old_password": PASSWORD,
                "new_password1": "n3w-Long-pass",
                "new_password2": "n3w-Long-pass",
            },
        )
        assert response.status_code == 302
        assert client.get("/console/").status_code == 200
        assert _sign_in(Client(), "viewer", "n3w-Long-pass").status_code == 302
        assert AuditEntry.objects.get(action="user.password").actor == scene.user("viewer")
