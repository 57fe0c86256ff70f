"""``aviso token create|list|revoke``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from aviso.api.models import ApiToken
from aviso.testing import make_person

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestTokenCommand:
    def test_it_prints_a_working_token_once(self):
        make_person("deploy", "responder")
        out, err = _run("create", "--user", "deploy", "--scope", "write", "--name", "ci")
        raw = out.strip()
        assert raw.startswith("aviso_") and "\n" not in raw
        assert "not kept" in err
        token = ApiToken.objects.get()
        assert (token.name, token.scope, token.user.username) == ("ci", "write", "deploy")
        assert raw not in token.digest
        response = Client().get("/api/v1/pages", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
        listing, _ = _run("list")
        assert token.prefix in listing and raw not in listing

    def test_it_revokes_by_prefix(self):
        make_person("deploy", "responder")
        raw = _run("create", "--user", "deploy", "--scope", "read")[0].strip()
        prefix = ApiToken.objects.get().prefix
        _run("revoke", prefix)
        response = Client().get("/api/v1/pages", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 401
        with pytest.raises(CommandError):
            _run("revoke", prefix)

    def test_it_refuses_an_unknown_user_or_scope(self):
        with pytest.raises(CommandError, match="No user"):
            _run("create", "--user", "ghost", "--scope", "read")
        make_person("deploy", "responder")
        with pytest.raises(CommandError):
            _run("create", "--user", "deploy", "--scope", "root")
        assert not ApiToken.objects.exists()
