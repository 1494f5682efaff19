"""The Preferences page: reminders and notifications switches, the devices that get pushes (each
removable), and the browser's own subscribe/unsubscribe calls."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect

from peerakeet.lib.push_endpoints import DEFAULT_HOSTS
from push.models import PushSubscription
from tests.diary import FROZEN_NOW
from tests.guide.walk import assert_accessible, fits_the_screen, shot, sign_in
from tests.push.conftest import subscribe
from tests.push.endpoints import INSIDE_OUR_NETWORK

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _post_json(client, name: str, body: object):
    return client.post(
        reverse(name), json.dumps(body), content_type="application/json",
        headers={"User-Agent": ANDROID_CHROME},
    )  # fmt: skip


@pytest.mark.django_db
def test_the_browser_turns_its_pushes_on_named_after_the_device(client, participant, receiver):
    client.force_login(participant)

    response = _post_json(client, "push:subscribe", receiver.subscription(receiver.new_device()))

    assert response.status_code == 201
    [device] = PushSubscription.objects.filter(user=participant)
    assert device.label == "Chrome on Android"


@pytest.mark.django_db
def test_the_browser_turns_its_pushes_off(client, participant, receiver):
    client.force_login(participant)
    device = subscribe(receiver, participant)

    response = _post_json(client, "push:unsubscribe", {"endpoint": receiver.endpoint(device)})

    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"endpoint": "https://10.1.2.3/x"}, ["not", "an object"]])
def test_a_bad_subscription_is_refused_and_nothing_is_stored(
    client, participant, receiver, settings, body
):
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)
    client.force_login(participant)

    response = _post_json(client, "push:subscribe", body)

    assert response.status_code == 400
    assert response.json()["code"] in {"bad_endpoint", "bad_keys"}
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "reason"), INSIDE_OUR_NETWORK)
def test_the_browser_cannot_make_our_servers_call_inside_our_network(
    client, participant, receiver, settings, endpoint, reason
):
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)  # as in production
    client.force_login(participant)
    body = {**receiver.subscription(receiver.new_device()), "endpoint": endpoint}

    response = _post_json(client, "push:subscribe", body)

    assert response.status_code == 400, reason
    assert response.json()["code"] == "bad_endpoint"
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["push:subscribe", "push:unsubscribe"])
def test_a_signed_out_browser_is_told_so_not_sent_to_the_sign_in_page(client, receiver, name):
    """fetch() follows a redirect: the sign-in page's 200 would read as "done"."""
    response = _post_json(client, name, receiver.subscription(receiver.new_device()))

    assert response.status_code == 401
    assert response.json() == {
        "code": "signed_out",
        "message": "Sign in again to turn notifications on or off.",
    }
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_browser_signed_out_for_being_idle_is_told_so(client, participant, receiver, settings):
    client.force_login(participant)
    with time_machine.travel(FROZEN_NOW):
        client.get(reverse("accounts:preferences"))  # seen now
    idle = timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES + 1)

    with time_machine.travel(FROZEN_NOW + idle):
        response = _post_json(
            client, "push:subscribe", receiver.subscription(receiver.new_device())
        )

    assert response.status_code == 401
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_device_is_removed_from_the_preferences_page(client, participant, receiver):
    client.force_login(participant)
    subscribe(receiver, participant, label="Safari on iPhone")
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Stop notifications on Safari on iPhone" in page

    device = PushSubscription.objects.get()
    response = client.post(reverse("push:remove", args=[device.pk]))

    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_nobody_removes_another_persons_device_from_the_page(client, participant, peer, receiver):
    subscribe(receiver, participant)
    client.force_login(peer)

    response = client.post(reverse("push:remove", args=[PushSubscription.objects.get().pk]))

    assert response.status_code == 404
    assert PushSubscription.objects.exists()


@pytest.mark.django_db
def test_the_reminder_switches_are_saved(client, participant):
    client.force_login(participant)

    client.post(
        reverse("accounts:preferences"),
        {"display_name": participant.display_name, "time_zone": "UTC",
         "email_session_changes": "on", "remind_hour_before": "on", "push_notifications": "on"},
    )  # fmt: skip

    participant.refresh_from_db()
    assert (participant.remind_day_before, participant.remind_hour_before) == (False, True)
    assert (participant.email_reminders, participant.push_notifications) == (False, True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_preferences_page_is_accessible_with_devices(
    page: Page, live_server, participant, receiver, width, height
):
    with time_machine.travel(FROZEN_NOW, tick=False):
        subscribe(receiver, participant, label="Safari on iPhone")
        subscribe(receiver, participant, label="Chrome on Windows")
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/accounts/preferences/")

    expect(page.get_by_role("group", name="Reminders before a session")).to_be_visible()
    expect(page.get_by_label("1 hour before a session")).to_be_checked()
    expect(
        page.get_by_role("button", name="Stop notifications on Safari on iPhone")
    ).to_be_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    if width < 500:
        shot(page, "preferences-reminders-phone")
