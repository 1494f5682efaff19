"""Chaos run: session lifecycles against a faulty Zoom while task workers are killed at random.

    .venv/bin/python bench/chaos.py --peers 20 --lifecycles 1000 --workers 3

On a scratch PostgreSQL database (dropped and created again: ``peerakeet_chaos`` on the server of
``DATABASE_URL``, loopback only), it starts the Zoom emulator (in this process), a Peerakeet web
server (``runserver``, for the signed Marketplace-removal webhooks) and ``--workers`` real
``manage.py db_worker`` processes, connects every peer through the real OAuth code exchange, then
drives session lifecycles through ``scheduling.services`` (create, request, accept, decline,
cancel, manual link set and cleared) and Zoom connection changes (disconnect, Marketplace removal,
reconnect) while the emulator injects 5xx, timeouts, 429s and lost create/delete responses by
probability, and a worker is SIGKILLed at random moments and started again. The stale-work sweep
runs every few seconds, as production runs ``manage.py sweep_sessions``: it also queues the
session reminders that are due, and queues again the tasks a killed worker left "running" (as
``requeue_lost_tasks`` does ten minutes on; here at once, for the workers the run killed).

Reminders are counted too: each peer has sessions placed a few seconds past the start of a
reminder's band (24 hours, 1 hour, the join window before the start), so that reminder comes due
during the run; some are kept, some cancelled (at a random moment before or after the reminder
is due), and some moved: booked minutes later in the band, then brought forward so that the new
time's reminder comes due. Every email the workers send is written to a file
(bench/chaos_settings.py) and counted: each due reminder exactly once per session, person, kind
and time, none for a cancelled session after its cancellation, none of a moved session's old
time, none for a session not due, none lost with a killed worker.

At the end it clears the faults, waits for quiescence, and checks Peerakeet against the emulator's
own state (docs/reliability.md lists the invariants). Exit status 0 only if every one holds.
Nothing printed contains a token.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CLIENT_ID = "peerakeet-chaos"
LIFECYCLES = {  # kind: weight
    "book_keep": 3,
    "book_cancel": 3,
    "request_accept": 2,
    "request_accept_cancel": 2,
    "request_decline": 2,
    "request_withdraw": 1,
    "link_swap": 3,
    "manual_from_start": 1,
}
# Lost responses only where Peerakeet can reconcile: a create (listed by its reference) and a
# delete (a second delete answers 3001). A lost /oauth/token answer cannot be survived by any
# client: Zoom has already rotated the refresh token (zoom-api.md §1, docs/reliability.md).
LOST_RESPONSE_ENDPOINTS = ("create_meeting", "delete_meeting")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--peers", type=int, default=20)
    add("--participants", type=int, default=0, help="default: half the peers, at least 4")
    add("--lifecycles", type=int, default=1000)
    add("--workers", type=int, default=3)
    add("--seed", type=int, default=None)
    add("--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1"))
    add("--database-name", default="peerakeet_chaos")
    add("--fault-rate", type=float, default=1.0, help="scales every fault probability")
    add("--http-timeout", type=float, default=1.0, help="ZOOM_HTTP_TIMEOUT of every process")
    add("--hold", type=float, default=2.0, help="seconds a 'timeout' fault holds the request")
    add("--kill-every", type=float, default=4.0, help="mean seconds between worker kills")
    add("--sweep-every", type=float, default=3.0)
    add("--stale-after", type=float, default=10.0, help="sweep_stale_work(older_than=…) seconds")
    add("--peer-event-every", type=float, default=2.0, help="mean seconds between Zoom changes")
    add("--concurrency", type=int, default=40, help="lifecycles in flight at once")
    add("--step-gap", type=float, default=4.0, help="most seconds between a lifecycle's steps")
    add("--access-token-ttl", type=int, default=420, help="emulator access-token lifetime (s)")
    add("--max-seconds", type=float, default=900.0, help="bound on the driving phase")
    add("--drain-seconds", type=float, default=300.0, help="bound on waiting for quiescence")
    add("--reminder-lead", type=float, default=10.0, help="most seconds until a reminder is due")
    add("--keep-logs", action="store_true")
    return parser.parse_args(argv)


# --- Processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scratch_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the (loopback) server; its URL."""
    import psycopg

    parsed = urlparse(server_url)
    if parsed.hostname not in LOOPBACK:
        raise SystemExit(f"refusing a database that is not on this machine: {parsed.hostname}")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bad database name {name!r}")
    base = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0
    kills: int = 0
    ids: dict[int, str] = field(default_factory=dict)  # process id: worker id
    dead: set[str] = field(default_factory=set)  # worker ids of the workers that died
    _logs: list[Any] = field(default_factory=list)

    def _spawn(self, args: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        return subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, stdout=log, stderr=log
        )

    def start_web(self, port: int) -> None:
        self.web = self._spawn(["runserver", f"127.0.0.1:{port}", "--noreload"], "web", self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/accounts/sign-in/", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            if self.web.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the web server did not start; see {self.log_dir / 'web.log'}")

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.started += 1
        worker_id = f"chaos-{self.started}-{secrets.token_hex(3)}"
        args = ["db_worker", "--interval", "0.05", "--no-reload", "--no-startup-delay"]
        worker = self._spawn([*args, "--worker-id", worker_id], f"worker-{self.started}", self.env)
        self.workers.append(worker)
        self.ids[worker.pid] = worker_id
        return worker

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL a random worker mid-whatever, and start a new one in its place."""
        alive = [w for w in self.workers if w.poll() is None]
        if not alive:
            return
        victim = rng.choice(alive)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.workers.remove(victim)
        self.dead.add(self.ids[victim.pid])
        self.kills += 1
        self.start_worker()

    def keep_workers(self, count: int) -> None:
        """A worker that died on its own is replaced too (and counted, as a crash)."""
        for worker in [w for w in self.workers if w.poll() is not None]:
            self.workers.remove(worker)
            self.dead.add(self.ids[worker.pid])
        while len(self.workers) < count:
            self.start_worker()

    def stop(self) -> None:
        for proc in [*self.workers, *([self.web] if self.web else [])]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, *([self.web] if self.web else [])]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for log in self._logs:
            log.close()


# --- The world the driver keeps in its head ------------------------------------------------------


@dataclass
class PeerState:
    user: Any
    zoom_user_id: str
    other_zoom_user_id: str  # the peer's second Zoom account, for account switches
    connected: bool = False
    reconnect_at: float | None = None
    next_slot: int = 0
    switching: bool = False  # reconnecting as the other account, then confirming the move


@dataclass
class Tally:
    lifecycles: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    link_clears: Counter[int] = field(default_factory=Counter)
    zoom_changes: Counter[str] = field(default_factory=Counter)
    connect_retries: int = 0
    sweeps: Counter[str] = field(default_factory=Counter)
    reminder_fates: Counter[str] = field(default_factory=Counter)


@dataclass
class ReminderSession:
    """A session placed to be reminded during the run, and what the driver did to it."""

    pk: int
    kind: str
    before: timedelta
    fate: str  # keep, move, cancel
    old_starts_at: datetime | None = None
    moved_at: datetime | None = None
    cancelled_at: datetime | None = None


class Driver:
    def __init__(self, args: argparse.Namespace, control: Any, rng: random.Random) -> None:
        from accounts.models import User
        from accounts.services import certification_grant

        self.args, self.control, self.rng = args, control, rng
        self.tally = Tally()
        self.reminded: list[ReminderSession] = []
        self.base = _now() + timedelta(days=2)
        participants = args.participants or max(4, args.peers // 2)
        self.participants = [
            User.objects.create_user(
                f"participant{i}@chaos.example", None, display_name=f"Participant {i}"
            )
            for i in range(participants)
        ]
        self.peers: list[PeerState] = []
        for i in range(args.peers):
            user = User.objects.create_user(
                f"peer{i}@chaos.example", None, display_name=f"Peer {i}"
            )
            certification_grant(user=user, by=None)
            zoom, other = (
                control.add_user(
                    f"peer{i}{suffix}@zoom.chaos.example",
                    first_name="Peer",
                    last_name=str(i),
                    type=2,
                )
                for suffix in ("", "-other")
            )
            self.peers.append(PeerState(user, zoom["id"], other["id"]))

    # Zoom connection changes, through zoom.services and the emulator's Marketplace.

    def connect(self, peer: PeerState) -> bool:
        from django.conf import settings

        from zoom.client import ZoomError
        from zoom.services import connection_complete, oauth_begin

        for _ in range(10):
            start = oauth_begin()
            query = parse_qs(urlparse(start.authorize_url).query)
            code = self.control.authorize(
                peer.zoom_user_id,
                redirect_uri=settings.ZOOM_REDIRECT_URI,
                state=start.state,
                code_challenge=query["code_challenge"][0],
                code_challenge_method="S256",
            )
            try:
                connection_complete(peer=peer.user, code=code, code_verifier=start.code_verifier)
            except ZoomError:  # a fault on the exchange or /users/me: the peer clicks again
                self.tally.connect_retries += 1
                time.sleep(0.1)
                continue
            peer.connected, peer.reconnect_at = True, None
            return True
        return False

    def zoom_change(self) -> None:
        """A connected peer disconnects, or removes the app in the Marketplace; either way they
        come back a few seconds later (unless the run ends first)."""
        from zoom.services import connection_disconnect

        connected = [p for p in self.peers if p.connected]
        if not connected:
            return
        peer = self.rng.choice(connected)
        draw = self.rng.random()
        if draw < 0.25:
            # The peer moves to their other Zoom account: disconnect, connect it, confirm.
            connection_disconnect(peer=peer.user)
            peer.zoom_user_id, peer.other_zoom_user_id = peer.other_zoom_user_id, peer.zoom_user_id
            peer.switching = True
            self.tally.zoom_changes["account_switch"] += 1
        elif draw < 0.6:
            connection_disconnect(peer=peer.user)
            self.tally.zoom_changes["disconnect"] += 1
        else:
            # The real signed webhook, delivered by the emulator to the running web server.
            self.control.deauthorize(peer.zoom_user_id)
            self.tally.zoom_changes["marketplace_removal"] += 1
        peer.connected = False
        peer.reconnect_at = time.monotonic() + self.rng.uniform(1.0, 6.0)

    def reconnect_due(self) -> None:
        from scheduling import services

        for peer in self.peers:
            due = peer.reconnect_at is not None and peer.reconnect_at <= time.monotonic()
            if due and self.connect(peer):
                self.tally.zoom_changes["reconnect"] += 1
                if peer.switching:
                    left = services.zoom_account_switch(peer=peer.user)
                    self.tally.zoom_changes["meetings_left_on_old_accounts"] += len(left)
                    peer.switching = False

    # Session lifecycles, through scheduling.services.

    def slot(self, peer: PeerState) -> datetime:
        peer.next_slot += 1
        return self.base + timedelta(hours=peer.next_slot)

    def lifecycle(self) -> Iterator[float]:
        from scheduling import services

        kind = self.rng.choices(list(LIFECYCLES), weights=list(LIFECYCLES.values()))[0]
        peer = self.rng.choice(self.peers)
        person = self.rng.choice(self.participants)
        modality = self.rng.choice(["video", "audio"])
        gap = self.gap
        if kind.startswith("request"):
            session = self.step(
                "request",
                lambda: services.session_request(
                    participant=person,
                    peer=peer.user,
                    starts_at=self.slot(peer),
                    duration_minutes=50,
                    modality=modality,
                ),
            )
            yield gap()
            if kind == "request_withdraw":
                self.step("cancel", lambda: services.session_cancel(session=session, by=person))
            elif kind == "request_decline":
                self.step(
                    "decline", lambda: services.session_decline(session=session, by=peer.user)
                )
            else:
                self.step("accept", lambda: services.session_accept(session=session, by=peer.user))
                if kind == "request_accept_cancel":
                    yield gap()
                    who = self.rng.choice([person, peer.user])
                    self.step("cancel", lambda: services.session_cancel(session=session, by=who))
            return
        manual = "https://whereby.com/room" if kind == "manual_from_start" else ""
        session = self.step(
            "create",
            lambda: services.session_create(
                peer=peer.user,
                participant=person,
                starts_at=self.slot(peer),
                duration_minutes=50,
                modality=modality,
                manual_link=manual,
            ),
        )
        yield gap()
        if kind == "book_cancel":
            who = self.rng.choice([person, peer.user])
            self.step("cancel", lambda: services.session_cancel(session=session, by=who))
        elif kind in ("link_swap", "manual_from_start"):
            if kind == "link_swap":
                self.set_link(session, peer, "https://whereby.com/swap")
                yield gap()
            self.set_link(session, peer, "")
            if self.rng.random() < 0.3:
                yield gap()
                self.set_link(session, peer, "https://whereby.com/again")

    def gap(self) -> float:
        return self.rng.uniform(0.3, self.args.step_gap)

    def reminder_lifecycles(self) -> list[Iterator[float]]:
        """Each peer: a session reminded a day before, and one reminded an hour before or when
        its join window opens (the bands do not overlap, so neither do the sessions); fates in
        turn: kept, moved, cancelled."""
        from scheduling.reminders import reminders

        join, hour, day = reminders()
        fates = itertools.cycle(["keep", "move", "cancel"])
        return [
            self.reminder_lifecycle(peer, band, next(fates), i)
            for i, peer in enumerate(self.peers)
            for band in (day, join if i % 2 == 0 else hour)
        ]

    def reminder_lifecycle(self, peer: PeerState, band: Any, fate: str, i: int) -> Iterator[float]:
        from scheduling import services

        def soon() -> datetime:
            """A start a few seconds past the band's: due in a few seconds."""
            lead = self.rng.uniform(2.0, self.args.reminder_lead)
            return _now() + band.before + timedelta(seconds=lead)

        # A session to be moved starts minutes later, and its move brings its reminder forward:
        # the old time is never due during the run (a reminder's event is its start minute, so
        # a move by seconds would be the same reminder), and the new time is.
        later = _now() + band.before + timedelta(minutes=self.rng.uniform(3.0, 6.0))
        person = self.participants[i % len(self.participants)]
        session = self.step(
            "remind_create",
            lambda: services.session_create(
                peer=peer.user, participant=person,
                starts_at=later if fate == "move" else soon(), duration_minutes=30,
                modality="video", manual_link="https://whereby.com/remind",
            ),
        )  # fmt: skip
        record = ReminderSession(session.pk, band.kind, band.before, fate)
        self.reminded.append(record)
        self.tally.reminder_fates[fate] += 1
        due = session.starts_at - band.before
        if fate == "cancel":
            # Before or after the reminder is due (and perhaps while it is being sent).
            yield self.rng.uniform(0.0, (due - _now()).total_seconds() + 3.0)
            self.step("remind_cancel", lambda: services.session_cancel(session=session, by=person))
            record.cancelled_at = _now()
            return
        if fate == "move":
            yield self.rng.uniform(0.0, self.args.reminder_lead)
            record.old_starts_at = session.starts_at
            session = self.step(
                "remind_move",
                lambda: services.session_reschedule(
                    session=session, by=peer.user, starts_at=soon()
                ),
            )
            record.moved_at = _now()
            due = session.starts_at - band.before
        # The drive lasts until it is due; the sweep queues it, a worker sends it.
        yield max(0.0, (due - _now()).total_seconds()) + 1.0

    def set_link(self, session: Any, peer: PeerState, link: str) -> None:
        from scheduling import services

        self.step(
            "link_set" if link else "link_clear",
            lambda: services.session_set_manual_link(session=session, by=peer.user, link=link),
        )
        if not link:
            self.tally.link_clears[session.pk] += 1

    def step(self, name: str, action: Any) -> Any:
        from scheduling.services import SessionError

        try:
            result = action()
        except SessionError as error:  # the driver only asks for legal changes: report it
            self.tally.refusals[f"{name}:{error.code}"] += 1
            raise
        self.tally.steps[name] += 1
        return result


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


# --- Driving -----------------------------------------------------------------------------------


class Every:
    """Fires roughly every ``mean`` seconds (exponential gaps), never in a burst."""

    def __init__(self, mean: float, rng: random.Random) -> None:
        self.mean, self.rng = mean, rng
        self.due = time.monotonic() + rng.expovariate(1 / mean) if mean > 0 else float("inf")

    def fire(self) -> bool:
        if time.monotonic() < self.due:
            return False
        self.due = time.monotonic() + max(0.2, self.rng.expovariate(1 / self.mean))
        return True


def inject_faults(control: Any, args: argparse.Namespace) -> None:
    rate = args.fault_rate
    for kind, probability in (("500", 0.03), ("503", 0.03), ("429", 0.04), ("timeout", 0.015)):
        control.inject_fault(
            "*", kind, probability=min(1.0, probability * rate), hold_seconds=args.hold
        )
    for endpoint in LOST_RESPONSE_ENDPOINTS:
        control.inject_fault(endpoint, "lost_response", probability=min(1.0, 0.06 * rate))
    # Zoom refuses the create itself (3161): the session fails until it is tried again.
    control.inject_fault("create_meeting", "3161", probability=min(1.0, 0.02 * rate))


def sweep(
    tally: Tally, stack: Stack, older_than: float, *, retry_failed: bool = False
) -> tuple[int, int]:
    """The minute sweep. ``retry_failed``: as if a day had passed, failed sessions are tried
    again (the drain does it, once Zoom has stopped refusing)."""
    from scheduling.reminders import queue_due_reminders
    from scheduling.sweep import retry_failed_meetings, sweep_stale_work, sweep_waiting_moves

    tally.sweeps["tasks_lost_requeued"] += requeue_dead_workers_tasks(stack)
    tally.sweeps["reminders_queued"] += queue_due_reminders()
    provisions, removals = sweep_stale_work(older_than=timedelta(seconds=older_than))
    tally.sweeps["provisions_requeued"] += provisions
    tally.sweeps["removals_requeued"] += removals
    tally.sweeps["moves_sent"] += sweep_waiting_moves(older_than=timedelta(seconds=older_than))
    if retry_failed:
        retried = retry_failed_meetings(every=timedelta(0))
        tally.sweeps["failed_retried"] += retried
        provisions += retried
    tally.sweeps["runs"] += 1
    return provisions, removals


def requeue_dead_workers_tasks(stack: Stack) -> int:
    """Tasks a killed worker left "running": production's sweep queues them again once they are
    ten minutes old (``requeue_lost_tasks``). The run knows which workers it killed, so it makes
    exactly those look ten minutes old and lets the same function queue them again."""
    from django.db.models.functions import Now
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from scheduling.sweep import LOST_AFTER, requeue_lost_tasks

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    lost = [
        run.pk
        for run in running.only("worker_ids")
        if run.worker_ids and run.worker_ids[-1] in stack.dead
    ]
    if not lost:
        return 0
    DBTaskResult.objects.filter(pk__in=lost, status=TaskResultStatus.RUNNING).update(
        started_at=Now() - LOST_AFTER * 2
    )
    return requeue_lost_tasks()


def drive(driver: Driver, stack: Stack, args: argparse.Namespace, rng: random.Random) -> bool:
    """Run every lifecycle (interleaved) under chaos; False if the time bound cut it short."""
    from scheduling.services import SessionError

    deadline = time.monotonic() + args.max_seconds
    queue: list[tuple[float, int, Iterator[float]]] = []
    started = 0
    for seq, reminded in enumerate(driver.reminder_lifecycles(), start=args.lifecycles + 1):
        heapq.heappush(queue, (time.monotonic(), seq, reminded))
    kills, sweeps, changes = (
        Every(args.kill_every, rng),
        Every(args.sweep_every, rng),
        Every(args.peer_event_every, rng),
    )
    while (started < args.lifecycles or queue) and time.monotonic() < deadline:
        now = time.monotonic()
        in_flight = sum(1 for _, seq, _ in queue if seq <= args.lifecycles)  # reminders apart
        while started < args.lifecycles and in_flight < args.concurrency:
            in_flight += 1
            started += 1
            heapq.heappush(queue, (now, started, driver.lifecycle()))
        while queue and queue[0][0] <= now:
            _, seq, steps = heapq.heappop(queue)
            try:
                wait = next(steps)
            except StopIteration:
                driver.tally.lifecycles += seq <= args.lifecycles  # not the reminder ones
                continue
            except SessionError:  # counted by Driver.step; the lifecycle ends there
                continue
            heapq.heappush(queue, (now + wait, seq, steps))
        if kills.fire():
            stack.kill_one(rng)
        stack.keep_workers(args.workers)
        if sweeps.fire():
            sweep(driver.tally, stack, args.stale_after)
        if changes.fire():
            driver.zoom_change()
        driver.reconnect_due()
        time.sleep(0.01)
    return started >= args.lifecycles and not queue


def drain(driver: Driver, stack: Stack, args: argparse.Namespace) -> bool:
    """Faults off, kills stopped: wait until nothing is left to do. Retries scheduled minutes
    ahead (backoff, Retry-After) are brought forward, as tests/worker.py does: the run controls
    time. Leases (90 s) are honoured."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from scheduling.models import SupportSession, ZoomMeeting

    deadline = time.monotonic() + args.drain_seconds
    quiet = 0
    while time.monotonic() < deadline:
        stack.keep_workers(args.workers)
        DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
            run_after=timezone.now()
        )
        requeued = sweep(driver.tally, stack, older_than=3.0, retry_failed=True)
        busy = {
            "ready tasks": DBTaskResult.objects.filter(status="READY").count(),
            "requeued": sum(requeued),
            "pending sessions": SupportSession.objects.filter(
                status=SupportSession.Status.CONFIRMED,
                provisioning=SupportSession.Provisioning.PENDING,
            ).count(),
            "pending removals": ZoomMeeting.objects.filter(
                removed_at__isnull=True, removal_requested_at__isnull=False, removal_failed=""
            ).count(),
            "webhooks in flight": sum(
                1 for d in driver.control.webhook_deliveries() if d["status"] == "pending"
            ),
        }
        quiet = quiet + 1 if not any(busy.values()) else 0
        if quiet >= 3:
            return True
        time.sleep(1.0)
    print(f"not quiet after {args.drain_seconds:.0f} s: {busy}", flush=True)
    return False


# --- Checking against Zoom's own state ----------------------------------------------------------


@dataclass
class Findings:
    created: int = 0
    deleted: int = 0
    duplicated: int = 0
    recreated_after_link_cycle: int = 0
    orphaned: int = 0
    missing: int = 0
    excused_removal_failed: int = 0
    excused_uncertain: int = 0
    left_on_old_accounts: int = 0
    db_mismatch: int = 0
    grants_lost: int = 0
    failed_tasks: int = 0
    tasks_lost_with_a_worker: int = 0
    reminders_due: int = 0
    reminder_emails: int = 0
    reminders_duplicated: int = 0
    reminders_missing: int = 0
    reminders_after_cancel: int = 0
    reminders_for_old_time: int = 0
    reminders_not_due: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < 40:
            self.problems.append(text)


def check(driver: Driver) -> Findings:
    from django_tasks_db.models import DBTaskResult

    from scheduling.meetings import agenda_for
    from scheduling.models import SupportSession, ZoomMeeting
    from scheduling.sweep import WorkerLost
    from zoom.models import ZoomConnection

    found = Findings()
    meetings = driver.control.meetings()
    found.created = len(meetings)
    found.deleted = sum(1 for m in meetings if m.get("deleted_at"))
    by_agenda: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for meeting in meetings:
        by_agenda[str(meeting.get("agenda") or "")].append(meeting)
    connected = set(
        ZoomConnection.objects.filter(state=ZoomConnection.State.CONNECTED).values_list(
            "peer_id", flat=True
        )
    )
    known = set()
    left = set(
        ZoomMeeting.objects.filter(left_on_old_account_at__isnull=False).values_list(
            "zoom_meeting_id", flat=True
        )
    )
    now_on = dict(ZoomConnection.objects.values_list("peer_id", "zoom_user_id"))
    for session in SupportSession.objects.all():
        agenda = agenda_for(session)
        known.add(agenda)
        made = sorted(by_agenda.get(agenda, []), key=lambda m: str(m.get("created_at")))
        # Meetings left in an account the peer moved away from are listed to the peer to delete
        # there (Peerakeet cannot reach them): by id, or as "perhaps" for a lost create.
        elsewhere = [
            m
            for m in made
            if int(m["id"]) in left
            or (
                session.maybe_left_on_old_account_at is not None
                and m.get("host_id") != now_on.get(session.peer_id)
            )
        ]
        found.left_on_old_accounts += sum(1 for m in elsewhere if not m.get("deleted_at"))
        made = [m for m in made if m not in elsewhere]
        _check_creates(found, session, made, driver.tally.link_clears[session.pk])
        live = [m for m in made if not m.get("deleted_at")]
        db_live = ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).first()
        peer_connected = session.peer_id in connected
        if session.wants_zoom_meeting() and session.modality in ("video", "audio"):
            if peer_connected and not live:
                found.missing += 1
                found.problem(
                    f"session {session.pk} ({session.provisioning}) has no meeting in Zoom"
                )
            elif len(live) > 1:
                found.duplicated += len(live) - 1
                found.problem(f"session {session.pk} has {len(live)} live meetings in Zoom")
            elif live and db_live is None and not peer_connected and session.create_started_at:
                # A create whose answer was lost while the peer then left Zoom: Peerakeet knows
                # a meeting may exist and adopts it (by its reference) when the peer reconnects.
                found.excused_uncertain += 1
            elif live and (db_live is None or db_live.zoom_meeting_id != int(live[0]["id"])):
                found.db_mismatch += 1
                found.problem(f"session {session.pk}: Zoom's live meeting is not the one stored")
            continue
        for meeting in live:
            row = ZoomMeeting.objects.filter(
                session=session, zoom_meeting_id=int(meeting["id"])
            ).first()
            recorded = (row is not None and row.removal_failed) or (
                # A create whose answer was lost, that could not be looked for because Zoom is
                # no longer connected: the session says "could not be removed — delete it in Zoom".
                row is None and session.create_started_at is not None
            )
            if recorded and not peer_connected:
                found.excused_removal_failed += 1
                continue
            found.orphaned += 1
            why = f"removal_failed={row.removal_failed!r}" if row else "no record in Peerakeet"
            found.problem(
                f"session {session.pk} ({session.status}, link={bool(session.manual_link)}, "
                f"peer connected={peer_connected}) keeps live Zoom meeting: {why}"
            )
    for agenda, made in by_agenda.items():
        if agenda not in known:
            found.orphaned += sum(1 for m in made if not m.get("deleted_at"))
            found.problem(f"meetings in Zoom for no session: {agenda!r}")
    # A run lost with a killed worker is marked failed (WorkerLost) when it is queued again: that
    # is the sweep doing its work, not a failure; what the queued copy did is counted as usual.
    lost = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
    failed_runs = DBTaskResult.objects.filter(status="FAILED")
    found.tasks_lost_with_a_worker = failed_runs.filter(exception_class_path=lost).count()
    found.failed_tasks = failed_runs.exclude(exception_class_path=lost).count()
    for failed in failed_runs.exclude(exception_class_path=lost)[:3]:
        found.problem(f"task {failed.task_path} failed: {failed.exception_class_path}")
    _check_grants(found, driver)
    return found


def check_reminders(found: Findings, driver: Driver, mail_dir: Path) -> None:
    """Every reminder email the workers sent, against what was due: exactly once per session,
    person, kind and session time; none for a cancelled session once cancelled, none for a moved
    session's old time once moved, none for a session that was not due; none lost."""
    from scheduling.models import Notification, SentReminder, SupportSession
    from scheduling.notifications import REMINDERS, SUBJECTS, start_minute

    kind_of = {SUBJECTS[kind]: str(kind) for kind in REMINDERS}
    emails = Counter(
        (to, pk, kind_of[subject], when)
        for to, pk, subject, when in read_mails(mail_dir)
        if subject in kind_of
    )
    found.reminder_emails = sum(emails.values())
    for key, count in emails.items():
        if count > 1:
            found.reminders_duplicated += count - 1
            found.problem(f"reminder {key[2]} of session {key[1]} sent {count} times to one person")
    sent = Notification.objects.filter(kind__in=REMINDERS, sent_at__isnull=False)
    if sent.count() != found.reminder_emails:
        found.problem(f"{sent.count()} reminders recorded sent, {found.reminder_emails} emails")
    placed = {r.pk: r for r in driver.reminded}
    found.reminders_not_due = sent.exclude(session_id__in=placed).count()
    now = _now()
    for record in driver.reminded:
        session = SupportSession.objects.select_related("peer", "participant").get(pk=record.pk)
        mine = sent.filter(session=session, kind=record.kind)
        if record.cancelled_at is not None:
            late = mine.filter(sent_at__gt=record.cancelled_at).count()
            found.reminders_after_cancel += late
            if late:
                found.problem(f"session {session.pk} was reminded after it was cancelled")
            continue
        if record.moved_at is not None and record.old_starts_at is not None:
            # Minutes away when it was moved, the old time was never due during the run.
            old = start_minute(SupportSession(starts_at=record.old_starts_at))
            late = mine.filter(sequence=old).count()
            found.reminders_for_old_time += late
            if late:
                found.problem(f"session {session.pk} was reminded of its old time")
        if session.starts_at <= now:
            continue  # started: a reminder not sent by now is rightly never sent
        for person in (session.peer, session.participant):
            found.reminders_due += 1
            recorded = SentReminder.objects.filter(
                session=session, person=person, kind=record.kind, starts_at=session.starts_at
            ).count()
            delivered = mine.filter(recipient=person, sequence=start_minute(session)).count()
            if recorded != 1 or delivered != 1:
                found.reminders_missing += 1
                found.problem(
                    f"session {session.pk} ({record.fate}): {record.kind} to person {person.pk} "
                    f"recorded {recorded} time(s), sent {delivered}"
                )


def read_mails(mail_dir: Path) -> Iterator[tuple[str, int, str, str]]:
    """(to, session id, subject, the "When:" line) of each email in Django's file backend's
    files (messages separated by a line of 79 dashes)."""
    import email
    import re

    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for chunk in path.read_text().split("-" * 79 + "\n"):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk)
            body = ""
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)
                    body += payload.decode() if isinstance(payload, bytes) else str(payload)
            page = re.search(r"/sessions/(\d+)/", body)
            when = re.search(r"^When: (.*)$", body, re.MULTILINE)
            if page:
                yield (
                    str(message["To"]),
                    int(page.group(1)),
                    str(message["Subject"]),
                    when.group(1) if when else "",
                )


def _check_creates(
    found: Findings, session: Any, made: list[dict[str, Any]], link_clears: int
) -> None:
    """A reference may get a second meeting only after the first was removed on purpose: a
    manual link set, then cleared. Anything beyond that is a duplicate."""
    allowed = link_clears
    for earlier, later in itertools.pairwise(made):
        removed_first = earlier.get("deleted_at") and str(earlier["deleted_at"]) <= str(
            later.get("created_at")
        )
        if allowed > 0 and removed_first:
            allowed -= 1
            found.recreated_after_link_cycle += 1
        else:
            found.duplicated += 1
            found.problem(f"session {session.pk} had a second meeting created ({len(made)} total)")


def _check_grants(found: Findings, driver: Driver) -> None:
    """Every peer the driver left connected is connected, and its grant still refreshes."""
    from zoom import tokens
    from zoom.client import ZoomError
    from zoom.models import ZoomConnection

    for peer in driver.peers:
        connection = ZoomConnection.objects.filter(peer=peer.user).first()
        state = connection.state if connection else "none"
        if not peer.connected:
            if state == ZoomConnection.State.CONNECTED:
                found.problem(f"peer {peer.user.pk} is connected though it left")
            continue
        if connection is None or state != ZoomConnection.State.CONNECTED:
            found.grants_lost += 1
            found.problem(f"peer {peer.user.pk} should be connected but is {state}")
            continue
        try:
            tokens.refresh_idle(connection.pk, idle_before=_now() + timedelta(days=1))
            tokens.call_zoom(connection.pk, lambda api: api.me())
        except ZoomError as exc:
            found.grants_lost += 1
            found.problem(f"peer {peer.user.pk}'s grant no longer refreshes: {type(exc).__name__}")


# --- Report ------------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    driver: Driver,
    stack: Stack,
    found: Findings,
    timings: dict[str, float],
    *,
    completed: bool,
    quiet: bool,
) -> bool:
    calls = driver.control.calls()
    faults = Counter(str(c["fault"]) for c in calls if c.get("fault"))
    tally = driver.tally
    ok = (
        completed
        and quiet
        and not tally.refusals
        and found.duplicated == found.orphaned == found.missing == 0
        and found.db_mismatch == found.grants_lost == found.failed_tasks == 0
        and found.reminders_duplicated == found.reminders_missing == 0
        and found.reminders_after_cancel == found.reminders_for_old_time == 0
        and found.reminders_not_due == 0
        and found.reminders_due > 0
    )
    rows = [
        ("command", " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])),
        ("seed", args.seed),
        ("peers / participants", f"{len(driver.peers)} / {len(driver.participants)}"),
        ("lifecycles completed", f"{tally.lifecycles} of {args.lifecycles}"),
        ("service steps", dict(sorted(tally.steps.items()))),
        ("refused steps (should be none)", dict(tally.refusals) or 0),
        ("zoom changes", dict(sorted(tally.zoom_changes.items()))),
        ("connect retries (faults on exchange)", tally.connect_retries),
        ("zoom calls", len(calls)),
        ("faults injected", dict(sorted(faults.items())) or 0),
        ("faults injected, total", sum(faults.values())),
        ("workers (kept running) / killed", f"{args.workers} / {stack.kills}"),
        ("sweeps / re-queued", dict(tally.sweeps)),
        ("meetings created", found.created),
        ("meetings deleted", found.deleted),
        ("re-created after a manual link cycle (legitimate)", found.recreated_after_link_cycle),
        ("meetings duplicated", found.duplicated),
        ("meetings orphaned", found.orphaned),
        ("meetings missing", found.missing),
        ("live, recorded 'could not be removed' (grant gone)", found.excused_removal_failed),
        ("live, to adopt on reconnect (lost create, peer gone)", found.excused_uncertain),
        ("live in an account the peer moved from (listed to them)", found.left_on_old_accounts),
        ("stored meeting differs from Zoom's", found.db_mismatch),
        ("grants lost", found.grants_lost),
        ("failed tasks", found.failed_tasks),
        ("tasks lost with a killed worker (queued again)", found.tasks_lost_with_a_worker),
        ("reminder sessions kept / moved / cancelled", dict(tally.reminder_fates)),
        ("reminders due (session, person)", found.reminders_due),
        ("reminder emails sent", found.reminder_emails),
        ("reminders sent twice", found.reminders_duplicated),
        ("reminders missing", found.reminders_missing),
        ("reminders after a cancellation", found.reminders_after_cancel),
        ("reminders of a moved session's old time", found.reminders_for_old_time),
        ("reminders for a session not due", found.reminders_not_due),
        ("quiescent", quiet),
        ("wall time", " ".join(f"{k} {v:.1f}s" for k, v in timings.items())),
        ("result", "PASS" if ok else "FAIL"),
    ]
    width = max(len(label) for label, _ in rows)
    print("\nChaos run", flush=True)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    for problem in found.problems:
        print(f"  ! {problem}")
    return ok


# --- Main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    rng = random.Random(args.seed)
    random.seed(args.seed)
    t0 = time.monotonic()
    log_dir = Path(tempfile.mkdtemp(prefix="peerakeet-chaos-"))
    database_url = scratch_database(args.database_url, args.database_name)
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    secrets_env = {
        "ZOOM_CLIENT_SECRET": secrets.token_urlsafe(24),
        "ZOOM_WEBHOOK_SECRET_TOKEN": secrets.token_urlsafe(24),
    }
    sys.path.insert(0, str(ROOT))
    from peerakeet.lib.crypto import new_key_entry
    from zoom_emulator.config import EmulatorConfig
    from zoom_emulator.testing import EmulatorServer

    redirect_uri = f"{web_url}/integrations/zoom/callback"
    emulator = EmulatorServer(
        EmulatorConfig(
            client_id=CLIENT_ID,
            client_secret=secrets_env["ZOOM_CLIENT_SECRET"],
            redirect_uris=[redirect_uri],
            webhook_url=f"{web_url}/integrations/zoom/webhook",
            webhook_secret=secrets_env["ZOOM_WEBHOOK_SECRET_TOKEN"],
            webhook_retry_scale=0.001,
            access_token_ttl=args.access_token_ttl,
            daily_limits=False,  # a 429 until 00:00 UTC would outlast any bounded run
        )
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
        **secrets_env,
        "PEERAKEET_ENV": "development",
        "DATABASE_URL": database_url,
        "PEERAKEET_BASE_URL": web_url,
        "ZOOM_OAUTH_URL": emulator.oauth_url,
        "ZOOM_API_URL": emulator.api_url,
        "ZOOM_CLIENT_ID": CLIENT_ID,
        "ZOOM_REDIRECT_URI": redirect_uri,
        "ZOOM_HTTP_TIMEOUT": str(args.http_timeout),
        "PEERAKEET_TOKEN_KEYS": new_key_entry("chaos1"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        # Every email to a file, to count the reminders (check_reminders).
        "DJANGO_SETTINGS_MODULE": "bench.chaos_settings",
        "CHAOS_MAIL_DIR": str(log_dir / "mail"),
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    # The emulator's lost responses make uvicorn log an error each time: expected, not news.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    stack = Stack(env=env, log_dir=log_dir)
    ok = False
    try:
        emulator.start()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        stack.start_web(web_port)
        control = emulator.control()
        driver = Driver(args, control, rng)
        for peer in driver.peers:
            if not driver.connect(peer):
                raise RuntimeError("a peer could not connect before any fault was injected")
        stack.keep_workers(args.workers)
        inject_faults(control, args)
        t1 = time.monotonic()
        print(
            f"chaos: seed {args.seed}, {args.peers} peers, {args.lifecycles} lifecycles, "
            f"{args.workers} workers, logs in {log_dir}",
            flush=True,
        )
        completed = drive(driver, stack, args, rng)
        t2 = time.monotonic()
        control.clear_faults()
        quiet = drain(driver, stack, args)
        t3 = time.monotonic()
        found = check(driver)
        check_reminders(found, driver, log_dir / "mail")
        timings = {
            "setup": t1 - t0,
            "drive": t2 - t1,
            "drain": t3 - t2,
            "total": time.monotonic() - t0,
        }
        ok = report(args, driver, stack, found, timings, completed=completed, quiet=quiet)
    finally:
        stack.stop()
        emulator.stop()
        from django.db import connections

        connections.close_all()
        if ok and not args.keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
