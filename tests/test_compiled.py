"""Reads compiled once (peerakeet/lib/compiled.py): each must give exactly what its queryset
gives, run the same SQL in one statement, keep its lock, and refuse what the ORM refuses."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from peerakeet.lib.compiled import Compiled
from scheduling.meetings import _LOCKED_WITH_CONNECTION as LOCKED  # the engine's own lock
from scheduling.models import SupportSession, ZoomMeeting
from tests.personas import make_participant, make_peer
from tests.scheduling.conftest import book
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db

PLAIN = Compiled(lambda pk: SupportSession.objects.filter(pk=pk))
REMOVED_AT = Compiled(
    lambda pk: ZoomMeeting.objects.filter(session_id=pk).values_list(
        "removed_at", "zoom_meeting_id"
    )
)


def two(peer: Any, participant: Any) -> list[SupportSession]:
    return [book(peer, participant, starts_in=timedelta(days=d)) for d in (1, 2)]


def fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def the_orm(pk: int) -> SupportSession:
    return (
        SupportSession.objects.select_for_update(of=("self",))
        .select_related("peer__zoom_connection")
        .get(pk=pk)
    )


def test_a_locked_read_with_its_relations_is_what_the_orm_reads(peer, participant):
    session = book(peer, participant)
    ZoomConnection.objects.create(
        peer=peer, state=ZoomConnection.State.CONNECTED, zoom_user_id="z-1", zoom_email="z@x.org"
    )
    SupportSession.objects.filter(pk=session.pk).update(
        create_started_at=datetime(2026, 12, 3, 8, 15, 1, 123456, tzinfo=UTC),
        provisioning_attempts=3,
    )

    with transaction.atomic():
        read, expected = LOCKED.get(session.pk), the_orm(session.pk)

    assert fields(read) == fields(expected)
    assert fields(read.peer) == fields(expected.peer)
    assert fields(read.peer.zoom_connection) == fields(expected.peer.zoom_connection)
    assert read.create_started_at == datetime(2026, 12, 3, 8, 15, 1, 123456, tzinfo=UTC)
    assert (read._state.adding, read._state.db) == (False, "default")
    with CaptureQueriesContext(connection) as queries:
        assert read.peer.zoom_connection.zoom_user_id == "z-1"  # joined: no statement
    assert queries.captured_queries == []
    read.provisioning_attempts = 4
    read.save(update_fields=["provisioning_attempts"])  # an ordinary model instance
    assert SupportSession.objects.get(pk=session.pk).provisioning_attempts == 4


def test_a_peer_without_a_zoom_connection_reads_as_the_orm_reads_it(peer, participant):
    session = book(peer, participant)

    with transaction.atomic():
        read, expected = LOCKED.get(session.pk), the_orm(session.pk)

    for person in (read.peer, expected.peer):
        with pytest.raises(ZoomConnection.DoesNotExist):
            person.zoom_connection  # noqa: B018 (the access is the test)
    assert fields(read) == fields(expected)


def test_it_runs_the_orms_own_sql_in_one_statement_every_time(peer, participant):
    sessions = two(peer, participant)
    with transaction.atomic():
        LOCKED.get(sessions[0].pk)
        with CaptureQueriesContext(connection) as orm:
            the_orm(sessions[1].pk)
        with CaptureQueriesContext(connection) as compiled:
            LOCKED.get(sessions[1].pk)
            LOCKED.get(sessions[0].pk)

    assert len(compiled.captured_queries) == 2
    ours, theirs = compiled.captured_queries[0]["sql"], orm.captured_queries[0]["sql"]
    assert "FOR UPDATE" in ours or connection.vendor == "sqlite"
    assert ours == theirs.replace(" LIMIT 21", "")  # get()'s guard against many rows


def test_values_are_the_orms_values(peer, participant):
    session, other = two(peer, participant)
    gone = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    ZoomMeeting.objects.create(session=session, zoom_meeting_id=11, removed_at=gone)
    ZoomMeeting.objects.create(session=session, zoom_meeting_id=12)

    expected = ZoomMeeting.objects.filter(session_id=session.pk).values_list(
        "removed_at", "zoom_meeting_id"
    )
    assert sorted(REMOVED_AT.values(session.pk), key=str) == sorted(expected, key=str)
    assert sorted(REMOVED_AT.values(session.pk), key=str) == [(None, 12), (gone, 11)]
    assert REMOVED_AT.values(other.pk) == []


def test_a_missing_key_is_the_models_does_not_exist(peer, participant):
    session = book(peer, participant)

    with pytest.raises(SupportSession.DoesNotExist):
        PLAIN.get(session.pk + 1000)
    assert PLAIN.objects(session.pk + 1000) == []
    assert PLAIN.get(session.pk).pk == session.pk


@pytest.mark.parametrize("key", ["1 OR 1=1", "7", 7.0, None, True])
def test_a_key_that_is_not_an_int_is_refused_before_any_statement(peer, participant, key):
    book(peer, participant)
    PLAIN.objects(1)  # compiled already: the refusal is not the compiling's
    with CaptureQueriesContext(connection) as queries, pytest.raises(TypeError):
        PLAIN.objects(key)

    assert queries.captured_queries == []


@pytest.mark.postgres  # SQLite has no row locks: the ORM leaves them out there
@pytest.mark.django_db(transaction=True)  # a test's own transaction would hide the refusal
def test_a_lock_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    session = book(make_peer(), make_participant())
    with transaction.atomic():
        LOCKED.get(session.pk)  # compiled already

    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TransactionManagementError):
            LOCKED.get(session.pk)
        with pytest.raises(TransactionManagementError):
            the_orm(session.pk)
        never_compiled = Compiled(
            lambda pk: SupportSession.objects.select_for_update().filter(pk=pk)
        )
        with pytest.raises(TransactionManagementError):
            never_compiled.get(session.pk)  # refused while compiling, too

    assert queries.captured_queries == []


def test_a_queryset_that_does_not_take_its_key_plainly_is_refused(peer, participant):
    session = book(peer, participant)
    by_reference = Compiled(lambda key: SupportSession.objects.filter(provisioning=str(key)))

    with pytest.raises(ValueError, match="plain parameter"):
        by_reference.get(session.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_compiled_lock_holds_the_row_against_another_connection():
    session = book(make_peer(), make_participant())
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def hold() -> None:
        try:
            with transaction.atomic():
                LOCKED.get(session.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            try:
                SupportSession.objects.select_for_update(nowait=True).get(pk=session.pk)
                outcome["second"] = "locked it too"
            except OperationalError:
                outcome["second"] = "refused"
    finally:
        release.set()
        holder.join(10)

    assert outcome["second"] == "refused"
    with transaction.atomic():  # released with its transaction
        assert LOCKED.get(session.pk).pk == session.pk


@pytest.mark.django_db(transaction=True)
def test_each_thread_reads_through_its_own_connection():
    peer, participant = make_peer(), make_participant()
    sessions = two(peer, participant)
    read: dict[int, tuple[int, int]] = {}

    def look(session: SupportSession) -> None:
        try:
            read[session.pk] = (PLAIN.get(session.pk).pk, id(connections["default"]))
        finally:
            connection.close()

    PLAIN.get(sessions[0].pk)  # compiled on this thread first
    threads = [threading.Thread(target=look, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert {pk: found for pk, (found, _) in read.items()} == {s.pk: s.pk for s in sessions}
    assert id(connections["default"]) not in {conn for _, conn in read.values()}
