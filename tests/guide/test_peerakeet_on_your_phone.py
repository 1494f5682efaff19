"""Issue #19, "Peerakeet on your phone": the installable app in Chromium at a phone's size.

The manifest and icons, the service worker controlling the page, the Schedule read offline, the
caches emptied by sign-out, a push shown as a notification and its click opening the page.
Chromium treats http://localhost as a secure context, so service workers run on the live server.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from push.services import push_subscription_register
from scheduling import services
from tests.diary import FROZEN_NOW
from tests.guide.walk import (
    assert_accessible,
    eventually,
    fits_the_screen,
    pill,
    shot,
    sign_in,
    zoom_sign_in_and_allow,
)
from tests.push_receiver import PushReceiver
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
CACHE_NAMES = "caches.keys()"
APP_CSS = Path(__file__).resolve().parents[2] / "peerakeet" / "static" / "peerakeet" / "app.css"
NOTIFICATIONS = """navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url,
                                      icon: n.icon, badge: n.badge})))"""


def phone_context(browser: Browser, user_agent: str | None = None) -> BrowserContext:
    return browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent=user_agent,
    )


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = phone_context(browser)
    yield context
    context.close()


def controlled(page: Page) -> Page:
    """Wait for the worker, then reload: from now on the worker answers this page's requests."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    return page


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def test_the_manifest_and_its_icons_are_what_a_phone_installs(phone, live_server, participant):
    page = phone.new_page()
    sign_in(page, live_server, participant.email)

    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(f"{live_server.url}{href}").json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/schedule/"
    sizes = {}
    for icon in manifest["icons"]:
        response = page.request.get(f"{live_server.url}{icon['src']}")
        assert response.ok
        if icon["type"] == "image/png":
            sizes[(icon["sizes"], icon["purpose"])] = png_size(response.body())
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }
    touch = page.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert png_size(page.request.get(f"{live_server.url}{touch}").body()) == (180, 180)


def test_the_worker_controls_the_page_after_a_reload(phone, live_server, participant):
    page = phone.new_page()
    sign_in(page, live_server, participant.email)

    controlled(page)

    names = page.evaluate(CACHE_NAMES)
    assert any(name.startswith("peerakeet-shell-") for name in names)
    assert any(name.startswith("peerakeet-pages-") for name in names)


def test_a_new_version_replaces_the_old_caches(
    phone, live_server, participant, settings, tmp_path: Path
):
    # A copy of the stylesheet, found before the app's own; while developing, the worker's
    # version is read on each request (peerakeet/pwa.py).
    stylesheet = tmp_path / "peerakeet" / "app.css"
    stylesheet.parent.mkdir()
    stylesheet.write_text(APP_CSS.read_text())
    settings.STATICFILES_DIRS = [tmp_path]
    settings.DEBUG = True
    page = phone.new_page()
    sign_in(page, live_server, participant.email)
    controlled(page)
    before = set(page.evaluate(CACHE_NAMES))

    stylesheet.write_text(APP_CSS.read_text() + "\n.deployed { color: inherit; }\n")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")

    for _ in range(100):
        after = set(page.evaluate(CACHE_NAMES))
        if after and not after & before:
            break
        page.wait_for_timeout(100)
    assert not after & before  # activate dropped every cache of the old version
    assert any(name.startswith("peerakeet-shell-") for name in after)


def test_offline_the_last_schedule_seen_is_shown_read_only(
    phone, live_server, lived_in, frozen_clock
):
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    controlled(page)
    first_card = page.locator("li.session").first
    expect(first_card).to_be_visible()

    phone.set_offline(True)
    page.reload()

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(page.get_by_text("You are offline.")).to_be_visible()
    expect(first_card).to_be_visible()
    for button in page.get_by_role("button").all():
        if button.is_visible():
            expect(button).to_be_disabled()
    expect(first_card.get_by_role("link", name="Join Session")).to_have_attribute(
        "aria-disabled", "true"
    )
    assert fits_the_screen(page)
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")  # axe scrolled to check contrast
    shot(page, "phone-offline-schedule", full_page=False)

    phone.set_offline(False)  # pwa.js reloads the real page
    expect(page.get_by_text("You are offline.")).to_be_hidden()
    expect(page.get_by_role("button").first).to_be_enabled()


def test_offline_a_page_never_kept_says_so(phone, live_server, lived_in):
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    controlled(page)
    session = lived_in.upcoming(lived_in.new_york)[0]

    phone.set_offline(True)
    page.goto(f"{live_server.url}/sessions/{session.pk}/")

    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See your Schedule").click()
    expect(page.get_by_text("You are offline.")).to_be_visible()


def test_online_a_session_page_is_never_a_stale_copy(phone, live_server, lived_in):
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    controlled(page)
    session = lived_in.upcoming(lived_in.new_york)[0]
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    expect(page.get_by_text("Cancelled")).to_have_count(0)

    services.session_cancel(session=session, by=lived_in.peer)
    page.reload()

    expect(page.get_by_text("Cancelled").first).to_be_visible()
    kept = page.evaluate(
        "caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n)"
        ".then((c) => c.keys())))).then((lists) => lists.flat().map((r) => r.url))"
    )
    assert not [url for url in kept if "/sessions/" in url]


def test_sign_out_empties_the_caches(phone, live_server, participant):
    page = phone.new_page()
    sign_in(page, live_server, participant.email)
    controlled(page)
    assert page.evaluate(CACHE_NAMES)

    with page.expect_response(lambda r: r.url.endswith("/accounts/sign-out/")) as signing_out:
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    assert signing_out.value.header_value("clear-site-data") == '"cache"'
    assert eventually(lambda: page.evaluate(CACHE_NAMES) == [])

    phone.set_offline(True)  # and nothing of the Schedule is there to show: the browser's error
    with pytest.raises(PlaywrightError, match="ERR_FAILED"):
        page.goto(f"{live_server.url}/schedule/")


def worker_registration(context: BrowserContext, page: Page, live_server: Any) -> tuple[Any, str]:
    """A DevTools session and the worker's registration id (ServiceWorker domain of CDP)."""
    cdp = context.new_cdp_session(page)
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            r["registrationId"]
            for r in event["registrations"]
            if r["scopeURL"] == f"{live_server.url}/" and not r["isDeleted"]
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # events arrive while Playwright waits, not while Python sleeps
        if found:
            break
        page.wait_for_timeout(100)
    assert found
    return cdp, found[-1]


def push(page: Page, cdp: Any, registration: str, *payloads: dict[str, str]) -> None:
    deliver(page, cdp, registration, [json.dumps(payload) for payload in payloads])


def deliver(page: Page, cdp: Any, registration: str, messages: list[str]) -> None:
    """Hand ``messages`` to the service worker through DevTools and wait until each shows its
    notification. On a loaded machine DevTools has accepted a message that never reached the
    worker (seen in CI: worker active, no push event in 40 s), so a message not shown within
    10 s is handed over again, twice at most. Each carries its own tag, and a notification
    replaces the one of the same tag: handing a message over twice never shows it twice, and
    the tests' counts stay exact."""
    origin = "/".join(page.url.split("/", 3)[:3])
    for _ in range(3):
        for data in messages:
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": origin, "registrationId": registration, "data": data},
            )
        if eventually(lambda: len(page.evaluate(NOTIFICATIONS)) >= len(messages)):
            return


def test_a_push_shows_its_notification_and_a_click_opens_its_page(phone, live_server, lived_in):
    phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    controlled(page)
    session = lived_in.upcoming(lived_in.new_york)[0]
    cdp, registration = worker_registration(phone, page, live_server)

    push(
        page,
        cdp,
        registration,
        {
            "title": "Session confirmed",
            "body": "Your session on Tuesday at 10:00 AM is confirmed.",
            "url": f"/sessions/{session.pk}/",
            "tag": f"session-{session.pk}",
        },
    )

    assert eventually(lambda: len(page.evaluate(NOTIFICATIONS)) == 1)
    [shown] = page.evaluate(NOTIFICATIONS)
    assert shown["title"] == "Session confirmed"
    assert shown["body"] == "Your session on Tuesday at 10:00 AM is confirmed."
    assert shown["tag"] == f"session-{session.pk}"
    assert shown["url"] == f"/sessions/{session.pk}/"
    assert shown["icon"].endswith("/static/peerakeet/app/icon-192.png")
    assert shown["badge"].endswith("/static/peerakeet/app/badge-96.png")

    click_the_notification(phone)
    expect(page).to_have_url(f"{live_server.url}/sessions/{session.pk}/")


def test_a_push_naming_a_page_by_its_full_address_opens_it(phone, live_server, lived_in):
    phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    controlled(page)
    session = lived_in.upcoming(lived_in.new_york)[0]
    cdp, registration = worker_registration(phone, page, live_server)
    address = f"{live_server.url}/sessions/{session.pk}/"

    push(page, cdp, registration, {"title": "Hi", "body": "", "url": address, "tag": "a"})

    assert eventually(lambda: len(page.evaluate(NOTIFICATIONS)) == 1)
    assert page.evaluate(NOTIFICATIONS)[0]["url"] == f"/sessions/{session.pk}/"
    click_the_notification(phone)
    expect(page).to_have_url(address)


def click_the_notification(context: BrowserContext) -> None:
    """Headless Chromium has no notification to click: run the worker's click handler itself
    (sw.js, self.openNotification) on the notification it shows."""
    [worker] = context.service_workers
    worker.evaluate(
        "self.registration.getNotifications().then((shown) => self.openNotification(shown[0]))"
    )


@pytest.fixture
def push_service() -> Iterator[PushReceiver]:
    receiver = PushReceiver(vapid_public_key=settings.WEBPUSH_VAPID_PUBLIC_KEY).start()
    yield receiver
    receiver.stop()


def test_a_push_the_server_sends_opens_its_session_page(phone, live_server, lived_in, push_service):
    """End to end: the message Peerakeet's worker builds, encrypts and posts to the push service
    (tests/push_receiver.py decrypts it as the device would), delivered to the service worker;
    a click on its notification opens the session page, not the Schedule."""
    receiver = push_service
    person, peer = lived_in.new_york, lived_in.peer
    device = receiver.new_device()
    info = receiver.subscription(device)
    push_subscription_register(user=person, endpoint=info["endpoint"], **info["keys"])
    phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    sign_in(page, live_server, person.email)
    controlled(page)
    cdp, registration = worker_registration(phone, page, live_server)
    run_until_quiet()  # the diary's own news goes first
    session = services.session_accept(session=lived_in.sessions["requested_by_ny"], by=peer)
    run_until_quiet()
    [sent] = [m["raw"] for m in device.received if m["payload"]["title"] == "Session confirmed"]

    deliver(page, cdp, registration, [sent.decode()])

    assert eventually(lambda: len(page.evaluate(NOTIFICATIONS)) == 1)
    assert page.evaluate(NOTIFICATIONS)[0]["url"] == f"/sessions/{session.pk}/"
    click_the_notification(phone)
    expect(page).to_have_url(f"{live_server.url}/sessions/{session.pk}/")


def test_a_push_never_opens_another_site(phone, live_server, participant):
    phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    sign_in(page, live_server, participant.email)
    controlled(page)
    cdp, registration = worker_registration(phone, page, live_server)

    urls = ("https://whereby.com/elsewhere", "//whereby.com/elsewhere", "/\\whereby.com")
    push(page, cdp, registration, *({"title": "Hi", "body": "", "url": u, "tag": u} for u in urls))

    assert eventually(lambda: len(page.evaluate(NOTIFICATIONS)) == 3)
    assert {n["url"] for n in page.evaluate(NOTIFICATIONS)} == {"/schedule/"}


def test_the_worker_opens_only_pages_of_its_own_site(phone, live_server, participant):
    """sw.js's samePath, in the worker itself, on what a push's url could say."""
    page = phone.new_page()
    sign_in(page, live_server, participant.email)
    controlled(page)
    [worker] = phone.service_workers
    ours = {
        "/sessions/12/": "/sessions/12/",
        "/sessions/12/?back=schedule#join": "/sessions/12/?back=schedule#join",
        f"{live_server.url}/sessions/12/": "/sessions/12/",
    }
    elsewhere = [
        "javascript:alert(1)", f"{live_server.url}@whereby.com/", "whereby.com/elsewhere",
        "https:whereby.com", "http://127.0.0.1:1/sessions/12/", "data:text/html,hi", "", "https://",
    ]  # fmt: skip

    opened = worker.evaluate("(urls) => urls.map((url) => samePath(url))", [*ours, *elsewhere])

    assert opened == [*ours.values()] + ["/schedule/"] * len(elsewhere)


def test_the_bottom_bar_and_the_notifications_page_on_a_phone(
    phone, live_server, lived_in, frozen_clock
):
    run_until_quiet()  # the diary's emails go out
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    page = phone.new_page()
    sign_in(page, live_server, lived_in.new_york.email)
    bar = page.get_by_role("navigation", name="Main")

    for name, heading in [("Book", "Find a peer"), ("Me", "Preferences"), ("Schedule", "Schedule")]:
        bar.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    bar.get_by_role("link", name="Notifications").click()

    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    expect(bar.get_by_role("link", name="Notifications")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("status")).to_have_text("Notifications are off for this device.")
    assert fits_the_screen(page)
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-notifications", full_page=False)


def test_the_notifications_page_at_desktop_width(page: Page, live_server, lived_in):
    sign_in(page, live_server, lived_in.peer.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()

    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    expect(page.locator(".tabbar")).to_be_hidden()
    assert_accessible(page)


def test_an_iphone_is_shown_how_to_add_peerakeet_to_its_home_screen(
    browser: Browser, live_server, lived_in
):
    context = phone_context(browser, IPHONE_SAFARI)
    page = context.new_page()
    sign_in(page, live_server, lived_in.new_york.email)

    offer = page.get_by_role("complementary", name="Peerakeet on your phone")
    expect(offer.get_by_text("Add to Home Screen")).to_be_visible()
    expect(offer.get_by_role("button", name="Install Peerakeet")).to_be_hidden()
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    shot(page, "phone-install-ios", full_page=False)
    offer.get_by_role("button", name="Not now").click()
    page.reload()
    expect(offer).to_be_hidden()
    context.close()


def installed_app(browser: Browser) -> BrowserContext:
    """An iPhone's Peerakeet opened from the Home Screen (Safari's navigator.standalone)."""
    context = phone_context(browser, IPHONE_SAFARI)
    context.add_init_script("Object.defineProperty(navigator, 'standalone', {value: true})")
    return context


def test_inside_the_installed_app_there_is_nothing_to_install(
    browser: Browser, live_server, participant
):
    context = installed_app(browser)
    page = context.new_page()
    sign_in(page, live_server, participant.email)

    page.wait_for_load_state("load")
    expect(page.locator("[data-install]")).to_be_hidden()
    context.close()


def test_where_the_browser_can_install_the_app_it_offers_to(phone, live_server, participant):
    page = phone.new_page()
    sign_in(page, live_server, participant.email)
    page.wait_for_load_state("load")

    # What Chrome fires when the app is installable (it needs a real engagement, not a test).
    page.evaluate(
        """() => { const event = new Event("beforeinstallprompt", {cancelable: true});
        event.prompt = () => { window.prompted = true; };
        event.userChoice = Promise.resolve({outcome: "accepted"});
        window.dispatchEvent(event); }"""
    )
    page.get_by_role("button", name="Install Peerakeet").click()

    assert page.evaluate("window.prompted === true")
    expect(page.get_by_text("Add to Home Screen")).to_be_hidden()


def test_inside_the_installed_app_connect_goes_to_zoom_and_comes_back(
    browser: Browser, live_server, live_emulator: EmulatorControl, peer
):
    context = installed_app(browser)
    page = context.new_page()
    popups: list[Page] = []
    context.on("page", lambda opened: popups.append(opened))
    sign_in(page, live_server, peer.email)

    pill(page).get_by_role("button", name="Connect").click()
    zoom_sign_in_and_allow(page)

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    assert page.url == f"{live_server.url}/schedule/"
    expect(pill(page)).to_contain_text("Zoom: Connected")
    assert popups == []  # a popup would lose its way back to the app
    context.close()


def test_connected_in_the_system_browser_the_app_learns_it_by_itself(
    browser: Browser, live_server, live_emulator: EmulatorControl, peer
):
    context = installed_app(browser)
    page = context.new_page()
    sign_in(page, live_server, peer.email)
    expect(pill(page)).to_contain_text("Zoom: Not connected")

    connect(peer, live_emulator)  # finished elsewhere: the app was not the window that did it
    with page.expect_request(lambda r: r.url.endswith("/schedule/sessions/")):
        page.evaluate("window.dispatchEvent(new Event('focus'))")  # the app is back in front

    expect(pill(page)).to_contain_text("Zoom: Connected")
    context.close()


def test_on_a_computer_the_offline_copy_reads_the_same(browser: Browser, live_server, lived_in):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, lived_in.peer.email)
    controlled(page)

    context.set_offline(True)
    page.reload()

    expect(page.get_by_text("You are offline.")).to_be_visible()
    expect(page.get_by_role("button", name="Accept").first).to_be_disabled()
    assert_accessible(page)
    context.close()
