"""Open slots of a busy peer against the Schedule page's render (issue 18).

A peer with 1,000 sessions (bench.scaling.grow: 30% past, 70% upcoming an hour apart, most with
a Zoom meeting row) and one with 10, both with weekday and weekend hours, a 60-day horizon, a
10-minute buffer and a cap of 8 a day, on PostgreSQL after ANALYZE. In one run, in this
process: the statements that reading a peer's open slots for the next 60 days takes at 10 and
at 1,000 sessions; the median time of that read (selector and computation) and of the pure
computation alone; and the median render of the big peer's Schedule page through Django's whole
stack (bench.hot_pages.in_process).

    .venv/bin/python -m bench.slots

Bars: queries the same at 10 and 1,000 sessions, and at most 5; the computation costs less than
a tenth of the Schedule page's render.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import time as clock
from datetime import timedelta

from bench.harness import Stack, analyze, machine, make_people, verdict
from bench.hot_pages import in_process
from bench.scaling import grow

DAYS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with Stack("slots") as stack:
        stack.setup_django()
        (big, small), participants = make_people(2, 20, prefix="slots")
        for slug, peer in (("big", big), ("small", small)):
            open_hours(peer, slug)
        grow(big, participants, 0, 1000)
        grow(small, participants, 0, 10)
        analyze()
        queries = {10: read_queries("small"), 1000: read_queries("big")}
        read_ms = median_ms(lambda: read("big"), args.repeats)
        compute_ms, slots = compute_only("big", args.repeats)
        page_ms, page_queries = in_process(big, "/schedule/", renders=50)
    return report(queries, read_ms, compute_ms, slots, page_ms, page_queries)


def open_hours(peer, slug: str) -> None:
    from booking.services import availability_save, profile_save

    profile_save(
        peer=peer,
        slug=slug,
        introduction="",
        languages=["English"],
        focus_areas=[],
        modalities=["video", "audio"],
        session_lengths=[50],
    )
    availability_save(
        peer=peer,
        week={day: [(clock(8), clock(12)), (clock(13), clock(20))] for day in range(7)},
        dates_off=[],
        notice_minutes=0,
        horizon_days=DAYS,
        buffer_minutes=10,
        daily_max=8,
        auto_confirm=False,
    )


def read(slug: str) -> list:
    """What a booking page does: the profile, then its open slots for the next 60 days."""
    from django.utils import timezone

    from booking.selectors import profile_by_slug, slots_of

    now = timezone.now()
    profile = profile_by_slug(slug)
    assert profile is not None
    return slots_of(
        profile, duration_minutes=50, start=now, end=now + timedelta(days=DAYS), now=now
    )


def read_queries(slug: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        read(slug)
    return len(captured.captured_queries)


def compute_only(slug: str, repeats: int) -> tuple[float, int]:
    """The pure function alone, on the rows the selector fetched. The bench diary has a session
    every hour, so the daily cap would close most days before any slot is tested against the
    busy times; the cap is lifted here so that every candidate is (the costliest case)."""
    from django.utils import timezone

    from booking.selectors import busy_times, profile_by_slug
    from booking.slots import open_slots

    now = timezone.now()
    profile = profile_by_slug(slug)
    assert profile is not None
    rules = replace(profile.peer.availability.rules(profile.peer.time_zone), daily_max=10**6)
    busy = busy_times([profile.peer_id], now, now + timedelta(days=DAYS))[profile.peer_id]
    duration, end = timedelta(minutes=50), now + timedelta(days=DAYS)

    def compute() -> list:
        return open_slots(rules, busy, duration=duration, start=now, end=end, now=now)

    print(f"busy sessions in the window: {len(busy)}")
    return median_ms(compute, repeats), len(compute())


def median_ms(work: Callable[[], object], repeats: int) -> float:
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def report(queries, read_ms, compute_ms, slots, page_ms, page_queries) -> int:
    print("\nopen slots of the big peer, 60 days ahead, 50-minute sessions")
    print(f"  statements per read: {queries[10]} at 10 sessions, {queries[1000]} at 1,000")
    print(f"  median read (profile + busy times + computation): {read_ms:.2f} ms")
    print(f"  median computation alone (pure function, no cap):  {compute_ms:.2f} ms "
          f"({slots} slots)")  # fmt: skip
    print(f"Schedule page, 1,000 sessions, median render: {page_ms:.2f} ms "
          f"({page_queries} statements)")  # fmt: skip
    # Not a bar (the bar is the computation): two round trips to PostgreSQL, whose
    # cost on a loaded machine is mostly waiting for a core.
    print(f"  whole read vs Schedule render: {read_ms / page_ms:.3f}x\n")
    return verdict(
        [
            ("statements per slot read", f"{queries[10]} vs {queries[1000]} (bar: equal, <= 5)",
             queries[10] == queries[1000] <= 5),
            ("computation vs Schedule render", f"{compute_ms / page_ms:.3f}x (bar < 0.1)",
             compute_ms < 0.1 * page_ms),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
