"""push_subscription_register, the service both doors use: our servers POST to a subscription's
endpoint, so only a known push service's host is accepted (settings.WEBPUSH_ALLOWED_HOSTS), and
a person keeps at most MAX_DEVICES subscriptions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerakeet.lib.push_endpoints import DEFAULT_HOSTS
from push.models import PushSubscription
from push.services import MAX_DEVICES, PushSubscriptionError, push_subscription_register
from tests.push.conftest import subscribe, subscription_of
from tests.push.endpoints import INSIDE_OUR_NETWORK, PUSH_SERVICES

pytestmark = pytest.mark.django_db


def _register(person, receiver, endpoint: str) -> PushSubscription:
    keys = receiver.subscription(receiver.new_device())["keys"]
    return push_subscription_register(user=person, endpoint=endpoint, **keys)


@pytest.mark.parametrize(("endpoint", "reason"), INSIDE_OUR_NETWORK)
def test_it_refuses_an_endpoint_that_is_not_a_known_push_service(
    participant, receiver, settings, endpoint, reason
):
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)  # as in production

    with pytest.raises(PushSubscriptionError) as refused:
        _register(participant, receiver, endpoint)

    assert refused.value.code == "bad_endpoint", reason
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("endpoint", PUSH_SERVICES)
def test_it_accepts_each_browsers_push_service(participant, receiver, settings, endpoint):
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)

    _register(participant, receiver, endpoint)

    assert PushSubscription.objects.get().endpoint == endpoint


def test_the_tests_push_service_is_accepted_because_it_is_listed(participant, receiver, settings):
    assert "http://127.0.0.1" in settings.WEBPUSH_ALLOWED_HOSTS  # development and the tests
    subscribe(receiver, participant)

    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)

    with pytest.raises(PushSubscriptionError):
        subscribe(receiver, participant)
    assert PushSubscription.objects.count() == 1


def test_a_refused_subscription_changes_nothing_about_the_device_it_names(
    participant, peer, receiver
):
    """Bad input changes nothing: the device stays its owner's, with its keys."""
    device = subscribe(receiver, participant)

    with pytest.raises(PushSubscriptionError):
        push_subscription_register(
            user=peer, endpoint=receiver.endpoint(device), p256dh="c2hvcnQ", auth="c2hvcnQ"
        )

    stored = subscription_of(receiver, device)
    assert stored is not None
    assert stored.user == participant
    assert stored.p256dh == device.p256dh


def test_an_eleventh_device_replaces_the_one_heard_from_longest_ago(participant, receiver):
    devices = [subscribe(receiver, participant, label=f"Browser {n}") for n in range(MAX_DEVICES)]
    # The first phone got a push this morning; the second was last heard of when it subscribed.
    PushSubscription.objects.filter(endpoint=receiver.endpoint(devices[0])).update(
        last_success_at=timezone.now(), created_at=timezone.now() - timedelta(days=300)
    )
    PushSubscription.objects.filter(endpoint=receiver.endpoint(devices[1])).update(
        created_at=timezone.now() - timedelta(days=200)
    )

    newest = subscribe(receiver, participant, label="New phone")

    assert PushSubscription.objects.filter(user=participant).count() == MAX_DEVICES
    assert subscription_of(receiver, devices[1]) is None
    assert subscription_of(receiver, devices[0]) is not None
    assert subscription_of(receiver, newest) is not None


def test_a_device_subscribing_again_makes_no_room(participant, receiver):
    devices = [subscribe(receiver, participant) for _ in range(MAX_DEVICES)]

    info = receiver.subscription(devices[0])
    push_subscription_register(user=participant, endpoint=info["endpoint"], **info["keys"])

    assert PushSubscription.objects.filter(user=participant).count() == MAX_DEVICES


def test_one_persons_devices_never_make_way_for_anothers(participant, peer, receiver):
    theirs = [subscribe(receiver, peer) for _ in range(MAX_DEVICES)]

    for _ in range(MAX_DEVICES + 1):
        subscribe(receiver, participant)

    assert all(subscription_of(receiver, device) for device in theirs)
    assert PushSubscription.objects.filter(user=participant).count() == MAX_DEVICES


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_devices_registered_at_the_same_moment_still_leave_ten(participant, receiver):
    """Four browsers of one person subscribe at once (two web processes, the API): each waits
    for the one before, so none counts without the others."""
    for _ in range(MAX_DEVICES - 1):
        subscribe(receiver, participant)
    start = threading.Barrier(4)

    def register() -> None:
        try:
            start.wait()
            subscribe(receiver, participant)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert PushSubscription.objects.filter(user=participant).count() == MAX_DEVICES
