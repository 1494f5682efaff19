"""Display names travel into Peerakeet-branded emails and calendar files. An attacker names
themselves with a line break (a forged header line or paragraph) or a link (phishing under our
name): every door that sets a name refuses it, and a plain-text email shows a name as written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from scheduling import services
from scheduling.models import Notification
from scheduling.notifications import build_email
from tests.personas import make_participant, make_peer

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "Pat\nBcc: everyone@example.org",
    "Pat\r\n\r\nYour account is locked, call 555-0100",
    "Pat\u2028Peer",
    "Pat\tPeer",
    "Pat\x00Peer",
    "Pat\u202eteP",  # right-to-left override
    "Pat https://evil.example/login",
    "Reset at evil.example/reset",
    "www.evil.example",
    "Pat (bit.ly/abc)",
    "mailto:x@evil.example",
]
HONEST_NAME = "Ciarán O'Brien <x>"


def sign_up_form(name: str) -> dict[str, str]:
    return {
        "display_name": name,
        "email": "new.person@example.org",
        "time_zone": "UTC",
        "password1": "a long and unusual passphrase",
        "password2": "a long and unusual passphrase",
    }


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_sign_up_refuses_a_name_with_a_control_character_or_a_link(client, name):
    response = client.post("/accounts/sign-up/", sign_up_form(name))

    assert response.status_code == 400
    assert response.context["form"].errors["display_name"]
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_preferences_refuse_a_name_with_a_control_character_or_a_link(client, participant, name):
    client.force_login(participant)

    response = client.post(
        "/accounts/preferences/",
        {"display_name": name, "time_zone": "UTC", "email_session_changes": "on"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["display_name"]
    participant.refresh_from_db()
    assert participant.display_name == "Alex Participant"


@pytest.mark.parametrize("name", HOSTILE_NAMES[:1] + HOSTILE_NAMES[6:7])
def test_the_admin_refuses_such_a_name_too(client, staff, participant, name):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    url = f"/support/accounts/user/{participant.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(display_name=name, time_zone="UTC", is_active="on")
    data.update(
        {
            f"certifications-{k}": v
            for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MAX_NUM_FORMS": 0}.items()
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "cannot contain" in response.text
    participant.refresh_from_db()
    assert participant.display_name == "Alex Participant"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_model_refuses_such_a_name_whatever_the_door(participant, name):
    participant.display_name = name

    with pytest.raises(ValidationError) as refused:
        participant.full_clean()

    assert "display_name" in refused.value.message_dict


@pytest.mark.parametrize("name", ["J. R. Smith", "Dr. Amani Okafor", "José Álvarez", HONEST_NAME])
def test_ordinary_names_are_accepted(participant, name):
    participant.display_name = name

    participant.full_clean()


def test_a_session_email_shows_an_apostrophe_and_brackets_as_written(peer):
    obrien = make_participant("obrien@example.org", HONEST_NAME)
    asked = services.session_request(  # asked and accepted: both are told "confirmed"
        participant=obrien,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )
    services.session_accept(session=asked, by=peer)
    to_peer = Notification.objects.get(recipient=peer, kind=Notification.Kind.CONFIRMED)
    to_obrien = Notification.objects.get(recipient=obrien, kind=Notification.Kind.CONFIRMED)

    about_her = build_email(to_peer)
    to_her = build_email(to_obrien)

    assert f"session with {HONEST_NAME}" in str(about_her.body)
    assert f"Hello {HONEST_NAME}," in str(to_her.body)
    for body in (str(about_her.body), str(to_her.body)):
        assert "&#x27;" not in body
        assert "&lt;" not in body
        assert "&amp;" not in body


def test_account_emails_show_a_name_as_written(client):
    make_peer("peer.obrien@example.org", HONEST_NAME)

    client.post("/accounts/sign-up/", {**sign_up_form("x"), "email": "peer.obrien@example.org"})
    client.post("/accounts/password-reset/", {"email": "peer.obrien@example.org"})

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert f"Hello {HONEST_NAME}," in str(message.body)
        assert "&#x27;" not in str(message.body)
