"""Schemathesis against the live schema: every operation, generated and boundary inputs.

Checks: no server errors, answers match their schemas, status codes and content types are the
documented ones. Authenticated as a peer with sessions (confirmed, requested, cancelled, with a
manual link) so that generated ids can land on real ones through the stateful links.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_issue
from scheduling.moves import move_ask_create
from scheduling.services import session_cancel
from tests.api.conftest import API, ask, book

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def _one_connection():
    """Like Django's test client: keep the test's connection (and transaction) open across the
    requests; the plain WSGI handler would close it when each request finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(_one_connection, peer, participant, other_peer, settings) -> str:
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000  # the fuzzer is not what the limit is for
    book(peer, participant, manual_link="https://whereby.com/fuzz")
    book(peer, participant, starts_in=timedelta(days=2))
    ask(participant, peer, starts_in=timedelta(days=3))
    session_cancel(session=book(peer, participant, starts_in=timedelta(days=4)), by=peer)
    moved = book(peer, participant, starts_in=timedelta(days=5))  # with an ask to move it
    move_ask_create(session=moved, by=participant, starts_at=moved.starts_at + timedelta(days=1))
    return token_issue(user=peer, name="schemathesis").plaintext


# Loaded at collection: serving the schema touches no database. (schemathesis.pytest.from_fixture
# would be the lazy way, but 4.32.5 reads request.node._nodeid, which pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application())


TALLY: Counter[str] = Counter()  # answers per "METHOD /path status", for the summary line


def summary() -> str:
    """One line for the terminal summary (tests/api/conftest.py prints it)."""
    keys = [key.split("|") for key in TALLY.elements()]
    statuses = dict(sorted(Counter(status for _, _, status in keys).items()))
    chained = sum(kind == "chain" for kind, _, _ in keys)
    operations = len({op for _, op, _ in keys})
    return (
        f"schemathesis: {operations} operations, {len(keys)} calls ({chained} in linked "
        f"chains), statuses {statuses}"
    )


def tally(case, response, kind: str = "single") -> None:
    TALLY[f"{kind}|{case.operation.label}|{response.status_code}"] += 1


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_it_keeps_every_operation_to_its_schema(case, api_token):
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS
    )
    tally(case, response)


@pytest.mark.django_db
def test_it_keeps_to_its_schema_along_chains_of_linked_calls(api_token, participant, other_peer):
    """Schedule or request a session, then follow the links: detail, accept, decline, cancel,
    complete, set the link, join, in generated orders."""
    valid = itertools.count(5)

    class Chains(schema.as_state_machine()):  # type: ignore[misc]
        # Each scenario starts from the same database, so what a scenario can do (which links
        # have something to follow) depends on its own steps alone, as hypothesis requires.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)
            super().teardown()

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {api_token}"}}

        def before_call(self, case):
            # Random emails and ids name nobody: point some calls at real people, at free times,
            # so that sessions get made and the links have something to follow.
            if isinstance(case.body, dict) and case.operation.path.endswith(
                ("/sessions", "/requests")
            ):
                starts = timezone.now() + timedelta(days=next(valid), hours=1)
                case.body.update(starts_at=starts.isoformat())
                if case.operation.path.endswith("/sessions"):
                    case.body.update(participant_email=participant.email)
                else:
                    case.body.update(peer_id=other_peer.pk)

        def validate_response(self, response, case, **kwargs):
            tally(case, response, "chain")
            case.validate_response(response, checks=CHECKS)

    # No shrinking or replay: the chains change the database as they go, so a replayed chain
    # generates differently and hypothesis would report that (FlakyStrategyDefinition) instead
    # of the failure itself.
    Chains.run(
        settings=settings(
            FUZZ, stateful_step_count=8, phases=[Phase.explicit, Phase.generate], database=None
        )
    )
