"""Taking over an address: whoever signs up first with someone's email, or asks whether an address
has an account, learns nothing and sees nothing booked for it until they prove they read its mail
(a signed, expiring link)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from scheduling import services
from scheduling.join import JoinRefused, join_target
from tests.personas import PASSWORD, make_participant

pytestmark = pytest.mark.django_db

VICTIM = "casey.victim@example.org"
ATTACKER_PASSWORD = "attacker knows this passphrase"
ROOM = "https://zoom.us/j/555000111?pwd=victim"
LINK = re.compile(r"https?://\S+/accounts/verify/\S+/")


def sign_up(client: Client, email: str, password: str = ATTACKER_PASSWORD) -> Any:
    return client.post(
        "/accounts/sign-up/",
        {
            "display_name": "Casey",
            "email": email,
            "time_zone": "UTC",
            "password1": password,
            "password2": password,
        },
    )


def book(peer: Any, participant: Any) -> Any:
    return services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
        manual_link=ROOM,
    )


def api_token(email: str, password: str) -> str:
    response = Client().post(
        "/api/v1/auth/tokens",
        json.dumps({"email": email, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def link_in(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return "/" + found.group(0).split("://", 1)[1].split("/", 1)[1]


def page_text(url: str) -> str:
    """A page without its per-visitor CSRF token."""
    return re.sub(r'"X-CSRFToken": "\w+"', "", Client().get(url).content.decode())


def test_whoever_signs_up_first_with_an_address_sees_nothing_booked_for_it(client, peer):
    sign_up(client, VICTIM)
    client.post("/accounts/sign-in/", {"username": VICTIM, "password": ATTACKER_PASSWORD})
    session = book(peer, User.objects.get(email=VICTIM))
    token = api_token(VICTIM, ATTACKER_PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}

    pages = [
        client.get("/schedule/"),
        client.get("/schedule/sessions/"),
        client.get(f"/sessions/{session.pk}/"),
        client.get(f"/sessions/{session.pk}/join"),
        Client().get("/api/v1/sessions", headers=bearer),
        Client().get(f"/api/v1/sessions/{session.pk}", headers=bearer),
        Client().get(f"/api/v1/sessions/{session.pk}/join", headers=bearer),
    ]

    for page in pages:
        assert ROOM not in page.content.decode(), page.request["PATH_INFO"]
        assert page.status_code != 302 or ROOM not in page.get("Location", "")
    assert [p.status_code for p in pages[2:4]] == [404, 404]
    assert Client().get("/api/v1/sessions", headers=bearer).json()["count"] == 0
    assert User.objects.get(email=VICTIM).email_verified_at is None


def test_an_unverified_participant_is_refused_at_the_join_check_itself(peer):
    casey = make_participant(VICTIM, "Casey", verified=False)
    session = book(peer, casey)

    with pytest.raises(JoinRefused) as refused:
        join_target(session, casey)

    assert refused.value.code == "email_not_verified"


def test_sign_up_answers_the_same_for_a_known_and_an_unknown_address(participant):
    known = sign_up(Client(), participant.email.upper(), "a brand new passphrase 1")
    unknown = sign_up(Client(), "nobody.yet@example.org", "a brand new passphrase 1")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert page_text(known["Location"]) == page_text(unknown["Location"])
    # The owner is told, in their own mailbox; their account is unchanged.
    to_owner = [m for m in mail.outbox if m.to == [participant.email]]
    assert len(to_owner) == 1
    assert "already have one" in to_owner[0].body
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)
    assert User.objects.filter(email__iexact=participant.email).count() == 1


def test_the_verification_link_needs_the_password_so_it_cannot_confirm_a_planted_account(peer):
    sign_up(Client(), VICTIM)  # the attacker plants an account on the victim's address
    link = link_in(mail.outbox[-1])
    owner = Client()  # the address's owner clicks the link in their mailbox

    refused = owner.post(link, {"password": "the owner's own passphrase"})

    assert refused.status_code == 400
    assert "_auth_user_id" not in owner.session
    assert User.objects.get(email=VICTIM).email_verified_at is None


def test_a_verification_link_works_once_and_cannot_be_forged(client):
    sign_up(client, VICTIM)
    link = link_in(mail.outbox[-1])
    forged = link.rstrip("/")[:-3] + "abc/"

    assert client.post(forged, {"password": ATTACKER_PASSWORD}).status_code == 400
    assert User.objects.get(email=VICTIM).email_verified_at is None
    assert client.post(link, {"password": ATTACKER_PASSWORD}).status_code == 302
    assert User.objects.get(email=VICTIM).email_verified_at is not None
    assert Client().post(link, {"password": ATTACKER_PASSWORD}).status_code == 400


def test_booking_answers_the_same_for_a_known_and_an_unknown_address(client, peer, participant):
    client.force_login(peer)
    form = {
        "starts_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 50,
        "modality": "video",
    }

    known = client.post("/sessions/new/", {**form, "participant_email": participant.email})
    form["starts_at"] = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    unknown = client.post("/sessions/new/", {**form, "participant_email": "new.person@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    invitations = [m for m in mail.outbox if m.to == ["new.person@example.org"]]
    assert any(LINK.search(str(m.body)) for m in invitations)
    assert not any(LINK.search(str(m.body)) for m in mail.outbox if m.to == [participant.email])


def test_the_api_books_an_unknown_address_like_a_known_one(peer, participant):
    token = api_token(peer.email, PASSWORD)

    def create(email: str, days: int) -> Any:
        body = {
            "participant_email": email,
            "starts_at": (timezone.now() + timedelta(days=days)).isoformat(),
            "duration_minutes": 50,
            "modality": "video",
        }
        return Client().post(
            "/api/v1/sessions",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert create(participant.email, 2).status_code == create("new@example.org", 3).status_code
    assert create("other.new@example.org", 4).status_code == 201


def test_an_invitation_proves_the_address_and_then_shows_the_session(client, peer):
    invitee = "new.person@example.org"
    client.force_login(peer)
    client.post(
        "/sessions/new/",
        {
            "participant_email": invitee,
            "starts_at": (timezone.now() + timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 50,
            "modality": "video",
            "manual_link": ROOM,
        },
    )
    assert not User.objects.get(email=invitee).has_usable_password()
    link = link_in([m for m in mail.outbox if m.to == [invitee]][-1])
    session = User.objects.get(email=invitee).attended_sessions.get()
    guest = Client()
    guest.force_login(User.objects.get(email=invitee))
    assert guest.get(f"/sessions/{session.pk}/").status_code == 404

    chosen = guest.post(
        link, {"new_password1": "my own new passphrase", "new_password2": "my own new passphrase"}
    )

    assert chosen.status_code == 302
    assert guest.get(f"/sessions/{session.pk}/").status_code == 200
    assert f'href="{ROOM}"' in guest.get(f"/sessions/{session.pk}/join").text
