"""Who is signed in (accounts/backends.py): the one query every signed-in request makes, compiled
once. The person it reads must be exactly the person the ORM reads, and nothing about a person
may be remembered between requests: a deactivation or a new password counts at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.backends import ModelBackend, user_by_pk
from accounts.models import User
from tests.personas import PASSWORD, make_participant, make_peer

pytestmark = pytest.mark.django_db


def every_field(user: User) -> dict[str, Any]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_person_read_is_the_person_the_orm_reads(peer):
    User.objects.filter(pk=peer.pk).update(
        time_zone="Asia/Kolkata",
        email_verified_at=datetime(2026, 11, 30, 8, 15, 1, 123456, tzinfo=UTC),
        signed_out_everywhere_at=datetime(2026, 12, 1, 23, 59, tzinfo=UTC),
        remind_hour_before=False,
        is_staff=True,
    )

    read = user_by_pk(peer.pk)

    assert read is not None
    assert every_field(read) == every_field(User.objects.get(pk=peer.pk))
    assert read.email_verified_at == datetime(2026, 11, 30, 8, 15, 1, 123456, tzinfo=UTC)
    assert read.remind_hour_before is False
    assert read.is_staff is True
    assert (read._state.adding, read._state.db) == (False, "default")
    read.display_name = "Pat P."
    read.save(update_fields=["display_name"])  # an ordinary model instance
    assert User.objects.get(pk=peer.pk).display_name == "Pat P."


def test_it_reads_in_one_statement_every_time(peer):
    user_by_pk(peer.pk)
    with CaptureQueriesContext(connection) as queries:
        user_by_pk(peer.pk)
        user_by_pk(str(peer.pk))  # as a session stores it

    assert len(queries.captured_queries) == 2
    assert all("accounts_user" in q["sql"] for q in queries.captured_queries)


def test_nobody_for_a_missing_or_deactivated_person(peer, participant):
    User.objects.filter(pk=participant.pk).update(is_active=False)

    assert ModelBackend().get_user(peer.pk) == peer
    assert ModelBackend().get_user(participant.pk) is None
    assert user_by_pk(participant.pk) is not None  # read, then refused by the backend's rule
    assert ModelBackend().get_user(peer.pk + participant.pk + 1000) is None


def test_a_key_that_is_not_a_number_is_refused_before_any_statement(peer):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
        user_by_pk("1 OR 1=1")

    assert queries.captured_queries == []


def test_a_deactivation_or_a_new_password_counts_on_the_next_request(peer, participant):
    browsers = {}
    for person in (peer, participant):
        browsers[person.pk] = Client()
        browsers[person.pk].post(
            "/accounts/sign-in/", {"username": person.email, "password": PASSWORD}
        )
        assert browsers[person.pk].get("/accounts/preferences/").status_code == 200

    # Straight in the table: no signal, no save() for anything to listen to.
    User.objects.filter(pk=peer.pk).update(is_active=False)
    changed = User.objects.get(pk=participant.pk)
    changed.set_password("another long passphrase 42")
    User.objects.filter(pk=participant.pk).update(password=changed.password)

    for person in (peer, participant):
        response = browsers[person.pk].get("/accounts/preferences/")
        assert response.status_code == 302, person.email
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.django_db(transaction=True)
def test_each_thread_reads_through_its_own_connection():
    people = [make_peer(), make_participant()]
    read: dict[int, tuple[str, int]] = {}

    def look(person: User) -> None:
        try:
            found = user_by_pk(person.pk)
            read[person.pk] = (found.email if found else "", id(connections["default"]))
        finally:
            connection.close()

    user_by_pk(people[0].pk)  # compiled on this thread first
    threads = [threading.Thread(target=look, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert {pk: email for pk, (email, _) in read.items()} == {p.pk: p.email for p in people}
    assert id(connections["default"]) not in {conn for _, conn in read.values()}
