"""Issue #17: cancelling and declining are asked once, and take an optional word for the other
person, which reaches them in the email about it. The service holds the rule; each door (the web
page here, the API in tests/api/test_session_actions.py) is refused the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)
Status = SupportSession.Status


def ask(participant, peer) -> SupportSession:
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(session: SupportSession) -> SupportSession:
    return SupportSession.objects.get(pk=session.pk)


def test_it_emails_the_cancellers_note_to_the_other_person_only(mailoutbox, peer, participant):
    session = book(peer, participant)
    run_until_quiet()
    mailoutbox.clear()

    services.session_cancel(session=session, by=peer, reason="  I am unwell today, sorry.  ")
    run_until_quiet()

    [to_participant] = emails_to(mailoutbox, participant, "cancelled")
    [to_peer] = emails_to(mailoutbox, peer, "cancelled")
    assert f'{peer.display_name} wrote: "I am unwell today, sorry."' in to_participant.body
    assert f"{peer.display_name} cancelled this peer support session." in to_participant.body
    assert "I am unwell" not in to_peer.body
    assert "You cancelled this peer support session." in to_peer.body
    assert fresh(session).call_off_reason == "I am unwell today, sorry."


def test_it_emails_the_decliners_note_to_the_participant(mailoutbox, peer, participant):
    session = ask(participant, peer)

    services.session_decline(session=session, by=peer, reason="I am away that week.")
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "declined")
    assert f'{peer.display_name} wrote: "I am away that week."' in email.body


def test_it_says_nothing_more_without_a_note(mailoutbox, peer, participant):
    session = ask(participant, peer)

    services.session_decline(session=session, by=peer)
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "declined")
    assert "wrote:" not in email.body


def test_emails_name_the_zone_as_people_say_it(mailoutbox, peer, participant):
    participant.time_zone = "America/New_York"
    participant.save()
    session = ask(participant, peer)

    services.session_decline(session=session, by=peer)
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "declined")
    assert "(Eastern Time (New York))" in email.body
    assert "America/New_York" not in email.body


@pytest.mark.parametrize("reason", ["x" * 501, "bad\x00byte"])
def test_it_refuses_a_note_it_cannot_keep_and_changes_nothing(
    mailoutbox, peer, participant, reason
):
    session = book(peer, participant)
    run_until_quiet()
    mailoutbox.clear()

    with pytest.raises(services.SessionError) as refused:
        services.session_cancel(session=session, by=participant, reason=reason)

    assert refused.value.code == "bad_reason"
    assert fresh(session).status == Status.CONFIRMED
    run_until_quiet()
    assert mailoutbox == []


# --- The web door ---------------------------------------------------------------------------


def test_the_cancel_button_asks_first_and_changes_nothing(peer, participant):
    session = book(peer, participant)

    page = signed_in(participant).get(f"/sessions/{session.pk}/cancel/", {"back": "schedule"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "Cancel this session?" in text
    assert f"A note for {peer.display_name} (optional)" in text
    assert 'name="back" value="schedule"' in text
    assert fresh(session).status == Status.CONFIRMED


def test_a_participant_withdrawing_a_request_is_asked_in_their_words(peer, participant):
    session = ask(participant, peer)

    text = signed_in(participant).get(f"/sessions/{session.pk}/cancel/").content.decode()

    assert "Withdraw your request?" in text
    assert "Keep my request" in text


def test_the_peer_is_asked_before_declining(peer, participant):
    session = ask(participant, peer)

    text = signed_in(peer).get(f"/sessions/{session.pk}/decline/").content.decode()

    assert "Decline this request?" in text
    assert f"A note for {participant.display_name} (optional)" in text


def test_confirming_cancels_with_the_note_and_goes_back(mailoutbox, peer, participant):
    session = book(peer, participant)

    response = signed_in(participant).post(
        f"/sessions/{session.pk}/cancel/", {"back": "schedule", "reason": "Feeling better."}
    )

    assert response.status_code == 302
    assert response["Location"] == "/schedule/"
    assert fresh(session).status == Status.CANCELLED
    assert fresh(session).call_off_reason == "Feeling better."


def test_the_web_refuses_a_note_too_long_keeps_it_and_changes_nothing(peer, participant):
    session = book(peer, participant)
    note = "y" * 501

    response = signed_in(participant).post(f"/sessions/{session.pk}/cancel/", {"reason": note})

    assert response.status_code == 400
    text = response.content.decode()
    assert "Keep the note under 500 characters." in text
    assert note in text  # what they wrote is still there to shorten
    assert fresh(session).status == Status.CONFIRMED


def test_the_web_refuses_a_participant_declining_and_changes_nothing(peer, participant):
    session = ask(participant, peer)

    response = signed_in(participant).post(f"/sessions/{session.pk}/decline/", {"reason": "no"})

    assert response.status_code == 409
    assert fresh(session).status == Status.REQUESTED
    assert fresh(session).call_off_reason == ""


def test_only_cancel_and_decline_are_asked(peer, participant):
    session = ask(participant, peer)

    assert signed_in(peer).get(f"/sessions/{session.pk}/accept/").status_code == 404


def test_a_stranger_is_not_asked(peer, participant, stranger):
    session = book(peer, participant)

    assert signed_in(stranger).get(f"/sessions/{session.pk}/cancel/").status_code == 404


def test_disconnects_question_asks_a_signed_out_visitor_to_sign_in():
    response = Client().get("/integrations/zoom/disconnect/")

    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_disconnects_question_is_refused_to_a_participant(participant):
    assert signed_in(participant).get("/integrations/zoom/disconnect/").status_code == 403
