"""Issue #17: the optional word that came with a cancel or decline is shown on the session page,
and briefly on the card of a session called off ahead of its time, to the session's two people:
the one who wrote it reads "You wrote: …", the other reads who wrote it. Escaped; never in a push;
anyone else gets the same 404 as for any session that is not theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession
from tests.push.conftest import subscribe
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)
NOTE = "I am unwell today, sorry."


def page_of(user, path: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    return response.status_code, response.content.decode()


def session_page(user, session: SupportSession) -> str:
    status, text = page_of(user, f"/sessions/{session.pk}/")
    assert status == 200
    return text


def ask(participant, peer) -> SupportSession:
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )


def test_the_other_person_reads_who_wrote_it_and_the_writer_reads_their_own(peer, participant):
    session = services.session_cancel(session=book(peer, participant), by=peer, reason=NOTE)

    assert f'{peer.display_name} wrote: "{NOTE}"' in session_page(participant, session)
    assert f'You wrote: "{NOTE}"' in session_page(peer, session)


def test_a_participant_cancelling_is_read_by_the_peer(peer, participant):
    session = services.session_cancel(session=book(peer, participant), by=participant, reason=NOTE)

    assert f'{participant.display_name} wrote: "{NOTE}"' in session_page(peer, session)
    assert f'You wrote: "{NOTE}"' in session_page(participant, session)


def test_a_decline_note_is_read_by_the_participant(peer, participant):
    session = services.session_decline(
        session=ask(participant, peer), by=peer, reason="Away that week."
    )

    assert f'{peer.display_name} wrote: "Away that week."' in session_page(participant, session)
    assert 'You wrote: "Away that week."' in session_page(peer, session)


def test_without_a_note_nothing_is_said(peer, participant):
    session = services.session_cancel(session=book(peer, participant), by=peer)

    assert "wrote:" not in session_page(participant, session)
    assert "wrote:" not in session_page(peer, session)


def test_the_note_is_escaped(peer, participant):
    note = '<script>alert("x")</script> & <b>bold</b>'
    session = services.session_cancel(session=book(peer, participant), by=peer, reason=note)

    text = session_page(participant, session)

    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text


@pytest.mark.parametrize("who", ["stranger", "other_peer", "staff"])
def test_anyone_else_gets_a_404_and_never_the_note(request, peer, participant, who):
    session = services.session_cancel(session=book(peer, participant), by=peer, reason=NOTE)

    status, text = page_of(request.getfixturevalue(who), f"/sessions/{session.pk}/")

    assert status == 404
    assert NOTE not in text


def test_the_card_of_a_session_called_off_ahead_says_it_briefly(peer, participant):
    long_note = "I am unwell; " + "more words " * 30
    services.session_cancel(session=book(peer, participant), by=peer, reason=long_note)

    _, as_participant = page_of(participant, "/schedule/")
    _, as_peer = page_of(peer, "/schedule/")

    assert f'{peer.display_name} wrote: "I am unwell; more words' in as_participant
    assert 'You wrote: "I am unwell; more words' in as_peer
    assert long_note.strip() not in as_participant  # briefly: the session page has it whole
    assert "…" in as_participant


def test_a_past_session_card_does_not_carry_the_note(peer, participant):
    session = services.session_cancel(session=book(peer, participant), by=peer, reason=NOTE)
    session.starts_at = timezone.now() - timedelta(days=2)  # its time has gone by since
    session.save()

    _, schedule = page_of(participant, "/schedule/?past=1")

    assert f'id="session-{session.pk}"' in schedule
    assert NOTE not in schedule
    assert NOTE in session_page(participant, SupportSession.objects.get(pk=session.pk))


def test_the_note_never_goes_in_a_push(peer, participant, receiver):
    subscribe(receiver, participant)
    subscribe(receiver, peer)
    session = book(peer, participant)
    run_until_quiet()

    services.session_cancel(session=session, by=peer, reason=NOTE)
    run_until_quiet()

    pushes = receiver.messages()
    assert any(m["payload"]["title"] == "Session cancelled" for m in pushes)
    assert not any(b"unwell" in m["raw"] for m in pushes)
