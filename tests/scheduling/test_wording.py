"""Words for people, not systems (issue #17), read on the lived-in diary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from scheduling.wording import utc_offset, zone_label
from tests.worker import run_until_quiet
from tests.zoom_support import connect

SYSTEM_WORDS = ["Zoom meeting ready", "Manual link", "Removing Zoom meeting", "status pill"]


@pytest.mark.parametrize("who", ["new_york", "berlin"])
def test_a_participant_never_reads_the_systems_words(
    client, transactional, lived_in, emulator, who
):
    connect(lived_in.peer, emulator)
    run_until_quiet()
    client.force_login(getattr(lived_in, who))
    pages = [client.get(reverse("scheduling:schedule")).text] + [
        client.get(reverse("scheduling:session", args=[s.pk])).text
        for s in lived_in.of(getattr(lived_in, who))
    ]

    for html in pages:
        for words in SYSTEM_WORDS:
            assert words not in html


def test_a_participant_reads_where_join_session_leads(client, transactional, lived_in, emulator):
    connect(lived_in.peer, emulator)  # the confirmed sessions get their Zoom meetings
    run_until_quiet()
    client.force_login(lived_in.berlin)

    html = client.get(reverse("scheduling:schedule")).text

    assert "Your session link is ready: Join Session opens Zoom" in html
    assert "Your session link is ready: Join Session opens Google Meet" in html
    assert "Waiting for Jordan Rivera to accept" in html


def test_the_peer_keeps_the_guides_words(client, lived_in):
    client.force_login(lived_in.peer)

    html = client.get(reverse("scheduling:schedule")).text

    assert "Manual link" in html
    assert "A Zoom meeting is created when you accept" in html


def test_the_schedule_says_once_which_zone_its_times_are_in(client, lived_in):
    client.force_login(lived_in.new_york)

    html = client.get(reverse("scheduling:schedule")).text

    assert 'Times in <span class="zone" title="UTC-05:00">Eastern Time (New York)</span>' in html
    assert "10:00 AM for Jordan Rivera, " in html  # the join-open session, 11:00 in New York


def test_times_read_in_the_viewers_zone_and_the_other_persons(client, lived_in):
    """10:00 in Chicago on Wednesday is 17:00 in Berlin."""
    client.force_login(lived_in.peer)

    html = client.get(reverse("scheduling:session", args=[lived_in.sessions["meet_link"].pk])).text

    assert "Wednesday 9 December 2026, 10:00 AM" in html
    assert '<span class="zone" title="UTC-06:00">Central Time (Chicago)</span>' in html
    assert '5:00 PM for Mia Schulz, <span title="UTC+01:00">Central European Time (Berlin)' in html


@pytest.mark.parametrize(
    ("zone", "said"),
    [
        ("America/New_York", "Eastern Time (New York)"),
        ("Europe/Berlin", "Central European Time (Berlin)"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("UTC", "UTC"),
    ],
)
def test_zones_are_named_as_people_say_them(zone, said):
    assert zone_label(zone) == said


def test_the_offset_follows_daylight_saving():
    assert utc_offset("America/New_York", datetime(2026, 12, 7, tzinfo=UTC)) == "UTC-05:00"
    assert utc_offset("America/New_York", datetime(2026, 7, 7, tzinfo=UTC)) == "UTC-04:00"
    assert utc_offset("Asia/Kolkata", datetime(2026, 7, 7, tzinfo=UTC)) == "UTC+05:30"
