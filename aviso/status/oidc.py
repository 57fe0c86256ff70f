"""Readers of a private page sign in through OpenID Connect (any standard provider).

The page names the provider (``oidc_issuer``), its client id and secret (sealed
at rest). The flow is the authorization code flow with PKCE (S256), a state and
a nonce kept in the reader's session; Authlib makes the tokens and the PKCE
challenge, joserfc (Authlib's JOSE library) checks the ID token's signature
against the provider's published keys, and its issuer, audience, expiry and
nonce. Every request to the provider (discovery, token, keys) goes through
``aviso.lib.http.fetch``, so through the address guard. The reader's verified
``email`` must be one the page admits (``viewer_domains`` / ``viewer_emails``).
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from aviso.lib.http import OutboundError, fetch
from aviso.lib.netguard import Policy
from aviso.status.models import Page
from aviso.status.routing import page_address
from aviso.status.sealing import keyring

SESSION_KEY = "aviso_oidc"  # {page id: {state, nonce, verifier, next}}


class SignInFailed(Exception):
    """The provider's answer cannot sign anyone in; the message says why (for the reader)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def _policy() -> Policy:
    return Policy(block_private=settings.OUTBOUND_BLOCK_PRIVATE, allow=settings.OUTBOUND_ALLOW)


def _json(url: str, **kwargs) -> dict:
    try:
        response = asyncio.run(fetch(url, policy=_policy(), timeout=10.0, **kwargs))
    except (OutboundError, OSError, ValueError) as error:
        raise SignInFailed(f"the sign-in provider cannot be reached ({error})") from None
    if response.status != 200:
        raise SignInFailed(f"the sign-in provider answered {response.status}")
    try:
        return json.loads(response.body)
    except ValueError:
        raise SignInFailed("the sign-in provider's answer is not JSON") from None


def discover(page: Page) -> Provider:
    issuer = page.oidc_issuer.rstrip("/")
    data = _json(issuer + "/.well-known/openid-configuration")
    if str(data.get("issuer", "")).rstrip("/") != issuer:
        raise SignInFailed("the provider's discovery document names another issuer")
    try:
        return Provider(
            issuer=data["issuer"],
            authorization_endpoint=data["authorization_endpoint"],
            token_endpoint=data["token_endpoint"],
            jwks_uri=data["jwks_uri"],
        )
    except KeyError as missing:
        raise SignInFailed(f"the provider's discovery document has no {missing}") from None


def redirect_uri(page: Page) -> str:
    return page_address(page) + "/sign-in/oidc/callback"


def start(page: Page, session, next_path: str) -> str:
    """The provider's authorization address for a new sign-in (state kept in ``session``)."""
    provider = discover(page)
    verifier = generate_token(64)
    attempt = {
        "state": generate_token(32),
        "nonce": generate_token(32),
        "verifier": verifier,
        "next": next_path if next_path.startswith("/") and not next_path.startswith("//") else "/",
    }
    pending = dict(session.get(SESSION_KEY) or {})
    pending[str(page.pk)] = attempt
    session[SESSION_KEY] = pending
    query = {
        "response_type": "code",
        "client_id": page.oidc_client_id,
        "redirect_uri": redirect_uri(page),
        "scope": "openid email",
        "state": attempt["state"],
        "nonce": attempt["nonce"],
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{provider.authorization_endpoint}?{urlencode(query)}"


def finish(page: Page, session, *, state: str, code: str) -> tuple[str, str, dict]:
    """(verified email, next path, the ID token's claims) from the provider's redirect
    back; SignInFailed otherwise."""
    pending = dict(session.get(SESSION_KEY) or {})
    attempt = pending.pop(str(page.pk), None)
    session[SESSION_KEY] = pending  # one try per attempt
    if attempt is None or not state or state != attempt["state"]:
        raise SignInFailed("this sign-in was not started here, or was started again since")
    if not code:
        raise SignInFailed("the provider sent no code")
    provider = discover(page)
    secret = keyring().unseal(page.oidc_client_secret) if page.oidc_client_secret else ""
    basic = base64.b64encode(f"{page.oidc_client_id}:{secret}".encode()).decode()
    tokens = _json(
        provider.token_endpoint,
        method="POST",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        body=urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(page),
                "code_verifier": attempt["verifier"],
            }
        ),
        follow_redirects=False,
    )
    id_token = tokens.get("id_token")
    if not id_token:
        raise SignInFailed("the provider gave no ID token")
    keys = KeySet.import_key_set(_json(provider.jwks_uri))
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": page.oidc_client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": attempt["nonce"]},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        raise SignInFailed(f"the ID token does not check out ({error})") from None
    email = str(token.claims.get("email", "")).strip().lower()
    if not email or token.claims.get("email_verified") is False:
        raise SignInFailed("the provider gave no verified email address")
    return email, attempt["next"], dict(token.claims)
