"""A small, real OpenID Connect provider for the tests, on 127.0.0.1.

It speaks the authorization code flow with PKCE as any standard provider
does: a discovery document, an authorization endpoint (a sign-in form where
the test types who it is), a token endpoint that checks the client's secret
(HTTP Basic), the single-use code, the redirect URI and the PKCE verifier, and
signs an RS256 ID token with a key it publishes at ``jwks_uri``. Built on
Authlib's pieces (tokens, the S256 challenge) and joserfc (JOSE).
"""

from __future__ import annotations

import base64
import html
import json
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class OidcProvider:
    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.codes: dict[str, dict] = {}
        self.tokens_issued = 0
        # More claims of a person's ID token, by email ({"groups": [...], "org": "acme"}).
        self.claims: dict[str, dict] = {}
        self.server = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> OidcProvider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the WSGI app ---------------------------------------------------------

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/.well-known/openid-configuration":
            return self._json(start_response, self.discovery())
        if path == "/jwks":
            return self._json(start_response, {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize" and method == "GET":
            return self._authorize_form(start_response, query)
        if path == "/authorize" and method == "POST":
            return self._authorize(start_response, self._form(environ))
        if path == "/token" and method == "POST":
            return self._token(start_response, environ, self._form(environ))
        return self._json(start_response, {"error": "not_found"}, "404 Not Found")

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "email"],
        }

    @staticmethod
    def _form(environ) -> dict:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size).decode()
        return {k: v[-1] for k, v in parse_qs(body).items()}

    @staticmethod
    def _json(start_response, data, status="200 OK"):
        body = json.dumps(data).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        )
        return [body]

    def _bad_request(self, query: dict) -> str | None:
        if query.get("client_id") != self.client_id:
            return "unknown client"
        if query.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri not registered"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return "only the OpenID code flow"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE S256 required"
        return None

    def _authorize_form(self, start_response, query: dict):
        problem = self._bad_request(query)
        if problem:
            return self._json(start_response, {"error": problem}, "400 Bad Request")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        page = (
            "<!doctype html><html lang=en><title>Test identity provider</title>"
            "<h1>Test identity provider</h1><form method=post action=/authorize>"
            f"{hidden}<label>Email <input name=login_email type=email></label>"
            "<button type=submit>Continue</button></form></html>"
        ).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page]

    def _authorize(self, start_response, form: dict):
        problem = self._bad_request(form)
        if problem or not form.get("login_email"):
            return self._json(start_response, {"error": problem or "who?"}, "400 Bad Request")
        code = generate_token(32)
        self.codes[code] = {
            "redirect_uri": form["redirect_uri"],
            "nonce": form.get("nonce", ""),
            "challenge": form["code_challenge"],
            "email": form["login_email"],
            "at": time.time(),
        }
        target = form["redirect_uri"] + "?" + urlencode({"code": code, "state": form["state"]})
        start_response("302 Found", [("Location", target)])
        return [b""]

    def _token(self, start_response, environ, form: dict):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != f"Basic {expected}":
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or time.time() - grant["at"] > 60:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["email"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": grant["email"],
            "email_verified": True,
            **self.claims.get(grant["email"], {}),
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        self.tokens_issued += 1
        return self._json(
            start_response,
            {
                "access_token": generate_token(32),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )


def host_of(url: str) -> str:
    return urlsplit(url).netloc
