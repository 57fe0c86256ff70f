from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from aviso.publish.middleware import DatabaseDownMiddleware, database_failed

factory = RequestFactory()


def middleware(status: int = 200) -> DatabaseDownMiddleware:
    return DatabaseDownMiddleware(lambda request: HttpResponse(status=status))


class TestDatabaseDownMiddleware:
    @pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError()])
    def test_it_answers_503_with_a_message_for_the_console(self, error):
        response = middleware().process_exception(factory.get("/console/"), error)
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response["Cache-Control"] == "no-store"
        assert b"database is unreachable" in response.content
        assert response["Content-Type"].startswith("text/html")

    def test_it_answers_problem_json_for_the_api(self):
        response = middleware().process_exception(
            factory.get("/api/v1/pages"), OperationalError("down")
        )
        assert response.status_code == 503
        assert response["Content-Type"] == "application/problem+json"
        problem = json.loads(response.content)
        assert problem["status"] == 503
        assert "public status page is still served" in problem["detail"]

    def test_it_leaves_other_errors_alone(self):
        assert middleware().process_exception(factory.get("/console/"), ValueError("x")) is None

    @pytest.mark.django_db
    def test_it_leaves_a_500_alone_while_the_database_works(self):
        assert not database_failed()
        assert middleware(500)(factory.get("/api/v1/pages")).status_code == 500
