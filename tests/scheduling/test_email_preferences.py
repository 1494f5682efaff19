"""The Preferences page: which emails a person gets, and their time zone."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_preferences_page_saves_choices(client, participant):
    client.force_login(participant)

    response = client.post(
        reverse("accounts:preferences"),
        {
            "display_name": "Alex P.",
            "time_zone": "Europe/Paris",
            "email_session_changes": "on",
        },
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.time_zone == "Europe/Paris"
    assert participant.email_session_changes is True
    assert participant.email_meeting_links is False


def test_the_preferences_page_refuses_a_bad_time_zone(client, participant):
    client.force_login(participant)

    response = client.post(
        reverse("accounts:preferences"), {"display_name": "A", "time_zone": "Mars/Base"}
    )

    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.time_zone == "UTC"
