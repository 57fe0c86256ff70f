from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


class TestCreateAdmin:
    def test_it_takes_the_password_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("AVISO_ADMIN_PASSWORD", "a-Strong-pass-1")
        out = io.StringIO()
        call_command("createadmin", username="root", email="root@example.com", stdout=out)
        user = get_user_model().objects.get(username="root")
        assert user.is_superuser and user.check_password("a-Strong-pass-1")
        assert "a-Strong-pass-1" not in out.getvalue()

    def test_it_prints_a_generated_password_once_without_prompting(self, monkeypatch):
        monkeypatch.delenv("AVISO_ADMIN_PASSWORD", raising=False)
        out = io.StringIO()
        call_command("createadmin", username="root", email="root@example.com", stdout=out)
        password = out.getvalue().rsplit(": ", 1)[1].strip()
        assert get_user_model().objects.get(username="root").check_password(password)

    def test_a_bad_email_is_one_clear_error(self):
        with pytest.raises(CommandError, match="not an email address"):
            call_command("createadmin", username="root", email="nope")
