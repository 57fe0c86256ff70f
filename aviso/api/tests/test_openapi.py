"""Schemathesis against /api/v1/openapi.json: no 5xx, no answer that breaks the schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aviso.api.api import api
from aviso.api.models import ApiToken
from aviso.monitors.tests.factories import make_monitor
from aviso.notify.subscriptions import add_confirmed
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page, make_person
from aviso.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

# Ten examples an operation keep the suite quick; bench/fuzz_api.py runs many more.
# Numbers and times past their bounds are tried one by one in aviso/hostile/tests/.
EXAMPLES_PER_OPERATION = int(os.environ.get("AVISO_FUZZ_EXAMPLES", "5"))
CHECKS = (
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
)


class TestOpenApiContract:
    def test_it_holds_for_generated_requests(self, settings):
        # Generated webhook URLs must not send host names to a resolver off this machine.
        settings.NOTIFY_ALLOW_PRIVATE = True
        page = make_page(name="Fuzz", slug="fuzz")
        component = make_component(page, "API", group="Core")
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="Seeded", components={component: "major_outage"}
        )
        lifecycle.save_postmortem(incident, actor=SYSTEM, body="## Incident Summary")
        maintenance = lifecycle.schedule_maintenance(
            page,
            actor=SYSTEM,
            name="Seeded",
            scheduled_for=timezone.now() + dt.timedelta(days=1),
            scheduled_until=timezone.now() + dt.timedelta(days=1, hours=1),
        )
        # Real objects for the path parameters, by the collection they sit in.
        self.targets = {
            "groups": component.group.code,
            "components": component.code,
            "incidents": incident.code,
            "maintenances": maintenance.code,
            "update": incident.updates.first().code,
            "subscribers": add_confirmed(page, "email", "fuzz@example.org", actor=SYSTEM).code,
            "monitors": make_monitor(component=component).code,
        }
        _, raw = ApiToken.issue(make_person("fuzzer", "admin"), name="fuzz", scope="admin")
        headers = {"Authorization": f"Bearer {raw}"}
        # Like Django's test client: a request must not close the test's connection
        # (on PostgreSQL that would end the test transaction).
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            started = time.monotonic()
            statuses: Counter = Counter()
            failures = self._fuzz(page, headers, statuses)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        assert not failures, "\n\n".join(failures)
        # The generated requests reached the lifecycle, not only the validators.
        assert statuses[200] > 0 and statuses[201] > 0 and statuses[422] > 0, statuses
        # Ten examples per operation, no shrinking: about 20 s on two cores.
        took = time.monotonic() - started
        print(f"{EXAMPLES_PER_OPERATION} examples an operation in {took:.1f} s")  # noqa: T201

    def _aim(self, case, page) -> None:
        params = case.path_parameters
        params["page"] = page.code
        if "code" in params:
            parts = case.operation.path.split("/")
            # /api/v1/pages/{page}/<here>/{code}, or /api/v1/<here>/{code}
            collection = parts[5] if parts[3] == "pages" else parts[3]
            params["code"] = self.targets.get(collection, params["code"])
        if "update" in params:
            params["update"] = self.targets["update"]

    def _fuzz(self, page, headers, statuses: Counter) -> list[str]:
        # django-ninja writes OpenAPI 3.1, which schemathesis 3.x reads behind a flag.
        schemathesis.experimental.OPEN_API_3_1.enable()
        try:
            schema = schemathesis.from_wsgi("/api/v1/openapi.json", application)
        finally:
            schemathesis.experimental.OPEN_API_3_1.disable()
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 37
        failures = []
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                # No shrinking: a failure is reported as found, which keeps the run short.
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                # Point path parameters at real objects half the time, so the
                # generated bodies reach the lifecycle instead of a 404.
                if case.path_parameters and zlib.crc32(repr(case.body).encode()) % 2 == 0:
                    self._aim(case, page)
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # collect every operation's failure, then report
                failures.append(f"{operation.verbose_name}: {exc}")
        return failures


SNAPSHOT = Path(__file__).parent / "openapi.snapshot.json"


class TestOpenApiSnapshot:
    def test_it_matches_the_reviewed_document(self):
        """A change to the API's contract shows up in review as a change to the snapshot.

        After a deliberate change: AVISO_UPDATE_SNAPSHOTS=1 pytest aviso/api -k Snapshot
        """
        document = api.get_openapi_schema()
        text = json.dumps(document, indent=1, sort_keys=True) + "\n"
        if os.environ.get("AVISO_UPDATE_SNAPSHOTS"):
            SNAPSHOT.write_text(text)
        assert json.loads(SNAPSHOT.read_text()) == json.loads(text)
