"""Bearer tokens for the management API: hashed, scoped, revocable, last use kept."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from aviso.api.choices import TokenScope
from aviso.api.models import ApiToken, hash_token
from aviso.console.roles import Role, role_of
from aviso.status.lifecycle import Actor

# last_used_at is written at most this often per token: no write on every read.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


# The most a token may do for a person holding each console role.
ROLE_CEILING = {
    Role.VIEWER: TokenScope.READ,
    Role.RESPONDER: TokenScope.WRITE,
    Role.ADMIN: TokenScope.ADMIN,
}


def effective_scope(token: ApiToken) -> TokenScope | None:
    """The token's scope, cut down to what its owner's console role allows now.

    Read at every request, so demoting a person demotes their tokens at once;
    a person with no console role left has tokens that do nothing.
    """
    role = role_of(token.user)
    if role is None:
        return None
    scope, ceiling = TokenScope(token.scope), ROLE_CEILING[role]
    return scope if ceiling.allows(scope) else ceiling


def find_token(raw: str | None) -> ApiToken | None:
    if not raw or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=hash_token(raw)).first()
    if token is None or not token.is_active:
        return None
    token.effective_scope = effective_scope(token)
    if token.effective_scope is None:
        return None
    return token


def _refuse(token: ApiToken, needed: TokenScope) -> AuthorizationError:
    if token.effective_scope != token.scope:
        return AuthorizationError(
            message=(
                f"This token's scope is {token.scope}, but its owner's console role now "
                f"allows only {token.effective_scope}; this needs {needed}."
            )
        )
    return AuthorizationError(message=f"This token's scope is {token.scope}; this needs {needed}.")


def bearer_value(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class TokenAuth(HttpBearer):
    """Accepts an active token whose scope covers ``scope``; else 401 (or 403)."""

    def __init__(self, scope: str = TokenScope.READ):
        self.scope = TokenScope(scope)
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = find_token(token)
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        if not found.effective_scope.allows(self.scope):
            raise _refuse(found, self.scope)
        return found


def require_scope(request: HttpRequest, scope: str) -> None:
    token: ApiToken = request.auth
    if not token.effective_scope.allows(scope):
        raise _refuse(token, TokenScope(scope))


def actor(request: HttpRequest) -> Actor:
    token: ApiToken = request.auth
    return Actor.api(token.user, token.name)


READ = TokenAuth(TokenScope.READ)
WRITE = TokenAuth(TokenScope.WRITE)
ADMIN = TokenAuth(TokenScope.ADMIN)
