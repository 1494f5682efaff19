"""GET/PATCH /me/notifications and the push subscriptions of /push/subscriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.forms import PreferencesForm
from accounts.services import NOTIFICATION_PREFERENCES
from api.routes.notifications import PreferencesIn, PreferencesOut
from peerakeet.lib.push_endpoints import DEFAULT_HOSTS
from push.models import PushSubscription
from push.services import MAX_DEVICES
from scheduling import services
from tests.api.conftest import ApiClient, client_for
from tests.push.endpoints import INSIDE_OUR_NETWORK
from tests.push_receiver import PushReceiver
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db

ALL_ON = {
    "email_session_changes": True,
    "email_meeting_links": True,
    "email_zoom_problems": True,
    "push_notifications": True,
    "remind_day_before": True,
    "remind_hour_before": True,
    "remind_join_window": True,
    "email_reminders": True,
}


def patch(api: ApiClient, body: object):
    return api.request("PATCH", "/me/notifications", body)


def _subscription(receiver: PushReceiver, label: str = "Safari on iPhone") -> dict:
    return {**receiver.subscription(receiver.new_device()), "label": label}


def test_every_notification_is_on_by_default(participant):
    response = client_for(participant).get("/me/notifications")

    assert response.status_code == 200
    assert response.json() == ALL_ON


def test_it_changes_only_the_switches_sent(participant):
    response = patch(client_for(participant), {"remind_day_before": False})

    assert response.status_code == 200
    assert response.json() == {**ALL_ON, "remind_day_before": False}
    participant.refresh_from_db()
    assert participant.remind_day_before is False
    assert participant.remind_hour_before is True


@pytest.mark.parametrize(
    "body", [{"remind_day_before": "no"}, {"remind_day_before": 0}, {"is_staff": True}]
)
def test_it_refuses_anything_but_a_known_switch_set_to_true_or_false(participant, body):
    response = patch(client_for(participant), body)

    assert response.status_code == 422
    participant.refresh_from_db()
    assert participant.remind_day_before is True
    assert participant.is_staff is False


def test_it_needs_a_token():
    assert ApiClient().get("/me/notifications").status_code == 401
    assert ApiClient().get("/push/subscriptions").status_code == 401


def test_it_gives_the_public_key_to_subscribe_with(settings):
    response = ApiClient().get("/push/key")

    assert response.json() == {"public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY}


def test_a_device_registers_is_listed_and_removed(participant, receiver):
    api = client_for(participant)

    created = api.post("/push/subscriptions", _subscription(receiver))

    assert created.status_code == 201
    device = created.json()
    assert device["label"] == "Safari on iPhone"
    assert "endpoint" not in device  # a capability URL: it stays on the server
    assert api.get("/push/subscriptions").json() == [device]
    assert api.delete(f"/push/subscriptions/{device['id']}").status_code == 204
    assert api.get("/push/subscriptions").json() == []


def test_the_same_device_registering_again_is_one_device(participant, receiver):
    api = client_for(participant)
    body = _subscription(receiver)

    api.post("/push/subscriptions", body)
    api.post("/push/subscriptions", {**body, "label": "Renamed"})

    [device] = api.get("/push/subscriptions").json()
    assert device["label"] == "Renamed"


def test_nobody_removes_another_persons_device(participant, peer, receiver):
    device = client_for(participant).post("/push/subscriptions", _subscription(receiver)).json()

    response = client_for(peer).delete(f"/push/subscriptions/{device['id']}")

    assert response.status_code == 404
    assert PushSubscription.objects.filter(pk=device["id"]).exists()


@pytest.mark.parametrize(("endpoint", "reason"), INSIDE_OUR_NETWORK)
def test_it_refuses_an_endpoint_that_is_not_a_push_service(
    participant, receiver, settings, endpoint, reason
):
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)  # as in production
    body = {**_subscription(receiver), "endpoint": endpoint}

    response = client_for(participant).post("/push/subscriptions", body)

    assert response.status_code == 400, reason
    assert response.json()["code"] == "bad_endpoint"
    assert not PushSubscription.objects.exists()


def test_an_eleventh_device_replaces_the_one_heard_from_longest_ago(participant, receiver):
    api = client_for(participant)
    first = api.post("/push/subscriptions", _subscription(receiver, "Old phone")).json()
    for n in range(MAX_DEVICES - 1):
        api.post("/push/subscriptions", _subscription(receiver, f"Browser {n}"))

    response = api.post("/push/subscriptions", _subscription(receiver, "New phone"))

    assert response.status_code == 201
    devices = api.get("/push/subscriptions").json()
    assert len(devices) == MAX_DEVICES
    assert first["id"] not in {device["id"] for device in devices}
    assert devices[0]["label"] == "New phone"


def test_it_refuses_keys_that_are_not_a_browsers(participant, receiver):
    body = _subscription(receiver)
    body["keys"] = {**body["keys"], "p256dh": "c2hvcnQ"}

    response = client_for(participant).post("/push/subscriptions", body)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_keys"
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_device_registered_through_the_api_gets_the_pushes(participant, peer, receiver):
    body = _subscription(receiver)
    client_for(peer).post("/push/subscriptions", body)

    services.session_request(
        participant=participant, peer=peer, starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50, modality="video",
    )  # fmt: skip
    run_until_quiet()

    [message] = receiver.messages()
    assert message["payload"]["title"] == "New session request"


def test_the_openapi_schema_describes_the_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"get", "patch"} <= set(paths["/api/v1/me/notifications"])
    assert {"get", "post"} <= set(paths["/api/v1/push/subscriptions"])
    assert "delete" in paths["/api/v1/push/subscriptions/{subscription_id}"]


def test_the_api_and_the_preferences_page_offer_exactly_the_services_switches():
    switches = set(NOTIFICATION_PREFERENCES)
    assert set(PreferencesOut.model_fields) == switches
    assert set(PreferencesIn.model_fields) == switches
    assert set(PreferencesForm.Meta.fields) - {"display_name", "time_zone"} == switches
