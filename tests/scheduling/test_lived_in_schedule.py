"""The Schedule page on a diary that has lived a week (issue #17): every upcoming card keeps its
actions, for the peer and for each participant, whatever else the diary holds."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.agenda import BESIDE_LIMIT, countdown
from scheduling.models import SupportSession
from scheduling.selectors import PAST_PER_PAGE, UPCOMING_PER_PAGE
from tests.budgets import SCHEDULE_PAGE_QUERIES
from tests.diary import FROZEN_NOW, expected_actions

Status = SupportSession.Status


class CardActions(HTMLParser):
    """Per card (``id="session-N"``): the texts of its buttons and of its Join link."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[int, set[str]] = {}
        self._card: int | None = None
        self._depth = 0
        self._action: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        card_id = attributes.get("id") or ""
        if tag == "li" and card_id.startswith("session-"):
            self._card, self._depth = int(card_id.removeprefix("session-")), 0
            self.cards[self._card] = set()
        if self._card is None:
            return
        if tag == "li":
            self._depth += 1
        href = attributes.get("href") or ""
        if (tag == "button" and "disabled" not in attributes) or (
            tag == "a" and href.endswith("/join")
        ):
            self._action = []

    def handle_data(self, data: str) -> None:
        if self._action is not None:
            self._action.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._card is None:
            return
        if tag in ("button", "a") and self._action is not None:
            self.cards[self._card].add(" ".join("".join(self._action).split()))
            self._action = None
        if tag == "li":
            self._depth -= 1
            if self._depth == 0:
                self._card = None


def actions_on_schedule(client, user) -> dict[int, set[str]]:
    client.force_login(user)
    response = client.get(reverse("scheduling:schedule"))
    assert response.status_code == 200
    parser = CardActions()
    parser.feed(response.text)
    return parser.cards


@pytest.mark.parametrize("who", ["peer", "new_york", "berlin"])
def test_every_upcoming_card_offers_its_actions(client, lived_in, who):
    viewer = getattr(lived_in, who)
    cards = actions_on_schedule(client, viewer)

    mine = lived_in.upcoming(viewer)
    assert mine, "the diary gives every person upcoming sessions"
    for session in mine:
        wanted = expected_actions(session, as_peer=who == "peer")
        assert session.pk in cards, f"{session} has no card"
        assert wanted <= cards[session.pk], f"{session}: {cards[session.pk]} lacks {wanted}"


def test_the_diary_has_lived_a_week(lived_in):
    """What the test above relies on: past, declined and cancelled sessions beside live ones."""
    statuses = {s.status for s in lived_in.sessions.values()}
    assert statuses == set(Status)
    assert lived_in.sessions["join_open"].join_window_is_open()
    assert (
        len({lived_in.peer.time_zone, lived_in.new_york.time_zone, lived_in.berlin.time_zone}) == 3
    )


@pytest.mark.parametrize("who", ["peer", "new_york"])
def test_no_action_is_offered_on_a_session_that_is_over_or_called_off(client, lived_in, who):
    viewer = getattr(lived_in, who)
    cards = actions_on_schedule(client, viewer)

    for name in ["completed_ny", "declined_ny", "declined_future", "cancelled_future"]:
        session = lived_in.sessions[name]
        assert cards.get(session.pk, set()) == set(), f"{name} offers {cards.get(session.pk)}"


def section_of(html: str, session: SupportSession) -> str:
    """The id of the heading of the section a session's card sits in."""
    card = html.index(f'id="session-{session.pk}"')
    headings = re.findall(r'<h2 id="([a-z]+-heading)"', html[:card])
    return headings[-1] if headings else ""


def test_the_page_reads_as_a_working_day(client, lived_in):
    client.force_login(lived_in.peer)

    html = client.get(reverse("scheduling:schedule")).text

    order = [html.index(f'id="{h}-heading"') for h in ("respond", "next", "today", "later", "past")]
    assert order == sorted(order)
    s = lived_in.sessions
    assert section_of(html, s["request"]) == "respond-heading"
    assert section_of(html, s["join_open"]) == "next-heading"
    assert "Starts in 10 minutes" in html
    assert section_of(html, s["today"]) == "today-heading"
    for name in ["tomorrow", "meet_link", "later"]:
        assert section_of(html, s[name]) == "later-heading"
    assert section_of(html, s["completed_ny"]) == "past-heading"


def test_declined_and_cancelled_sessions_ahead_say_so_and_are_not_filed_under_past(
    client, lived_in
):
    client.force_login(lived_in.new_york)

    html = client.get(reverse("scheduling:schedule")).text

    s = lived_in.sessions
    assert section_of(html, s["cancelled_future"]) == "later-heading"
    assert section_of(html, s["declined_future"]) == "later-heading"
    assert "Cancelled by you: this session will not take place." in html
    assert "Jordan Rivera declined this request: this session will not take place." in html


def test_later_sessions_are_grouped_by_day_in_the_viewers_time_zone(client, lived_in):
    """16:00 in Chicago on Wednesday is 23:00 in Berlin; 10:00 on Wednesday is 17:00."""
    client.force_login(lived_in.berlin)

    html = client.get(reverse("scheduling:schedule")).text

    days = re.findall(r'<h3 class="day">([^<]+)</h3>', html)
    assert days[0] == "Tomorrow, Tuesday 8 December"
    assert "Wednesday 9 December" in days
    assert all(day.count("December") == 1 for day in days)


def test_the_past_is_collapsed_and_the_form_opens_from_a_button(client, lived_in):
    client.force_login(lived_in.peer)

    html = client.get(reverse("scheduling:schedule")).text

    assert "<details>\n      <summary>Show past sessions</summary>" in html
    assert '<details class="form-opener">' in html  # closed until clicked
    assert '<summary class="button" id="new-session">Schedule a session</summary>' in html


def test_a_form_with_problems_comes_back_open(client, lived_in):
    client.force_login(lived_in.peer)

    response = client.post(reverse("scheduling:session_new"), {"participant_email": "x"})

    assert response.status_code == 400
    assert '<details class="form-opener" open>' in response.text


def test_the_query_count_stays_fixed_on_a_lived_in_diary(client, lived_in):
    client.force_login(lived_in.peer)
    with CaptureQueriesContext(connection) as lived:
        client.get(reverse("scheduling:schedule"))
    now = timezone.now().replace(microsecond=0)
    SupportSession.objects.bulk_create(
        SupportSession(
            peer=lived_in.peer,
            participant=lived_in.berlin,
            starts_at=now + timedelta(days=7, hours=i),
            status=status,
        )
        for i in range(40)
        for status in (Status.REQUESTED, Status.CANCELLED, Status.CONFIRMED, Status.COMPLETED)
    )

    with CaptureQueriesContext(connection) as busy:
        html = client.get(reverse("scheduling:schedule")).text

    assert len(busy.captured_queries) == len(lived.captured_queries) <= SCHEDULE_PAGE_QUERIES
    assert html.count('class="session"') <= UPCOMING_PER_PAGE + PAST_PER_PAGE + BESIDE_LIMIT


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (-590, "Starts in 10 minutes"),
        (-60, "Starts in 1 minute"),
        (-3 * 3600 - 60, "Starts in 3 hours 1 minute"),
        (-26 * 3600, "Starts in 1 day 2 hours"),
        (-5, "Starts in 1 minute"),
        (0, "Started less than a minute ago"),
        (250, "Started 4 minutes ago"),
    ],
)
def test_the_countdown_says_when_as_a_person_would(lived_in, seconds, said):
    session = lived_in.sessions["join_open"]

    assert countdown(session, session.starts_at + timedelta(seconds=seconds)) == said


def test_the_lists_refresh_while_the_next_join_window_is_about_to_open(
    client, lived_in, frozen_clock
):
    client.force_login(lived_in.peer)
    assert 'hx-trigger="every 30s,' not in client.get(reverse("scheduling:schedule")).text

    frozen_clock.move_to(FROZEN_NOW - timedelta(minutes=20))  # the window opens in 15 minutes

    html = client.get(reverse("scheduling:schedule")).text
    assert 'hx-trigger="every 30s,' in html
    assert "Starts in 30 minutes" in html
