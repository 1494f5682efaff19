"""Schemathesis on the booking operations, pointed at a real booking link (the project-wide fuzz
in tests/api reaches them too, but its random links name nobody)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from api.tokens import token_issue
from tests.api.conftest import API
from tests.api.test_schema_fuzz import CHECKS, _one_connection  # noqa: F401 (a fixture)
from tests.booking.conftest import open_hours

schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application()).include(
    path_regex="/booking/"
)
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def booking_token(_one_connection, peer, participant, settings) -> str:  # noqa: F811
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    open_hours(peer, slug="pat")
    return token_issue(user=participant, name="schemathesis").plaintext


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_the_booking_operations_keep_to_their_schema(case, booking_token):
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = "pat"
    case.call_and_validate(headers={"Authorization": f"Bearer {booking_token}"}, checks=CHECKS)
