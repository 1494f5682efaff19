from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

GOOD = {
    "display_name": "Morgan New",
    "email": "Morgan@Example.org",
    "time_zone": "Europe/Berlin",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
}


@pytest.mark.django_db
def test_it_creates_an_unverified_participant_and_emails_a_link(client, mailoutbox):
    response = client.post(reverse("accounts:sign_up"), GOOD)

    assert response.status_code == 302
    assert response.url == reverse("accounts:sign_up_sent")
    user = User.objects.get(email="morgan@example.org")
    assert user.role_label == "Participant"
    assert user.password.startswith("argon2")
    assert user.email_verified_at is None
    # Not signed in until the emailed link proves the address.
    assert client.get(reverse("scheduling:schedule")).status_code == 302
    assert "/accounts/verify/" in mailoutbox[0].body


@pytest.mark.django_db
def test_the_emailed_link_and_the_password_confirm_the_address_and_sign_in(client, mailoutbox):
    client.post(reverse("accounts:sign_up"), GOOD)
    link = next(w for w in mailoutbox[0].body.split() if "/accounts/verify/" in w)

    response = client.post(link, {"password": GOOD["password1"]})

    assert response.status_code == 302
    assert User.objects.get(email="morgan@example.org").email_verified_at is not None
    assert client.get(reverse("scheduling:schedule")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"password2": "something else entirely"}, "password2", "do not match"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"display_name": ""}, "display_name", "This field is required."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
    ],
)
def test_it_rerenders_a_bad_form_with_clear_errors_and_creates_nothing(
    client, change, field, message
):
    response = client.post(reverse("accounts:sign_up"), {**GOOD, **change})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "Please fix the problems marked below." in response.text
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_email_already_in_use_is_answered_like_a_new_one_and_its_owner_told(
    client, participant, mailoutbox
):
    response = client.post(
        reverse("accounts:sign_up"), {**GOOD, "email": participant.email.upper()}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:sign_up_sent")
    assert User.objects.count() == 1
    assert mailoutbox[0].to == [participant.email]
    assert "already have one" in mailoutbox[0].body
