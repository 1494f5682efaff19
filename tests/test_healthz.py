"""GET /healthz: the liveness check load balancers and the benchmarks use."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_it_answers_ok_without_signing_in_or_touching_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok"
    assert len(queries.captured_queries) == 0
