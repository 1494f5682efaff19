"""A device's notifications last as long as the sign-in that turned them on: the web session
(signed out by the idle timeout, by hand without the page saying which endpoint it has, expired)
or the API token (signed out, taken back from another device). A shared computer or a phone
signed out must not keep showing the person's session times."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_issue
from push.models import PushMessage, PushSubscription
from push.services import (
    PushSubscriptionError,
    push_subscription_register,
    push_subscriptions_follow_session,
)
from scheduling import services
from tests.api.conftest import ApiClient, client_for
from tests.personas import PASSWORD
from tests.push.conftest import subscribe
from tests.push_receiver import Device, PushReceiver
from tests.worker import run_until_quiet

NEW_PASSWORD = "a completely new passphrase 42"


def signed_in(person: Any, remember: bool = False) -> Client:
    browser = Client()
    form = {"username": person.email, "password": PASSWORD}
    if remember:
        form["remember"] = "on"
    assert browser.post("/accounts/sign-in/", form).status_code == 302
    return browser


def post_subscription(browser: Client, receiver: PushReceiver, device: Device) -> int:
    """What pwa.js does on "Turn on notifications": post the browser's subscription."""
    body = json.dumps(receiver.subscription(device))
    return browser.post("/push/subscribe/", body, content_type="application/json").status_code


def turn_on(browser: Client, receiver: PushReceiver) -> Device:
    device = receiver.new_device()
    assert post_subscription(browser, receiver, device) == 201
    return device


def register_through_the_api(api: ApiClient, receiver: PushReceiver) -> Device:
    device = receiver.new_device()
    response = api.post("/push/subscriptions", {**receiver.subscription(device), "label": "Phone"})
    assert response.status_code == 201
    return device


def endpoints_of(person: Any) -> set[str]:
    return set(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True))


def idle(settings: Any) -> timedelta:
    return timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES + 1)


def request_a_session(participant: Any, peer: Any) -> None:
    services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )


# --- Web sessions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_records_a_hash_of_the_session_not_the_session_key(peer, receiver):
    browser = signed_in(peer)

    turn_on(browser, receiver)

    key = browser.cookies["sessionid"].value
    stored = PushSubscription.objects.get(user=peer)
    assert stored.web_session_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in PushSubscription.objects.values_list()[0]}


@pytest.mark.django_db(transaction=True)
def test_the_idle_timeout_ends_this_browsers_notifications_and_its_queued_pushes(
    peer, participant, receiver, settings
):
    shared_computer = signed_in(peer)
    there = turn_on(shared_computer, receiver)
    at_home = turn_on(signed_in(peer), receiver)
    request_a_session(participant, peer)  # one push queued for each device, not sent yet

    with time_machine.travel(idle(settings)):
        assert shared_computer.get("/schedule/").status_code == 302  # signed out for being idle

    assert endpoints_of(peer) == {receiver.endpoint(at_home)}
    assert not PushMessage.objects.filter(subscription__endpoint=receiver.endpoint(there)).exists()
    run_until_quiet()
    assert there.received == []
    assert len(at_home.received) == 1


@pytest.mark.django_db
def test_a_remembered_browser_keeps_its_notifications_past_the_idle_timeout(
    peer, receiver, settings
):
    browser = signed_in(peer, remember=True)
    turn_on(browser, receiver)

    with time_machine.travel(idle(settings)):
        assert browser.get("/schedule/").status_code == 200

    assert len(endpoints_of(peer)) == 1


@pytest.mark.django_db
def test_a_sign_out_whose_page_could_not_say_its_endpoint_still_ends_them(peer, receiver):
    browser = signed_in(peer)
    turn_on(browser, receiver)
    elsewhere = turn_on(signed_in(peer), receiver)

    browser.post("/accounts/sign-out/")  # pwa.js did not run: no push_endpoint in the form

    assert endpoints_of(peer) == {receiver.endpoint(elsewhere)}


@pytest.mark.django_db
def test_someone_elses_idle_timeout_leaves_my_notifications_alone(
    peer, participant, receiver, settings
):
    theirs = signed_in(peer)
    turn_on(theirs, receiver)
    mine = turn_on(signed_in(participant), receiver)

    with time_machine.travel(idle(settings)):
        theirs.get("/schedule/")

    assert endpoints_of(participant) == {receiver.endpoint(mine)}


@pytest.mark.django_db
def test_a_new_password_keeps_this_browsers_notifications_until_it_goes_idle(
    peer, receiver, settings
):
    browser = signed_in(peer)
    here = turn_on(browser, receiver)
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    form["push_endpoint"] = receiver.endpoint(here)
    assert browser.post("/accounts/password/", form).status_code == 302  # a new session key
    assert endpoints_of(peer) == {receiver.endpoint(here)}

    with time_machine.travel(idle(settings)):
        assert browser.get("/schedule/").status_code == 302

    assert endpoints_of(peer) == set()


@pytest.mark.django_db
def test_a_browser_back_after_its_session_expired_loses_its_notifications(peer, receiver):
    browser = signed_in(peer, remember=True)
    turn_on(browser, receiver)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    # With sessions in Redis the cached copy lives no longer than the session (its time to live
    # is the session's age at most), so a session that expired is gone from there too.
    cache.clear()

    assert browser.get("/schedule/").status_code == 302  # to the sign-in page

    assert endpoints_of(peer) == set()


@pytest.mark.django_db
def test_a_stranger_sending_a_made_up_session_cookie_ends_nothing(peer, receiver):
    turn_on(signed_in(peer), receiver)
    stranger = Client()
    stranger.cookies["sessionid"] = "x" * 32

    stranger.get("/accounts/sign-in/")

    assert len(endpoints_of(peer)) == 1


@pytest.mark.django_db
def test_a_browser_that_changes_hands_ends_the_previous_persons_devices(
    peer, participant, receiver
):
    info = receiver.subscription(receiver.new_device())
    push_subscription_register(
        user=peer, endpoint=info["endpoint"], session_key="a" * 32, **info["keys"]
    )

    # Someone else signed in on that browser: login() gave the session a new key.
    push_subscriptions_follow_session(user=participant, old_key="a" * 32, new_key="b" * 32)

    assert endpoints_of(peer) == set()


# --- API tokens -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_signing_out_of_the_api_ends_that_tokens_notifications(peer, participant, receiver):
    phone_app = client_for(peer)
    phone = register_through_the_api(phone_app, receiver)
    tablet = register_through_the_api(client_for(peer), receiver)

    assert phone_app.delete("/auth/tokens/current").status_code == 204

    assert endpoints_of(peer) == {receiver.endpoint(tablet)}
    request_a_session(participant, peer)
    run_until_quiet()
    assert phone.received == []
    assert len(tablet.received) == 1


@pytest.mark.django_db
def test_signing_out_of_the_api_drops_the_devices_queued_pushes(peer, participant, receiver):
    phone_app = client_for(peer)
    register_through_the_api(phone_app, receiver)
    request_a_session(participant, peer)
    assert PushMessage.objects.filter(subscription__user=peer).count() == 1

    phone_app.delete("/auth/tokens/current")

    assert not PushMessage.objects.filter(subscription__user=peer).exists()


@pytest.mark.django_db
def test_taking_a_token_back_from_another_device_ends_its_notifications(peer, receiver):
    lost_phone = ApiClient(token_issue(user=peer, name="Lost phone").plaintext)
    register_through_the_api(lost_phone, receiver)
    lost = ApiToken.objects.get(name="Lost phone")
    laptop = client_for(peer)
    kept = register_through_the_api(laptop, receiver)

    assert laptop.delete(f"/auth/tokens/{lost.pk}").status_code == 204

    assert endpoints_of(peer) == {receiver.endpoint(kept)}


@pytest.mark.django_db
def test_nobody_ends_another_persons_notifications_by_their_token_id(peer, participant, receiver):
    theirs = client_for(participant)
    device = register_through_the_api(theirs, receiver)
    their_token = ApiToken.objects.get(user=participant)

    response = client_for(peer).delete(f"/auth/tokens/{their_token.pk}")

    assert response.status_code == 404
    assert endpoints_of(participant) == {receiver.endpoint(device)}
    assert theirs.get("/push/subscriptions").status_code == 200


@pytest.mark.django_db
def test_a_revoked_token_cannot_sign_out_again_and_changes_nothing(peer, receiver):
    stale = client_for(peer)
    token = ApiToken.objects.get(user=peer)
    kept = register_through_the_api(client_for(peer), receiver)
    token.revoked_at = timezone.now()
    token.save()

    response = stale.delete("/auth/tokens/current")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert endpoints_of(peer) == {receiver.endpoint(kept)}


@pytest.mark.django_db
def test_a_web_sign_out_leaves_the_apps_notifications(peer, receiver):
    app = register_through_the_api(client_for(peer), receiver)
    browser = signed_in(peer)
    turn_on(browser, receiver)

    browser.post("/accounts/sign-out/")

    assert endpoints_of(peer) == {receiver.endpoint(app)}


@pytest.mark.django_db
def test_a_device_moving_from_the_app_to_the_browser_follows_the_browser(peer, receiver):
    api = client_for(peer)
    device = register_through_the_api(api, receiver)
    browser = signed_in(peer)
    assert post_subscription(browser, receiver, device) == 201

    assert api.delete("/auth/tokens/current").status_code == 204

    assert endpoints_of(peer) == {receiver.endpoint(device)}  # now the browser's, not the token's


@pytest.mark.django_db
def test_it_refuses_a_token_that_is_not_the_persons(peer, participant, receiver):
    info = receiver.subscription(receiver.new_device())
    their_token = token_issue(user=participant, name="theirs").token

    with pytest.raises(PushSubscriptionError) as refused:
        push_subscription_register(
            user=peer, endpoint=info["endpoint"], api_token=their_token, **info["keys"]
        )

    assert refused.value.code == "not_yours"
    assert not PushSubscription.objects.exists()


# --- Ended while nobody looked (push.sweep, manage.py end_ended_devices) -----------------------


def sweep() -> str:
    out = StringIO()
    call_command("end_ended_devices", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_sweep_ends_a_browser_left_idle_that_never_came_back(peer, receiver, settings):
    left_open = signed_in(peer)
    turn_on(left_open, receiver)
    in_use = signed_in(peer)
    kept = turn_on(in_use, receiver)
    remembered = turn_on(signed_in(peer, remember=True), receiver)

    with time_machine.travel(idle(settings) / 2):
        assert in_use.get("/schedule/").status_code == 200  # still in use
    with time_machine.travel(idle(settings)):
        assert sweep() == "ended the notifications of 1 device(s)\n"

    assert endpoints_of(peer) == {receiver.endpoint(kept), receiver.endpoint(remembered)}


@pytest.mark.django_db
def test_the_sweep_ends_a_browser_whose_session_expired_or_was_deleted(peer, receiver):
    turn_on(signed_in(peer, remember=True), receiver)
    turn_on(signed_in(peer, remember=True), receiver)
    expired, deleted = Session.objects.order_by("pk")[:2]
    Session.objects.filter(pk=expired.pk).update(expire_date=timezone.now())
    Session.objects.filter(pk=deleted.pk).delete()

    sweep()

    assert endpoints_of(peer) == set()


@pytest.mark.django_db
def test_the_sweep_ends_an_expired_tokens_device_and_keeps_the_rest(peer, receiver):
    expired = client_for(peer)
    register_through_the_api(expired, receiver)
    ApiToken.objects.update(expires_at=timezone.now())
    live = register_through_the_api(client_for(peer), receiver)
    untied = subscribe(receiver, peer)  # registered before the sign-in was recorded

    sweep()

    assert endpoints_of(peer) == {receiver.endpoint(live), receiver.endpoint(untied)}
