"""This device's notifications end with its sign-in (issue 19), in Chromium at a phone's size:
Sign out and Sign out everywhere unsubscribe the browser and remove its subscription on the
server; "Stop notifications on <this device>" on Preferences unsubscribes the browser too, while
another device's row removes only the server's subscription; a browser whose subscription was
removed elsewhere unsubscribes itself when it next shows its notification setting; a new password
keeps this browser's notifications and ends the others'. The browser's PushManager is the test's
(tests/push/browser.py); pwa.js, the forms and the server are real."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from peerakeet.lib.vapid import b64url_decode
from tests.guide.walk import sign_in
from tests.personas import PASSWORD
from tests.push.browser import push_service_in, stored
from tests.push.conftest import subscribe
from tests.push_receiver import PushReceiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE: ViewportSize = {"width": 390, "height": 844}
ON = "Notifications are on for this device."
OFF = "Notifications are off for this device."


def endpoints(person: Any) -> set[str]:
    return {endpoint for endpoint, _, _ in stored(person)}


def unsubscribed(page: Page) -> bool:
    """Whether pwa.js called this browser's PushSubscription.unsubscribe()."""
    return page.evaluate("sessionStorage.getItem('fake-unsubscribed')") == "yes"


def turned_on(page: Page, live_server: Any, receiver: PushReceiver, person: Any) -> str:
    """``person`` signs in on a phone and turns notifications on there: its endpoint."""
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    info = push_service_in(page, receiver)
    sign_in(page, live_server, person.email)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.get_by_role("status")).to_have_text(ON)
    endpoint: str = info["endpoint"]
    assert endpoint in endpoints(person)
    return endpoint


def test_sign_out_ends_this_devices_notifications(
    page: Page, live_server, participant, receiver: PushReceiver
):
    laptop = receiver.endpoint(subscribe(receiver, participant, label="Firefox on Windows"))
    turned_on(page, live_server, receiver, participant)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert unsubscribed(page)
    assert endpoints(participant) == {laptop}  # the person's other device keeps its own


def test_sign_out_everywhere_ends_every_devices_notifications(
    page: Page, live_server, participant, receiver: PushReceiver
):
    subscribe(receiver, participant, label="Firefox on Windows")
    turned_on(page, live_server, receiver, participant)
    page.goto(f"{live_server.url}/accounts/preferences/")

    page.get_by_role("button", name="Sign out everywhere").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert unsubscribed(page)
    assert endpoints(participant) == set()


def test_stopping_another_device_leaves_this_one_on(
    page: Page, live_server, participant, receiver: PushReceiver
):
    subscribe(receiver, participant, label="Firefox on Windows")
    here = turned_on(page, live_server, receiver, participant)
    page.goto(f"{live_server.url}/accounts/preferences/")

    page.get_by_role("button", name="Stop notifications on Firefox on Windows").click()

    expect(page.get_by_text("That device no longer gets notifications.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="this device")).to_have_text(ON)
    assert not unsubscribed(page)
    assert endpoints(participant) == {here}


def test_stopping_this_device_on_preferences_unsubscribes_the_browser(
    page: Page, live_server, participant, receiver: PushReceiver
):
    turned_on(page, live_server, receiver, participant)
    page.goto(f"{live_server.url}/accounts/preferences/")

    page.get_by_role("button", name="Stop notifications on Chrome on Linux").click()

    expect(page.get_by_text("No device gets notifications yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="this device")).to_have_text(OFF)
    assert unsubscribed(page)
    assert endpoints(participant) == set()


def test_a_browser_removed_elsewhere_unsubscribes_when_it_next_looks(
    page: Page, live_server, participant, receiver: PushReceiver, settings
):
    """Its row was removed on another device (or by Sign out everywhere there): the browser is
    still subscribed, but nothing reaches it; the page says "off" and unsubscribes it."""
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    forgotten = receiver.subscription(receiver.new_device())  # never (or no longer) stored
    ours = list(b64url_decode(settings.WEBPUSH_VAPID_PUBLIC_KEY))
    push_service_in(page, receiver, previous={"json": forgotten, "key": ours})
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_role("status")).to_have_text(OFF)
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('fake-previous-gone')") == "yes"
    assert endpoints(participant) == set()  # and nothing was registered behind the person's back


def test_a_new_password_keeps_this_device_and_ends_the_others(
    page: Page, live_server, participant, receiver: PushReceiver
):
    subscribe(receiver, participant, label="Firefox on Windows")
    here = turned_on(page, live_server, receiver, participant)
    page.goto(f"{live_server.url}/accounts/password/")
    new = "a completely new passphrase 42"
    page.locator("input[name=old_password]").fill(PASSWORD)
    page.locator("input[name=new_password1]").fill(new)
    page.locator("input[name=new_password2]").fill(new)

    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", name="Preferences")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="this device")).to_have_text(ON)
    assert not unsubscribed(page)
    assert endpoints(participant) == {here}
