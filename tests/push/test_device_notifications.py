"""Turning notifications on and off on this device ("Turn on notifications on this device",
"Turn off on this device": pwa.js and peerakeet/_device_push.html), on the Notifications page
and on Preferences, in Chromium.

Chromium's own PushManager.subscribe() asks Google's push service for an endpoint (no network
here, and headless Chromium answers "permission denied"), so the page's PushManager gets the
browser side of a subscription from the test's push service instead: a real endpoint and real
P-256/auth keys made by the test. Only the browser's PushManager is replaced; our page script,
the POST to /push/subscribe/ with the CSRF token, and what the server stores are all real."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from peerakeet.lib.vapid import b64url_decode
from tests.guide.walk import fits_the_screen, shot, sign_in
from tests.push.browser import push_service_in, stored
from tests.push.conftest import subscribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_axe = Axe()
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def assert_accessible(page: Page) -> None:
    """No axe-core violation at all, of any impact."""
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in _axe.run(page).response["violations"]
    ]
    assert found == [], f"{page.url}: " + "\n".join(found)


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_a_person_turns_notifications_on_and_off_on_the_notifications_page(
    page: Page, live_server, participant, receiver, settings, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    info = push_service_in(page, receiver)
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}/notifications/")
    turn_on = page.get_by_role("button", name="Turn on notifications on this device")
    turn_off = page.get_by_role("button", name="Turn off on this device")
    expect(turn_on).to_be_visible()
    expect(turn_off).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("Notifications are off for this device.")
    assert_accessible(page)

    turn_on.click()

    expect(turn_off).to_be_visible()
    expect(turn_on).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("Notifications are on for this device.")
    assert stored(participant) == [(info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"])]
    key = page.evaluate("JSON.parse(sessionStorage.getItem('fake-key'))")
    assert bytes(key) == b64url_decode(settings.WEBPUSH_VAPID_PUBLIC_KEY)
    assert page.evaluate("sessionStorage.getItem('fake-user-visible-only')") == "true"
    assert_accessible(page)
    assert fits_the_screen(page)
    expect(turn_off).to_be_focused()  # the pressed button is hidden: the keyboard stays here
    if width < 500:
        page.evaluate("window.scrollTo(0, 0)")
        # The pointer still rests where "Turn on" was: keep its hover off the picture.
        page.mouse.move(0, height - 1)
        shot(page, "phone-notifications-on", full_page=False)

    turn_off.click()

    expect(turn_on).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Notifications are off for this device.")
    assert stored(participant) == []
    assert page.evaluate("sessionStorage.getItem('fake-unsubscribed')") == "yes"


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_preferences_turns_this_device_on_and_lists_it_then_off_again(
    page: Page, live_server, participant, receiver, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    info = push_service_in(page, receiver)
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}/accounts/preferences/")

    page.get_by_role("button", name="Turn on notifications on this device").click()

    # The page reloads to list the device, and knows this browser is the one turned on.
    expect(page.get_by_role("button", name="Stop notifications on Chrome on Linux")).to_be_visible()
    expect(page.get_by_role("button", name="Turn off on this device")).to_be_visible()
    assert [endpoint for endpoint, _, _ in stored(participant)] == [info["endpoint"]]
    assert_accessible(page)

    page.get_by_role("button", name="Turn off on this device").click()

    expect(page.get_by_text("No device gets notifications yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    assert stored(participant) == []
    assert_accessible(page)
    assert fits_the_screen(page)


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_a_browser_signed_out_meanwhile_is_told_to_sign_in_again(
    page: Page, live_server, participant, receiver, width, height
):
    """Signed out while the page was open (idle, or from another device): the server stored
    nothing, and the page says so instead of "Notifications are on"."""
    page.set_viewport_size({"width": width, "height": height})
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    push_service_in(page, receiver)
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_role("status")).to_have_text("Notifications are off for this device.")
    page.context.clear_cookies(name="sessionid")

    page.get_by_role("button", name="Turn on notifications on this device").click()

    expect(page.get_by_role("status")).to_have_text("Sign in again to turn notifications on.")
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    assert stored(participant) == []
    # The browser's own subscription is undone too, so the next visit does not say "on".
    assert page.evaluate("sessionStorage.getItem('fake-unsubscribed')") == "yes"
    assert fits_the_screen(page)


def test_a_redirect_to_the_sign_in_page_is_not_taken_for_success(
    page: Page, live_server, participant, receiver
):
    """fetch() follows a redirect and sees the sign-in page's 200 (a proxy, or an older server
    that sends a signed-out browser to sign in): that is no "on" either."""
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    push_service_in(page, receiver)
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}/notifications/")
    page.route(
        "**/push/subscribe/",
        lambda route: route.fulfill(status=302, headers={"Location": "/accounts/sign-in/"}),
    )

    page.get_by_role("button", name="Turn on notifications on this device").click()

    expect(page.get_by_role("status")).to_have_text("Sign in again to turn notifications on.")
    assert stored(participant) == []


def test_refused_permission_is_explained_and_nothing_is_stored(
    page: Page, live_server, participant, receiver
):
    push_service_in(page, receiver)
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}/notifications/")
    # Headless Chromium answers a permission request it was not granted with "denied".

    page.get_by_role("button", name="Turn on notifications on this device").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Notifications are blocked for Peerakeet in this browser.")
    expect(status).to_contain_text("set Notifications to Allow")
    assert stored(participant) == []
    assert page.evaluate("sessionStorage.getItem('fake-subscribed')") is None
    assert_accessible(page)


def test_an_iphone_outside_the_installed_app_is_told_to_install_it(
    browser: Browser, live_server, participant
):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        user_agent=IPHONE_SAFARI,
    )  # fmt: skip
    page = context.new_page()
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_role("status")).to_contain_text(
        "Install Peerakeet to your Home Screen to get notifications"
    )
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_hidden()
    assert_accessible(page)
    context.close()


def test_without_javascript_the_buttons_stay_hidden(browser: Browser, live_server, participant):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_text("Notifications need JavaScript in this browser.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_hidden()
    expect(page.get_by_role("button", name="Turn off on this device")).to_be_hidden()
    context.close()


def test_the_notifications_page_without_a_vapid_key_offers_no_button(
    page: Page, live_server, participant, settings
):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_role("status")).to_have_text(
        "This browser cannot get notifications from Peerakeet."
    )
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_hidden()


def test_a_device_subscribed_under_a_replaced_key_subscribes_again_when_opened(
    page: Page, live_server, participant, receiver, settings
):
    """The operators replaced the VAPID pair (docs/operations.md): the old subscription's pushes
    would be refused, so opening the page subscribes again with the new key, without asking."""
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    old = subscribe(receiver, participant, label="Chrome on Linux")
    old_info = receiver.subscription(old)
    other_key = list(b"\x04" + bytes(range(64)))  # a P-256 point's length, not our key
    info = push_service_in(page, receiver, previous={"json": old_info, "key": other_key})
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_role("status")).to_have_text("Notifications are on for this device.")
    expect(page.get_by_role("button", name="Turn off on this device")).to_be_visible()
    assert [endpoint for endpoint, _, _ in stored(participant)] == [info["endpoint"]]
    key = page.evaluate("JSON.parse(sessionStorage.getItem('fake-key'))")
    assert bytes(key) == b64url_decode(settings.WEBPUSH_VAPID_PUBLIC_KEY)
    assert page.evaluate("sessionStorage.getItem('fake-previous-gone')") == "yes"


def test_a_device_subscribed_under_the_current_key_is_left_alone(
    page: Page, live_server, participant, receiver, settings
):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    old = subscribe(receiver, participant, label="Chrome on Linux")
    ours = list(b64url_decode(settings.WEBPUSH_VAPID_PUBLIC_KEY))
    push_service_in(page, receiver, previous={"json": receiver.subscription(old), "key": ours})
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/notifications/")

    expect(page.get_by_role("status")).to_have_text("Notifications are on for this device.")
    assert [endpoint for endpoint, _, _ in stored(participant)] == [receiver.endpoint(old)]
    assert page.evaluate("sessionStorage.getItem('fake-subscribed')") is None
