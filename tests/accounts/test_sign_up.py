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
def test_it_creates_a_participant_and_signs_them_in(client):
    response = client.post(reverse("accounts:sign_up"), GOOD)

    assert response.status_code == 302
    user = User.objects.get(email="morgan@example.org")
    assert user.role_label == "Participant"
    assert user.password.startswith("argon2")
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
def test_it_refuses_an_email_already_in_use(client, participant):
    response = client.post(
        reverse("accounts:sign_up"), {**GOOD, "email": participant.email.upper()}
    )

    assert response.status_code == 400
    assert "already exists" in response.text
    assert User.objects.count() == 1
