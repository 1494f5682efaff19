"""The guide's "Support": the help page, and every page that can leave someone stuck links to it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from playwright.sync_api import Page, expect

from peerakeet import views
from tests.guide.walk import assert_accessible, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOURS = "Monday \u2013 Friday, 9:00 AM \u2013 5:00 PM ET"  # the guide's en dashes


def test_the_support_page_gives_email_hours_first_response_and_the_reviewer_guide(
    page: Page, live_server
):
    page.goto(f"{live_server.url}/help/")

    expect(page.get_by_role("heading", name="Help and support")).to_be_visible()
    expect(page.get_by_role("link", name="support@peerakeet.com").first).to_have_attribute(
        "href", "mailto:support@peerakeet.com"
    )
    expect(page.get_by_text(HOURS).first).to_be_visible()
    expect(page.get_by_text("Within 48 business hours")).to_be_visible()
    shot(page, "support")
    page.get_by_role("link", name="Zoom reviewer test plan").click()
    # A page to read (issue #17), not the Markdown source; the source stays one click away.
    expect(page.get_by_role("heading", level=1)).to_contain_text("reviewer test plan")
    assert page.url.endswith("/help/zoom-reviewer-test-plan/")
    expect(page.locator("article.prose table").first).to_be_visible()
    assert "##" not in page.locator("article.prose").inner_text()
    assert_accessible(page)
    shot(page, "reviewer-test-plan", full_page=False)
    page.get_by_role("link", name="The plan as Markdown").click()
    assert page.url.endswith("/help/zoom-reviewer-test-plan.md")


def test_the_dashboard_links_to_help(page: Page, live_server, peer):
    sign_in(page, live_server, peer.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Help").click()

    expect(page.get_by_role("heading", name="Help and support")).to_be_visible()
    expect(page.get_by_role("link", name="Help", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("contentinfo").get_by_role("link", name="Help and support").click()
    expect(page.get_by_role("heading", name="Help and support")).to_be_visible()


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/no/such/page/", "We could not find that page"),
        ("/integrations/zoom/status/", "This page is not available to you"),
    ],
)
def test_error_pages_link_to_help(page: Page, live_server, participant, path, heading):
    sign_in(page, live_server, participant.email)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Get help").click()

    expect(page.get_by_role("heading", name="Help and support")).to_be_visible()


def test_an_expired_form_links_to_help(browser, live_server, peer):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, peer.email)
    context.clear_cookies(name="csrftoken")  # the form's token no longer matches

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="That form expired")).to_be_visible()
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", name="Help and support")).to_be_visible()
    context.close()


def test_the_server_error_page_names_support_and_links_to_help(rf: RequestFactory):
    response = views.server_error(rf.get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "support@peerakeet.com" in html
    assert 'href="/help/"' in html
