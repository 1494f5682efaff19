"""Manual links are encrypted at rest, like Zoom join URLs (issue 16): the database, a dump of
it or a backup shows no link, a sealed link copied to another session does not open, and the
migration seals the links already stored (and opens them again if rolled back)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession, manual_link_data
from scheduling.selectors import sessions_needing_a_link
from tests.scheduling.conftest import book
from zoom.vault import keyring

LINK = "https://whereby.com/private-room-5e1d"
SECRET = "private-room-5e1d"


def raw_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM scheduling_supportsession")
        return repr(cursor.fetchall())


@pytest.mark.django_db
def test_the_database_never_holds_a_manual_link_in_clear(peer, participant, capsys):
    session = book(peer, participant, manual_link=LINK)
    moved = book(peer, participant, starts_in=timedelta(days=3))
    services.session_set_manual_link(session=moved, by=peer, link=LINK + "-2")

    call_command("dumpdata", "scheduling")
    dump = capsys.readouterr().out

    assert SECRET not in raw_rows()
    assert SECRET not in dump
    assert SupportSession.objects.get(pk=session.pk).manual_link == LINK
    assert SupportSession.objects.get(pk=moved.pk).manual_link == LINK + "-2"


@pytest.mark.django_db
def test_a_sealed_link_copied_to_another_session_does_not_open(peer, participant):
    victim = book(peer, participant, manual_link=LINK)
    other = book(peer, participant, starts_in=timedelta(days=3))

    SupportSession.objects.filter(pk=other.pk).update(
        manual_link_encrypted=victim.manual_link_encrypted, has_manual_link=True
    )

    assert SupportSession.objects.get(pk=other.pk).manual_link == ""


@pytest.mark.django_db
def test_the_has_link_flag_keeps_in_step_with_the_link(peer, participant):
    session = book(peer, participant, starts_in=timedelta(days=2))
    assert session in sessions_needing_a_link(peer)

    services.session_set_manual_link(session=session, by=peer, link=LINK)
    linked = SupportSession.objects.get(pk=session.pk)
    assert (linked.has_manual_link, linked.manual_link) == (True, LINK)
    assert linked not in sessions_needing_a_link(peer)

    services.session_set_manual_link(session=session, by=peer, link="")
    cleared = SupportSession.objects.get(pk=session.pk)
    assert (cleared.has_manual_link, cleared.manual_link_encrypted) == (False, "")
    assert cleared in sessions_needing_a_link(peer)


@pytest.mark.django_db
def test_a_link_too_long_is_refused_and_nothing_changes(peer, participant):
    session = book(peer, participant)

    with pytest.raises(services.SessionError) as refused:
        services.session_set_manual_link(
            session=session, by=peer, link="https://whereby.com/" + "r" * 490
        )

    assert refused.value.code == "bad_link"
    assert not SupportSession.objects.get(pk=session.pk).has_manual_link


BEFORE = [("scheduling", "0006_zoom_edges")]
AFTER = [("scheduling", "0007_manual_link_encrypted")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_stored_links_and_rolls_back(peer, participant):
    old_apps = migrate(BEFORE)
    Old = old_apps.get_model("scheduling", "SupportSession")
    start = timezone.now() + timedelta(days=1)
    row = Old.objects.create(
        peer_id=peer.pk,
        participant_id=participant.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=50),
        manual_link=LINK,
    )
    plain = Old.objects.create(
        peer_id=peer.pk,
        participant_id=participant.pk,
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=2, minutes=50),
    )
    try:
        # The models as that migration left them: later migrations add columns not there yet.
        New = migrate(AFTER).get_model("scheduling", "SupportSession")
        assert SECRET not in raw_rows()
        sealed = New.objects.get(pk=row.pk)
        assert sealed.has_manual_link
        assert (
            keyring().decrypt(
                sealed.manual_link_encrypted, associated_data=manual_link_data(sealed.reference)
            )
            == LINK
        )
        assert not New.objects.get(pk=plain.pk).has_manual_link

        back = migrate(BEFORE).get_model("scheduling", "SupportSession")
        assert back.objects.get(pk=row.pk).manual_link == LINK
        assert back.objects.get(pk=plain.pk).manual_link == ""
    finally:
        call_command("migrate", verbosity=0)
