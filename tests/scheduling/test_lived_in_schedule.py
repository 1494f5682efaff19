"""The Schedule page on a diary that has lived a week (issue #17): every upcoming card keeps its
actions, for the peer and for each participant, whatever else the diary holds."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from scheduling.models import SupportSession
from tests.diary import expected_actions

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

    mine = [s for s in lived_in.upcoming() if s.is_member(viewer)]
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
