"""Twenty participants book one slot at the same moment: exactly one session is made."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from django.db import connection

from booking.services import SlotTaken, slot_book
from scheduling.models import SupportSession
from tests.booking.conftest import at, open_hours
from tests.personas import make_participant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 20


def test_twenty_participants_racing_for_one_slot_make_exactly_one_session(peer):
    open_hours(peer, buffer_minutes=0)
    participants = [make_participant(f"racer{i}@example.org", f"Racer {i}") for i in range(RACERS)]
    wanted = at(2, time(10))
    start = threading.Barrier(RACERS)
    outcomes: list[object] = []

    def race(participant) -> None:
        try:
            start.wait(timeout=30)
            session = slot_book(
                participant=participant,
                peer=peer,
                starts_at=wanted,
                duration_minutes=50,
                modality="video",
            )
            outcomes.append(session)
        except SlotTaken as taken:
            outcomes.append(taken)
        except Exception as other:  # any other answer fails the test below, named
            outcomes.append(other)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(p,)) for p in participants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    booked = [o for o in outcomes if isinstance(o, SupportSession)]
    taken = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(booked) == 1, outcomes
    assert len(taken) == RACERS - 1, [o for o in outcomes if not isinstance(o, SlotTaken)]
    assert SupportSession.objects.filter(peer=peer, starts_at=wanted).count() == 1
    assert all(t.nearest and wanted not in t.nearest for t in taken)
