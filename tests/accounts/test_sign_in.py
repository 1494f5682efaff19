from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD


@pytest.mark.django_db
def test_it_signs_a_peer_in_and_out(client, peer):
    response = client.post(
        reverse("accounts:login"), {"username": peer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("scheduling:schedule")

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("scheduling:schedule")).status_code == 302


@pytest.mark.django_db
def test_it_throttles_repeated_failed_sign_ins(client, peer):
    for _ in range(5):
        response = client.post(
            reverse("accounts:login"), {"username": peer.email, "password": "wrong"}
        )

    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    # Even the right password is refused while the account is locked for this address.
    locked = client.post(reverse("accounts:login"), {"username": peer.email, "password": PASSWORD})
    assert locked.status_code == 429


@pytest.mark.django_db
def test_it_rejects_a_sign_in_without_a_csrf_token(peer):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(
        reverse("accounts:login"), {"username": peer.email, "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "That form expired" in response.text
    assert "_auth_user_id" not in strict.session


@pytest.mark.django_db
def test_it_emails_a_password_reset_link(client, mailoutbox, participant):
    client.post(reverse("accounts:password_reset"), {"email": participant.email})

    assert len(mailoutbox) == 1
    assert "/accounts/password-reset/" in mailoutbox[0].body


@pytest.mark.django_db
def test_it_sends_no_reset_email_for_an_unknown_address(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert mailoutbox == []
