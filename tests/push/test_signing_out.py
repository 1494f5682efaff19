"""Signing out ends this device's notifications (issue 19): the sign-out removes the
subscription whose endpoint the page sends along; "Sign out everywhere" (web, API, support
revoking a certification) and a new password (change, reset, admin) remove the person's devices,
the browser that changed its password excepted. No push for the account reaches those devices
afterwards. The browser's side (pwa.js) is tested in tests/pwa/test_push_on_sign_out.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.services import certification_revoke
from push.models import PushMessage, PushSubscription
from scheduling import services
from tests.api.conftest import client_for
from tests.personas import PASSWORD
from tests.push.conftest import subscribe
from tests.push_receiver import PushReceiver
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "a completely new passphrase 42"


def signed_in(person) -> Client:
    browser = Client()
    browser.force_login(person, backend="accounts.backends.ModelBackend")
    return browser


def devices_of(person) -> set[str]:
    return set(PushSubscription.objects.filter(user=person).values_list("endpoint", flat=True))


def request_a_session(participant, peer):
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )


def test_a_sign_out_ends_this_devices_notifications_only(receiver: PushReceiver, peer, participant):
    phone, laptop = subscribe(receiver, peer), subscribe(receiver, peer, label="Chrome on Linux")

    response = signed_in(peer).post(
        "/accounts/sign-out/", {"push_endpoint": receiver.endpoint(phone)}
    )

    assert response.status_code == 302
    assert devices_of(peer) == {receiver.endpoint(laptop)}
    request_a_session(participant, peer)
    run_until_quiet()
    assert phone.received == []
    assert len(laptop.received) == 1


def test_a_sign_out_without_an_endpoint_removes_nothing(receiver: PushReceiver, peer):
    subscribe(receiver, peer)

    signed_in(peer).post("/accounts/sign-out/")

    assert len(devices_of(peer)) == 1


def test_a_sign_out_cannot_remove_someone_elses_device(receiver: PushReceiver, peer, participant):
    theirs = subscribe(receiver, participant)

    signed_in(peer).post("/accounts/sign-out/", {"push_endpoint": receiver.endpoint(theirs)})

    assert devices_of(participant) == {receiver.endpoint(theirs)}


def test_a_sign_out_drops_the_devices_unsent_pushes(receiver: PushReceiver, peer, participant):
    phone = subscribe(receiver, peer)
    request_a_session(participant, peer)  # a push queued, not sent yet
    assert PushMessage.objects.filter(subscription__user=peer).count() == 1

    signed_in(peer).post("/accounts/sign-out/", {"push_endpoint": receiver.endpoint(phone)})
    run_until_quiet()

    assert PushMessage.objects.filter(subscription__user=peer).count() == 0
    assert phone.received == []


def test_sign_out_everywhere_ends_every_devices_notifications(
    receiver: PushReceiver, peer, participant
):
    phone, laptop = subscribe(receiver, peer), subscribe(receiver, peer)
    kept = subscribe(receiver, participant)

    signed_in(peer).post("/accounts/sign-out-everywhere/")

    assert devices_of(peer) == set()
    assert devices_of(participant) == {receiver.endpoint(kept)}
    request_a_session(participant, peer)
    run_until_quiet()
    assert phone.received == laptop.received == []


def test_sign_out_everywhere_from_the_api_ends_them_too(receiver: PushReceiver, peer):
    subscribe(receiver, peer)

    response = client_for(peer).post("/auth/sign-out-everywhere")

    assert response.status_code == 200
    assert devices_of(peer) == set()


def test_revoking_a_peers_certification_ends_their_devices_notifications(
    receiver: PushReceiver, peer, staff
):
    subscribe(receiver, peer)

    certification_revoke(user=peer, by=staff, note="test")

    assert devices_of(peer) == set()


def change_password(browser: Client, endpoint: str = "") -> int:
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    if endpoint:
        form["push_endpoint"] = endpoint
    return browser.post("/accounts/password/", form).status_code


def test_a_new_password_ends_every_other_devices_notifications(receiver: PushReceiver, peer):
    here, shared = subscribe(receiver, peer), subscribe(receiver, peer)

    assert change_password(signed_in(peer), receiver.endpoint(here)) == 302

    assert devices_of(peer) == {receiver.endpoint(here)}  # this browser stays signed in
    assert receiver.endpoint(shared) not in devices_of(peer)


def test_a_new_password_from_a_browser_without_notifications_ends_them_all(
    receiver: PushReceiver, peer
):
    subscribe(receiver, peer)

    assert change_password(signed_in(peer)) == 302

    assert devices_of(peer) == set()


def test_a_wrong_old_password_changes_nothing(receiver: PushReceiver, peer):
    subscribe(receiver, peer)
    form = {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    response = signed_in(peer).post("/accounts/password/", form)

    assert response.status_code == 200
    assert len(devices_of(peer)) == 1


def test_a_password_reset_ends_every_devices_notifications(receiver: PushReceiver, participant):
    subscribe(receiver, participant)
    Client().post("/accounts/password-reset/", {"email": participant.email})
    link = next(w for w in mail.outbox[-1].body.split() if "/password-reset/" in w)
    owner = Client()
    form_url = owner.get(link)["Location"]

    owner.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert devices_of(participant) == set()


def test_a_password_set_by_support_ends_every_devices_notifications(
    receiver: PushReceiver, participant
):
    subscribe(receiver, participant)

    participant.set_password(NEW_PASSWORD)  # the admin's "change password" form does this
    participant.save()

    assert devices_of(participant) == set()


def test_saving_a_person_without_a_new_password_keeps_their_devices(
    receiver: PushReceiver, participant
):
    subscribe(receiver, participant)

    participant.display_name = "Someone Else"
    participant.save()

    assert len(devices_of(participant)) == 1
