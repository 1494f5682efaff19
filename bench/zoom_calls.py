"""Zoom calls per session lifecycle, counted from the emulator's call log (issue 9, benchmark 1).

500 lifecycles (confirm -> meeting ready -> cancel -> meeting removed) over 50 peers, each peer on
its own Zoom Pro account, spread over 10 simulated hours in 15-minute steps. The peer accepts
and cancels through real HTTP POSTs to gunicorn; real `db_worker` processes talk to the emulator.
At every step the emulator's clock moves on 15 minutes and so does our side's idea of when each
cached access token expires (``access_token_expires_at`` moves back by the same amount), so the
token service refreshes exactly when Zoom would expire the token. Meanwhile a thread loads the
Zoom status pill as the peers; then the pill alone is loaded again with the call log cleared.

    .venv/bin/python -m bench.zoom_calls

Bars: exactly 1.00 create and 1.00 delete per lifecycle; `/users/me` outside connect only once per
token refresh (it re-reads the host's user type, issue 15: a free host's 40-minute limit); 0 Zoom
calls from the status pill; at most 1 token refresh per peer per simulated hour of activity.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from datetime import timedelta

import httpx

from bench.harness import (
    Stack,
    connect_peer,
    machine,
    make_people,
    post_headers,
    session_cookie,
    verdict,
)

STEP = 900  # simulated seconds per step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lifecycles", type=int, default=500)
    parser.add_argument("--peers", type=int, default=50)
    parser.add_argument("--hours", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with Stack("zoom_calls") as stack:
        emulator = stack.start_emulator()
        stack.setup_django()
        stack.start_workers(args.workers, interval=0.1)
        web = stack.start_web(workers=2)
        return run(stack, emulator, web, args)


def run(stack: Stack, emulator, web: str, args: argparse.Namespace) -> int:
    from django.db.models import F

    from scheduling import services
    from scheduling.models import SupportSession, ZoomMeeting
    from zoom.models import ZoomConnection

    peers, participants = make_people(args.peers, args.peers)
    for i, peer in enumerate(peers):
        zoom = emulator.add_user(f"bench.zoom{i}@example.org", type=2, plan="pro")
        connect_peer(peer, emulator, zoom["id"])
    connect_calls = Counter(c["endpoint"] for c in emulator.calls())
    emulator.clear_calls()
    cookies = {peer.pk: session_cookie(peer) for peer in peers}

    stop = threading.Event()
    pill_loads = Counter[int]()

    def load_pill() -> None:
        with httpx.Client(base_url=web, timeout=10) as http:
            while not stop.is_set():
                response = http.get(
                    "/integrations/zoom/status/", cookies=cookies[random.choice(peers).pk]
                )
                pill_loads[response.status_code] += 1
                time.sleep(0.02)

    pill = threading.Thread(target=load_pill, daemon=True)
    pill.start()
    steps = args.hours * 3600 // STEP
    per_step = [args.lifecycles // steps + (s < args.lifecycles % steps) for s in range(steps)]
    started = time.monotonic()
    index = 0
    http = httpx.Client(base_url=web, timeout=30)
    try:
        for count in per_step:
            batch = []
            for _ in range(count):
                peer, participant = peers[index % len(peers)], participants[index % len(peers)]
                session = services.session_request(
                    participant=participant,
                    peer=peer,
                    starts_at=_future(index),
                    duration_minutes=50,
                    modality="video",
                )
                batch.append((session, cookies[peer.pk]))
                index += 1
            for session, cookie in batch:
                _post(http, f"/sessions/{session.pk}/accept/", cookie)
            ids = [s.pk for s, _ in batch]
            _wait(
                stack,
                lambda ids=ids: ZoomMeeting.objects.filter(session_id__in=ids).count() == len(ids),
            )
            for session, cookie in batch:
                _post(http, f"/sessions/{session.pk}/cancel/", cookie)
            _wait(
                stack,
                lambda ids=ids: (
                    not ZoomMeeting.objects.filter(
                        session_id__in=ids, removed_at__isnull=True
                    ).exists()
                ),
            )
            # Time passes: for Zoom (its clock) and for our cached tokens alike.
            emulator.advance_clock(STEP)
            ZoomConnection.objects.update(
                access_token_expires_at=F("access_token_expires_at") - timedelta(seconds=STEP)
            )
    finally:
        stop.set()
        pill.join(timeout=10)
        http.close()
    elapsed = time.monotonic() - started
    lifecycle_calls = emulator.calls()

    # The pill alone, with a clean call log.
    emulator.clear_calls()
    with httpx.Client(base_url=web, timeout=10) as pill_http:
        alone = [
            pill_http.get("/integrations/zoom/status/", cookies=cookies[p.pk]).status_code
            for p in peers * 4
        ]
    pill_alone_calls = len(emulator.calls())

    done = SupportSession.objects.filter(status=SupportSession.Status.CANCELLED).count()
    by = Counter((c["endpoint"], c["status"]) for c in lifecycle_calls)
    creates = sum(n for (e, s), n in by.items() if e == "create_meeting" and s == 201)
    deletes = sum(n for (e, s), n in by.items() if e == "delete_meeting" and s == 204)
    create_calls = sum(n for (e, _), n in by.items() if e == "create_meeting")
    delete_calls = sum(n for (e, _), n in by.items() if e == "delete_meeting")
    users_me = sum(n for (e, _), n in by.items() if e == "users_me")
    refreshes = sum(n for (e, _), n in by.items() if e == "token")
    other = {f"{e} {s}": n for (e, s), n in by.items()
             if e not in {"create_meeting", "delete_meeting", "token", "users_me"}}  # fmt: skip
    grants = [g for g in emulator.grants() if g["active"]]
    per_peer_max = max((g["refresh_count"] for g in grants), default=0)
    hours = args.hours

    print(f"\n{done} lifecycles in {elapsed:.0f} s real time, {hours} simulated hours, "
          f"{len(peers)} peers, {args.workers} db_worker processes")  # fmt: skip
    print(f"connect phase (not counted below): {dict(connect_calls)}")
    print(f"lifecycle calls by endpoint/status: {dict(sorted(by.items()))}")
    print(f"other calls: {other or 'none'}")
    print(f"status pill loads during the run: {dict(pill_loads)}; alone: {len(alone)} loads "
          f"({Counter(alone)}), Zoom calls during them: {pill_alone_calls}")  # fmt: skip
    print(f"token refreshes: {refreshes} in all, busiest peer {per_peer_max} in {hours} h\n")
    pill_calls_during = len(lifecycle_calls) - create_calls - delete_calls - refreshes - users_me
    return verdict(
        [
            ("lifecycles completed", f"{done} / {args.lifecycles}", done == args.lifecycles),
            ("creates per lifecycle (201)", f"{creates / done:.2f} (bar 1.00; "
             f"{create_calls} create calls in all)", creates == create_calls == done),
            ("deletes per lifecycle (204)", f"{deletes / done:.2f} (bar 1.00; "
             f"{delete_calls} delete calls in all)", deletes == delete_calls == done),
            ("/users/me outside connect", f"{users_me} for {refreshes} refreshes (bar: one per "
             "refresh, none else)", users_me == refreshes),
            ("Zoom calls by the status pill", f"{pill_calls_during} during the run, "
             f"{pill_alone_calls} in {len(alone)} loads alone (bar 0)",
             pill_calls_during == 0 and pill_alone_calls == 0 and sum(pill_loads.values()) > 0),
            ("token refreshes per peer per hour", f"{per_peer_max / hours:.2f} busiest peer, "
             f"{refreshes / len(peers) / hours:.2f} mean (bar <= 1)", per_peer_max <= hours),
        ]
    )  # fmt: skip


def _future(index: int):
    from django.utils import timezone

    # One hour apart: never overlapping, always bookable (within a year).
    return timezone.now().replace(microsecond=0) + timedelta(days=1, hours=index)


def _post(http: httpx.Client, path: str, cookie: dict[str, str]) -> None:
    response = http.post(path, cookies=cookie, headers=post_headers(cookie))
    if response.status_code != 302:
        raise RuntimeError(f"POST {path} answered {response.status_code}")


def _wait(stack: Stack, done, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        stack.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not finish the step in time")
        time.sleep(0.02)


if __name__ == "__main__":
    raise SystemExit(main())
