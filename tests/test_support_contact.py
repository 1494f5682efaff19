"""How to reach support is written once (peerakeet/templatetags/support.py) and every page and
email that gave it still gives it, word for word, as it did when each template typed it out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.services import certification_revoke
from peerakeet import views
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("accounts", "api", "booking", "peerakeet", "push", "scheduling", "zoom")
ADDRESS = "support@peerakeet.com"
HOURS = "Monday \u2013 Friday, 9:00 AM \u2013 5:00 PM ET"  # the guide's en dashes
LINK = f'<a href="mailto:{ADDRESS}">{ADDRESS}</a>'


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_no_template_types_the_support_address_or_hours_itself():
    typed = [
        str(path.relative_to(ROOT))
        for app in PRODUCT
        for path in (ROOT / app / "templates").rglob("*")
        if path.is_file() and (ADDRESS in path.read_text() or "5:00 PM ET" in path.read_text())
    ]

    assert typed == []


def test_every_page_footer_and_the_help_page_give_it(client):
    page = client.get("/help/").content.decode()

    assert f"Help and support</a> · {LINK} · {HOURS}</p>" in page  # every page's footer
    assert f"<dd>{LINK}</dd>" in page
    assert f"<dd>{HOURS}</dd>" in page


def test_the_session_page_gives_it_for_trouble_joining(peer, participant):
    session = book(peer, participant)

    page = signed_in(participant).get(f"/sessions/{session.pk}/").content.decode()

    assert f"Trouble joining? {LINK}, {HOURS}.</p>" in page


def test_the_error_page_gives_it():
    page = views.server_error(RequestFactory().get("/")).content.decode()

    assert f"If it keeps happening, contact\n{LINK} ({HOURS}).</p>" in page


def test_the_page_before_leaving_for_a_peers_own_link_gives_the_address(peer, participant):
    session = book(peer, participant, manual_link="https://whereby.com/room-12")

    with time_machine.travel(session.starts_at, tick=False):
        page = signed_in(participant).get(reverse("scheduling:join", args=[session.pk]))

    assert f"do not continue and tell us at {ADDRESS}.</p>" in page.content.decode()


def test_a_former_peers_notice_gives_it(peer, staff):
    certification_revoke(user=peer, by=staff)
    peer.refresh_from_db()

    page = signed_in(peer).get("/schedule/").content.decode()

    assert f"if you think this is a mistake, write to {LINK} ({HOURS}).</p>" in page


def test_every_session_email_gives_it_as_plain_text(mailoutbox, peer, participant):
    book(peer, participant)
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "confirmed")
    assert email.body.rstrip().endswith(f"Need help? {ADDRESS} ({HOURS})")
    assert "<a" not in email.body


def test_the_hand_over_email_of_a_revocation_gives_it_as_plain_text(
    mailoutbox, peer, participant, staff
):
    book(peer, participant, starts_in=timedelta(days=2))
    certification_revoke(user=peer, by=staff)
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "upcoming peer support session")
    assert f"or write to {ADDRESS} ({HOURS}).\n" in email.body
    assert "<a" not in email.body
