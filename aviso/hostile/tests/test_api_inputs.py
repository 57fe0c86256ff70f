"""Numbers and times the APIs take, at and past every boundary: a 4xx, never a 5xx;
and ``aviso`` verbs pointed at a database they cannot use: one line, never a traceback.

An integer past 64 bits reaches SQLite as an ``OverflowError``, a time at year 1
with a positive offset is before year 1 in UTC: each was a 500 before the APIs
bounded what they take. These tests walk the v1 OpenAPI document, so a new
operation or parameter is attacked without being listed here; the public and
console pages that read numbers from the query string are listed by hand.
``aviso/api/tests/test_openapi.py`` fuzzes the same document with schemathesis,
and ``bench/fuzz_api.py`` runs it at many more examples.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from aviso.api.api import api
from aviso.api.models import ApiToken
from aviso.monitors.tests.factories import make_monitor
from aviso.notify.subscriptions import add_confirmed
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db

BIG_INTEGERS = [2**63, 2**64, -(2**63) - 1, 10**30, -(10**30)]
INTEGERS = [*BIG_INTEGERS, -1, 0, 2**31, 2**63 - 1]
NUMBERS = [*INTEGERS, 1e308, -1e308, 1e-308]
TIMES = [
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "9999-12-31T23:59:59.999999Z",
    "1969-12-31T23:59:59Z",
]
DATES = ["0001-01-01", "9999-12-31", "1969-12-31"]
QUERY_INTEGERS = [str(n) for n in INTEGERS] + ["99999999999999999999999999999999999999"]

# Values for required fields, so that a body reaches past the schema to the lifecycle.
REQUIRED = {
    "name": "Fuzzed",
    "kind": "http",
    "config": {"url": "http://127.0.0.1:9/"},
    "body": "Fuzzed.",
    "address": "fuzz@example.org",
}


def _types(schema: dict) -> set[str]:
    """The types and formats a (possibly nullable, ``anyOf``) schema allows."""
    found = {schema.get("type"), schema.get("format")}
    for option in schema.get("anyOf", []):
        found |= {option.get("type"), option.get("format")}
    return {t for t in found if isinstance(t, str)}


def _values_for(schema: dict, *, in_query: bool) -> list:
    types = _types(schema)
    if "integer" in types:
        return QUERY_INTEGERS if in_query else INTEGERS
    if "number" in types:
        return [str(n) for n in NUMBERS] if in_query else NUMBERS
    if "date-time" in types:
        return TIMES
    if "date" in types:
        return DATES
    return []


def _resolve(document: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _future(hours: int) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _base_body(document: dict, schema: dict) -> dict:
    body = {}
    for name in schema.get("required", []):
        prop = _resolve(document, schema["properties"][name])
        if name in REQUIRED:
            body[name] = REQUIRED[name]
        elif "enum" in prop:
            body[name] = prop["enum"][0]
        elif "date-time" in _types(prop):
            body[name] = _future(24 if name == "scheduled_for" else 25)
        else:
            body[name] = "x"
    return body


@pytest.fixture
def world():
    """Real objects for every path parameter, and an admin token."""
    page = make_page(name="Bounds", slug="bounds")
    component = make_component(page, "API", group="Core")
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name="Seeded", components={component: "major_outage"}
    )
    maintenance = lifecycle.schedule_maintenance(
        page, actor=SYSTEM, name="Seeded",
        scheduled_for=timezone.now() + dt.timedelta(days=1),
        scheduled_until=timezone.now() + dt.timedelta(days=1, hours=1),
    )  # fmt: skip
    targets = {
        "page": page.code,
        "groups": component.group.code,
        "components": component.code,
        "incidents": incident.code,
        "maintenances": maintenance.code,
        "update": incident.updates.first().code,
        "subscribers": add_confirmed(page, "email", "bounds@example.org", actor=SYSTEM).code,
        "monitors": make_monitor(component=component).code,
    }
    _, raw = ApiToken.issue(make_person("bounds", "admin"), name="bounds", scope="admin")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {raw}"})
    return targets, client


def _url(path: str, targets: dict) -> str:
    parts = path.split("/")
    # /api/v1/pages/{page}/<collection>/{code}..., or /api/v1/<collection>/{code}...
    collection = parts[5] if parts[3] == "pages" and len(parts) > 5 else parts[3]
    url = path.replace("{page}", targets["page"]).replace("{update}", targets["update"])
    return url.replace("{code}", targets.get(collection, "none"))


def _attacks(document: dict, targets: dict):
    """(method, url, query, body, what) for each number and time each operation takes."""
    for path, operations in document["paths"].items():
        url = _url(path, targets)
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                for value in _values_for(parameter["schema"], in_query=True):
                    what = f"{method.upper()} {path}?{parameter['name']}={value}"
                    yield method, url, {parameter["name"]: value}, None, what
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(document, content["application/json"]["schema"])
            base = _base_body(document, schema)
            for name, prop in schema.get("properties", {}).items():
                for value in _values_for(_resolve(document, prop), in_query=False):
                    what = f"{method.upper()} {path} {{{name!r}: {value!r}}}"
                    yield method, url, {}, {**base, name: value}, what


def _send(client: Client, method: str, url: str, query: dict, body: dict | None):
    if body is None:
        return getattr(client, method)(url, query)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


class TestNumbersAndTimesInTheManagementApi:
    def test_every_number_and_time_past_its_bounds_is_answered_4xx(self, world):
        """Attack: each integer, number and time the v1 API takes, past 64 bits,
        negative, and at years 1 and 9999 on either side of UTC."""
        targets, client = world
        document = api.get_openapi_schema()
        failures, statuses = [], Counter()
        for method, url, query, body, what in _attacks(document, targets):
            response = _send(client, method, url, query, body)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{what} -> {response.status_code}")
            elif response.status_code >= 400:
                assert response["Content-Type"].startswith("application/problem+json"), what
        assert not failures, "\n".join(failures)
        # The attacks reached the handlers (some were accepted), not only the router.
        assert sum(statuses.values()) > 300 and statuses[422] and statuses[200], statuses

    def test_the_offset_that_reached_sqlite_is_refused_with_a_field_message(self, world):
        """Attack: GET /api/v1/monitors?offset=2**63, once a 500 (OverflowError in SQLite)."""
        _, client = world
        response = client.get("/api/v1/monitors", {"offset": str(2**63)})
        assert response.status_code == 422
        assert "offset" in response.json()["errors"]

    def test_a_time_before_year_one_in_utc_is_refused_with_a_field_message(self, world):
        """Attack: ?before=0001-01-01T00:00:00+14:00, once a 500 (OverflowError in UTC)."""
        targets, client = world
        url = f"/api/v1/monitors/{targets['monitors']}/results"
        response = client.get(url, {"before": "0001-01-01T00:00:00+14:00"})
        assert response.status_code == 422
        assert "before" in response.json()["errors"]


# Pages outside the v1 API that read a number from the query string.
PUBLIC_QUERIES = [
    (
        "/history",
        "through",
        ["9999-12", "10000-01", "0-1", "2026-13", f"{2**63}-01", "2026-99999999999999999999"],
    ),  # noqa: E501
    ("/p/bounds/history", "through", ["9999-12", "1969-12", f"{2**64}-{2**64}"]),
]
CONSOLE_QUERIES = [
    ("/console/monitors/", "page", QUERY_INTEGERS),
    ("/console/incidents/", "p", QUERY_INTEGERS),
    ("/console/audit/", "p", QUERY_INTEGERS),
    ("/console/notify/subscribers/", "p", QUERY_INTEGERS),
    ("/console/notify/deliveries/", "p", QUERY_INTEGERS),
]
# Console pages with a row id in the path (GET, or POST where that is all they take).
CONSOLE_IDS = [
    ("get", "/console/templates/{}/edit/"),
    ("post", "/console/templates/{}/delete/"),
    ("post", "/console/users/{}/role/"),
    ("post", "/console/users/{}/reset-2fa/"),
    ("post", "/console/notify/deliveries/{}/retry"),
]


class TestNumbersInPublicAndConsolePages:
    def test_a_history_month_out_of_range_is_never_an_error_page(self, world):
        """Attack: /history?through= at year 9999, past it, and past 64 bits."""
        client = Client(raise_request_exception=False)
        failures = []
        for path, name, values in PUBLIC_QUERIES:
            for value in values:
                response = client.get(path, {name: value})
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={value} -> {response.status_code}")
        assert not failures, "\n".join(failures)

    def test_a_console_page_number_out_of_range_is_never_an_error_page(self, world):
        """Attack: the console's lists at page 2**63, -1 and past 64 bits."""
        client = Client(raise_request_exception=False)
        client.force_login(make_person("bounds-admin", "admin"))
        failures = []
        for path, name, values in CONSOLE_QUERIES:
            for value in values:
                response = client.get(path, {name: value})
                if response.status_code >= 500 or response.status_code == 404:
                    failures.append(f"{path}?{name}={value} -> {response.status_code}")
        for method, path in CONSOLE_IDS:
            for value in ["99999999999999999999", str(2**63), "0"]:
                url = path.format(value)
                response = getattr(client, method)(url)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} -> {response.status_code}")
        assert not failures, "\n".join(failures)


def _aviso(tmp_path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
    return subprocess.run(
        [sys.executable, "-m", "aviso", *argv],
        env=clean | {"AVISO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "aviso.settings"}
        | env,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


class TestVerbsOnADataDirNeverSetUp:
    def test_a_database_that_cannot_be_reached_is_one_line_not_a_traceback(self, tmp_path):
        """Attack: AVISO_DATABASE_URL at a closed port on the loopback."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # closed again before the command connects
        url = f"postgres://postgres@127.0.0.1:{port}/none?connect_timeout=2"
        done = _aviso(tmp_path, "export", AVISO_DATABASE_URL=url)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "cannot reach the database" in done.stderr

    def test_a_verb_that_only_reads_says_what_to_run_and_creates_nothing(self, tmp_path):
        """Attack: a reading verb on an empty data dir must not half set it up."""
        done = _aviso(tmp_path, "backup", str(tmp_path / "out.jsonl.gz"))
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert re.fullmatch(
            r"aviso backup: the database is not set up \(\d+ migrations to apply\); "
            r"run `aviso up` or `aviso manage migrate` first",
            line,
        ), line
        assert not (tmp_path / "out.jsonl.gz").exists()
