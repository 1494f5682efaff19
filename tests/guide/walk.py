"""What the browser walk of the guide shares: signing in, the pill, Zoom's screens, booking a
session through the dashboard, screenshots, and the accessibility check.

Steps are the guide's own words (zoom-integration-guide.md); helpers here only spare each test
from repeating the clicks another test already proves.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from tests.personas import PASSWORD
from tests.zoom_support import LICENSED

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# What Zoom's consent screen says for each scope Peerakeet's app has (settings.ZOOM_SCOPES).
PERMISSIONS = [
    "View your user information",
    "Create meetings for you",
    "View your meetings",
    "View the list of your meetings",
    "Delete your meetings",
    "Update your meetings",
]
BLOCKING_IMPACTS = {"serious", "critical"}
BAR_AT_THE_END = """(position) => document.querySelectorAll(".tabbar").forEach((bar) =>
    position ? bar.style.setProperty("position", position, "important")
             : bar.style.removeProperty("position"))"""
_axe = Axe()


def sign_in(page: Page, live_server: Any, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()


WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}  # the widths every page is walked at


def open_page(browser: Any, live_server: Any, person: Any, width: str) -> tuple[Any, Page]:
    """A new browser context at ``width`` ("desktop" or "phone"), signed in as ``person``."""
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, person.email)
    return context, page


def sign_out(page: Page) -> None:
    """Sign out and wait to land on the sign-in page: pwa.js first lets go of this browser's
    push subscription, so the form is posted a moment after the click."""
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))


def pill(page: Page) -> Locator:
    # zoom.js is deferred: until the page has loaded, a click on Connect is a plain form post
    # (the same-tab path), not the popup or fetch a test means to use. A person clicks later.
    page.wait_for_load_state("load")
    return page.locator("#zoom-status")


def csp_violations(page: Page) -> list[str]:
    seen: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", record)
    return seen


def zoom_sign_in_and_allow(zoom: Page, email: str = LICENSED, *, screenshot: bool = False) -> None:
    """Zoom's screens: sign in if prompted, review the requested permissions, click Allow."""
    sign_in_screen = zoom.get_by_role("heading", name="Sign in to Zoom")
    consent = zoom.get_by_role("heading", name="would like to access your Zoom account")
    expect(sign_in_screen.or_(consent)).to_be_visible()
    if sign_in_screen.is_visible():  # Zoom remembers a browser that signed in before
        zoom.get_by_label("Or pick a test account").select_option(email)
        zoom.get_by_role("button", name="Sign in").click()
    expect(consent).to_be_visible()
    expect(zoom.get_by_text(f"({email})")).to_be_visible()
    for permission in PERMISSIONS:
        expect(zoom.get_by_text(permission, exact=False).first).to_be_visible()
    if screenshot:
        zoom.screenshot(path=str(SCREENSHOTS / "zoom-consent.png"))
    zoom.get_by_role("button", name="Allow").click()


def connect_in_popup(page: Page, email: str = LICENSED, *, screenshot: bool = False) -> None:
    """Click Connect in the pill, allow in Zoom's popup, and see Connected."""
    with page.expect_popup() as popup_info:
        pill(page).get_by_role("button", name="Connect").click()
    popup = popup_info.value
    with popup.expect_event("close", timeout=15_000):
        zoom_sign_in_and_allow(popup, email, screenshot=screenshot)
    expect(pill(page)).to_contain_text("Zoom: Connected")


def local_input(when: datetime) -> str:
    """A datetime-local value in the viewer's time zone (the personas use UTC)."""
    return timezone.localtime(when, timezone.get_fixed_timezone(0)).strftime("%Y-%m-%dT%H:%M")


def minutes_from_now(minutes: float) -> datetime:
    """A start on a whole minute at least ``minutes`` ahead (the form has minute precision)."""
    now = timezone.now()
    whole = now.replace(second=0, microsecond=0)
    return whole + timedelta(minutes=math.ceil(minutes) + 1)


def open_form(page: Page, name: str) -> Locator:
    """The form behind the Schedule page's "Schedule a session" or "Request a session" button."""
    button = page.locator("details.form-opener > summary", has_text=name)
    if button.locator("..").get_attribute("open") is None:
        button.click()
    form = page.get_by_role("region", name=name)
    expect(form).to_be_visible()
    return form


def schedule_a_session(
    page: Page,
    participant_email: str,
    starts_at: datetime,
    *,
    modality: str = "Video",
    meeting_link: str = "",
) -> None:
    """The peer opens "Schedule a session" on the Schedule page and fills it in."""
    form = open_form(page, "Schedule a session")
    form.get_by_label("Participant's email").fill(participant_email)
    form.get_by_label("Date and time").fill(local_input(starts_at))
    form.get_by_label(modality, exact=True).check()
    form.get_by_label("Meeting link (optional)").fill(meeting_link)
    form.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_text("Session scheduled and confirmed.")).to_be_visible()


def request_a_session(page: Page, peer: Any, starts_at: datetime, modality: str = "Video") -> None:
    """The participant opens "Request a session" on the Schedule page and fills it in."""
    form = open_form(page, "Request a session")
    form.get_by_label("Certified peer").select_option(label=peer.display_name)
    form.get_by_label("Date and time").fill(local_input(starts_at))
    form.get_by_label(modality, exact=True).check()
    form.get_by_role("button", name="Request session").click()
    expect(page.get_by_text("Session requested.")).to_be_visible()


def answer(page: Page, button: str) -> None:
    """Answer the question Peerakeet asks once before calling something off (Cancel, Decline,
    Disconnect): a dialog over the page when JavaScript runs."""
    in_dialog = page.get_by_role("dialog").get_by_role("button", name=button)
    on_its_page = page.locator("main [data-ask-body]").get_by_role("button", name=button)
    control = in_dialog.or_(on_its_page)  # the page itself without JavaScript
    expect(control).to_be_visible()
    control.click()


def disconnect(page: Page) -> None:
    """Click Disconnect in the pill and confirm it."""
    pill(page).get_by_role("button", name="Disconnect").click()
    answer(page, "Disconnect Zoom")


def session_card(page: Page, with_name: str) -> Locator:
    return page.locator("li.session").filter(has_text=with_name).first


def shot(target: Page | Locator, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot for docs/user-guide.md under a fixed name."""
    path = str(SCREENSHOTS / f"{name}.png")
    if isinstance(target, Page):
        # A whole page is pictured as one tall screen, where the phone's bottom bar would float
        # over the middle: it is shown once, at the end, as a person scrolls to it. (Through
        # the CSSOM: the CSP refuses the <style> that screenshot(style=...) would add.)
        if full_page:
            target.evaluate(BAR_AT_THE_END, "static")
        target.screenshot(path=path, full_page=full_page, animations="disabled")
        if full_page:
            target.evaluate(BAR_AT_THE_END, "")
    else:
        target.screenshot(path=path, animations="disabled")


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    results = _axe.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]


def assert_accessible(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], "\n".join(found)


def fits_the_screen(page: Page) -> bool:
    """No horizontal scrolling: the document is no wider than the window, nor than the screen
    (a phone widens its layout viewport to fit a page that overflows)."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= Math.min(window.innerWidth, screen.width)"
        )
    )


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``check`` turns true within ``timeout`` seconds (the worker runs beside us)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
