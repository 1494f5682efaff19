"""Schedule page render time and query count at 10, 100, 1,000 and 10,000 sessions (benchmark 5).

One certified peer's diary grows (30% past: completed or cancelled; 70% upcoming: confirmed with a
live Zoom meeting, confirmed with a manual link, or requested). At each size the page is rendered
in this process through Django's test client (the full middleware stack, PostgreSQL), and the
queries of one render are counted.

    .venv/bin/python -m bench.scaling

Bars: the same number of queries at every size (and at most 12); render time flat or
logarithmic: 10x the diary with the same page shown (1,000 -> 10,000) costs at most 1.5x, and
1,000x the diary (10 -> 10,000, where the page fills from 10 to 100 sessions) at most 3x.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from bench.harness import Stack, analyze, machine, make_people, verdict

SIZES = (10, 100, 1000, 10000)


def grow(peer, participants, have: int, want: int) -> None:
    """Add sessions ``have .. want-1`` to the peer's diary (bulk, no Zoom: rows only)."""
    from django.utils import timezone

    from scheduling.models import SupportSession, ZoomMeeting

    Status = SupportSession.Status
    now = timezone.now().replace(microsecond=0)
    rows = []
    for i in range(have, want):
        past = i % 10 < 3
        # Past sessions go back from now, upcoming ones forward; an hour apart, never overlapping.
        starts = now - timedelta(hours=2 + i) if past else now + timedelta(hours=2 + i)
        kind = i % 10
        rows.append(
            SupportSession(
                peer=peer,
                participant=participants[i % len(participants)],
                starts_at=starts,
                duration_minutes=50,
                status=(Status.COMPLETED if kind < 2 else Status.CANCELLED)
                if past
                else (Status.REQUESTED if kind == 9 else Status.CONFIRMED),
            )
        )
        rows[-1].manual_link = "https://whereby.com/room" if kind == 8 else ""
    created = SupportSession.objects.bulk_create(rows, batch_size=1000)
    meetings = []
    for session in created:
        if session.status == Status.CONFIRMED and not session.manual_link:
            meeting = ZoomMeeting(
                session=session, zoom_meeting_id=80000000000 + session.pk, host_zoom_user_id="z"
            )
            meeting.seal(join_url=f"https://zoom.example/j/{session.pk}", passcode="abc123XYZ")
            meetings.append(meeting)
    ZoomMeeting.objects.bulk_create(meetings, batch_size=1000)


def measure(client, renders: int) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, visible cards) of the Schedule page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/schedule/")  # warm
    timings = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get("/schedule/")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/schedule/")
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    cards = response.text.count('class="session"')
    return statistics.median(timings), p95, len(queries.captured_queries), cards


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with Stack("scaling") as stack:
        stack.setup_django()
        from django.test import Client

        peers, participants = make_people(1, 20, prefix="scale")
        client = Client()
        client.force_login(peers[0], backend="accounts.backends.ModelBackend")
        results = {}
        have = 0
        for size in SIZES:
            grow(peers[0], participants, have, size)
            have = size
            analyze()
            results[size] = measure(client, args.renders)
            median, p95, queries, cards = results[size]
            print(f"{size:>6} sessions: median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"{queries:>3} queries  {cards:>5} sessions shown")  # fmt: skip
    counts = {size: r[2] for size, r in results.items()}
    overall = results[SIZES[-1]][0] / results[SIZES[0]][0]
    same_page = results[SIZES[-1]][0] / results[SIZES[-2]][0]
    print()
    return verdict(
        [
            ("queries per render, 10 .. 10,000", " / ".join(map(str, counts.values()))
             + " (bar: all equal, <= 12)",
             len(set(counts.values())) == 1 and max(counts.values()) <= 12),
            ("render time, 1,000 -> 10,000 sessions", f"{same_page:.2f}x median (same page "
             "shown; bar <= 1.5x)", same_page <= 1.5),
            ("render time, 10 -> 10,000 sessions", f"{overall:.2f}x median (1,000x the diary; "
             "bar <= 3x, linear would be ~1,000x)", overall <= 3.0),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
