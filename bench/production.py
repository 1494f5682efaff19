"""The production-shaped run (issue 20): nginx in front of two gunicorn instances, Redis,
PostgreSQL and four task_worker processes, loaded by users while Zoom lifecycles run and a web
instance and a worker are killed (SIGKILL) and started again.

Everything listens on 127.0.0.1: nginx (Debian's, config generated into a temporary directory,
run in the foreground), gunicorn A and B on two ports as two machines would be, the Zoom
emulator (``--latency`` ms per create and delete). All loops are bounded by ``--max-seconds``.

- Users: threads load the Zoom status pill and the Schedule page (signed-in peers, session cookie)
  and the API (``GET /api/v1/me`` with bearer tokens, each token well under its limit) through
  nginx, counting every answer and its latency.
- Lifecycles: each is a booking confirmed (a Zoom meeting created by a worker) and, two seconds
  later, cancelled (the meeting removed); every tenth stays confirmed. The stale-work sweep runs
  every few seconds, as ``sweep_sessions`` does every minute in production (shorter lease here).
- Kills: at a third of the lifecycles web instance A is SIGKILLed (it and its workers) and
  started again 3 s later; at two thirds one task worker.
- Afterwards, against the emulator's own record: meetings duplicated (two created for one
  session), orphaned (live in Zoom for a cancelled session, or for no session) and missing (a
  confirmed session without one); the API rate limit over both instances (one fresh token, twice
  the limit sent alternately to A and B directly within one minute: exactly the limit answered);
  a sign-out on B honoured on A.

    .venv/bin/python -m bench.production                      # 2,000 lifecycles, ~4-6 minutes
    .venv/bin/python -m bench.production --lifecycles 100     # smoke run, about a minute

Bars: 0 duplicated, 0 orphaned, 0 missing; no user request refused by the rate limit; the probe
answered exactly the limit; the sign-out honoured; under 0.5% failed user requests.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    PYTHON,
    ROOT,
    Stack,
    connect_peer,
    free_port,
    machine,
    make_people,
    percentile,
    post_headers,
    session_cookie,
    verdict,
    wait_up,
)

REDIS_DB = 12
RATE_LIMIT = 60  # per token per minute, for the run
NGINX = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream peerakeet {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=3s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=3s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://peerakeet;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            # A dead instance: try the other (a request not yet sent, or an idempotent one).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


@dataclass
class Tally:
    answers: dict[str, list[tuple[float, int, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # endpoint -> (when, status, ms); status 0 = no answer
    kills: list[tuple[str, float, float]] = field(default_factory=list)  # what, from, to
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, status: int, ms: float) -> None:
        with self.lock:
            self.answers[name].append((time.monotonic(), status, ms))


class Web:
    """One gunicorn instance (its own process group, so a kill takes its workers too)."""

    def __init__(self, stack: Stack, name: str, port: int, workers: int) -> None:
        self.stack, self.name, self.port, self.workers = stack, name, port, workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.stack.log_dir / f"{self.name}.log").open("ab")
        command = [
            PYTHON, "-m", "gunicorn", "peerakeet.wsgi:application", "--bind",
            f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--log-level", "warning",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.stack.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_up(f"http://127.0.0.1:{self.port}/healthz")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def start_nginx(tmp: Path, port: int, a: int, b: int) -> subprocess.Popen[bytes]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is missing: apt-get install -y nginx")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(mode=0o777, exist_ok=True)
        (tmp / sub).chmod(0o777)  # nginx's workers run as nobody when started by root
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX.format(tmp=tmp, port=port, a=a, b=b))
    proc = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp)],
        stdout=(tmp / "stdout.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_up(f"http://127.0.0.1:{port}/healthz")
    return proc


# --- Users ---------------------------------------------------------------------------------------


def user_load(
    tally: Tally, stop: threading.Event, name: str, url: str, headers: dict[str, str],
    pause: float, deadline: float,
) -> None:  # fmt: skip
    with httpx.Client(headers=headers, timeout=15.0, follow_redirects=False) as client:
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status = client.get(url).status_code
            except httpx.HTTPError:
                status = 0
            tally.record(name, status, (time.perf_counter() - started) * 1000)
            time.sleep(pause)


def api_load(
    tally: Tally, stop: threading.Event, url: str, tokens: list[str], deadline: float
) -> None:
    """Round-robin over tokens: each stays far below its limit (so any 429 is a fault)."""
    with httpx.Client(timeout=15.0) as client:
        turn = 0
        while not stop.is_set() and time.monotonic() < deadline:
            token = tokens[turn % len(tokens)]
            turn += 1
            started = time.perf_counter()
            try:
                status = client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
            except httpx.HTTPError:
                status = 0
            tally.record("API /me", status, (time.perf_counter() - started) * 1000)
            time.sleep(0.05)


# --- Lifecycles ----------------------------------------------------------------------------------


def lifecycles(
    args: Any, peers: list, participants: list, on_progress: Callable[[float], None],
    deadline: float,
) -> list[int]:  # fmt: skip
    """Confirm, and cancel two seconds later (every tenth kept). Returns the kept sessions' ids."""
    from django.utils import timezone

    from scheduling import services
    from scheduling.sweep import requeue_lost_tasks, sweep_stale_work

    base = timezone.now().replace(microsecond=0) + timedelta(days=2)
    to_cancel: list[tuple[float, Any]] = []
    kept: list[int] = []
    last_sweep = time.monotonic()
    pace = 1.0 / args.rate
    for i in range(args.lifecycles):
        if time.monotonic() > deadline:
            raise RuntimeError("lifecycles not all started before --max-seconds")
        began = time.monotonic()
        peer = peers[i % len(peers)]
        session = services.session_request(
            participant=participants[i % len(participants)],
            peer=peer,
            starts_at=base + timedelta(hours=i // len(peers)),
            duration_minutes=50,
            modality="video",
        )
        services.session_accept(session=session, by=peer)
        if i % 10 == 9:
            kept.append(session.pk)
        else:
            to_cancel.append((began + 2.0, session))
        while to_cancel and to_cancel[0][0] <= time.monotonic():
            _, due = to_cancel.pop(0)
            services.session_cancel(session=due, by=due.peer)
        if time.monotonic() - last_sweep > 3:
            sweep_stale_work(older_than=timedelta(seconds=10))
            requeue_lost_tasks(older_than=timedelta(seconds=20))
            last_sweep = time.monotonic()
        on_progress((i + 1) / args.lifecycles)
        time.sleep(max(0.0, pace - (time.monotonic() - began)))
    for when, due in to_cancel:
        time.sleep(max(0.0, when - time.monotonic()))
        services.session_cancel(session=due, by=due.peer)
    return kept


def drain(stack: Stack, deadline: float) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from scheduling.models import SupportSession, ZoomMeeting
    from scheduling.sweep import requeue_lost_tasks, sweep_stale_work

    quiet = 0
    while time.monotonic() < deadline:
        DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
            run_after=timezone.now()
        )
        sweep_stale_work(older_than=timedelta(seconds=10))
        requeue_lost_tasks(older_than=timedelta(seconds=20))
        busy = (
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
            or SupportSession.objects.filter(
                status=SupportSession.Status.CONFIRMED,
                provisioning=SupportSession.Provisioning.PENDING,
            ).exists()
            or ZoomMeeting.objects.filter(
                removed_at__isnull=True, removal_requested_at__isnull=False, removal_failed=""
            ).exists()
        )
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
        time.sleep(1.0)
    raise RuntimeError("the work did not drain before --max-seconds")


def count_meetings(control: Any, kept: set[int]) -> dict[str, int]:
    from scheduling.meetings import agenda_for
    from scheduling.models import SupportSession

    made: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for meeting in control.meetings():
        made[str(meeting.get("agenda") or "")].append(meeting)
    found = {"sessions": 0, "created": 0, "duplicated": 0, "orphaned": 0, "missing": 0}
    agendas = set()
    for session in SupportSession.objects.all():
        agenda = agenda_for(session)
        agendas.add(agenda)
        ever = made.get(agenda, [])
        live = [m for m in ever if not m.get("deleted_at")]
        found["sessions"] += 1
        found["created"] += len(ever)
        found["duplicated"] += max(0, len(ever) - 1)
        if session.pk in kept:
            found["missing"] += 0 if live else 1
        else:
            found["orphaned"] += len(live)
    found["orphaned"] += sum(
        1
        for agenda, ms in made.items()
        if agenda not in agendas
        for m in ms
        if not m.get("deleted_at")
    )
    return found


# --- Probes --------------------------------------------------------------------------------------


def rate_limit_probe(peer: Any, ports: tuple[int, int]) -> tuple[int, int]:
    """One fresh token, 2 x the limit alternately to A and B within one minute: (200s, 429s)."""
    from api.tokens import token_issue

    if time.time() % 60 > 40:  # not enough of this minute left: start with the next one
        time.sleep(61 - time.time() % 60)
    token = token_issue(user=peer, name="rate probe").plaintext
    headers = {"Authorization": f"Bearer {token}"}
    ok = refused = 0
    with httpx.Client(timeout=10.0) as client:
        for n in range(2 * RATE_LIMIT):
            status = client.get(
                f"http://127.0.0.1:{ports[n % 2]}/api/v1/me", headers=headers
            ).status_code
            ok += status == 200
            refused += status == 429
    return ok, refused


def sign_out_probe(peer: Any, ports: tuple[int, int]) -> tuple[int, int, int]:
    """Signed in on A; signed out on B; A asked again: (A before, B sign-out, A after)."""
    cookies = session_cookie(peer)
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    pill = "/integrations/zoom/status/"
    jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
    with httpx.Client(headers={"Cookie": jar}, timeout=10.0) as client:  # the same cookie each time
        before = client.get(a + pill).status_code
        out = client.post(b + "/accounts/sign-out/", headers=post_headers(cookies)).status_code
        after = client.get(a + pill).status_code
    return before, out, after


# --- The run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lifecycles", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=12.0, help="lifecycles started per second")
    parser.add_argument("--peers", type=int, default=40)
    parser.add_argument("--latency", type=float, default=100.0, help="ms per Zoom create/delete")
    parser.add_argument("--web-workers", type=int, default=2, help="per gunicorn instance")
    parser.add_argument("--task-workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4, help="slots per task worker")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    deadline = time.monotonic() + args.max_seconds
    tally = Tally()
    rng = random.Random(2026)
    with Stack("production") as stack, tempfile.TemporaryDirectory(prefix="pk-nginx-") as tmp:
        Path(tmp).chmod(0o755)
        stack.use_redis(REDIS_DB)
        stack.env.update(
            WEB_PROCESSES=str(2 * args.web_workers),
            API_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
            ZOOM_HTTP_TIMEOUT="30",
        )
        control = stack.start_emulator(qps_limits=False)
        control.set_latency("create_meeting", ms=args.latency)
        control.set_latency("delete_meeting", ms=args.latency)
        stack.setup_django()
        from api.tokens import token_issue

        peers, participants = make_people(args.peers, 40, prefix="prod")
        for i, peer in enumerate(peers):
            zoom = control.add_user(f"prod.zoom{i}@example.org", type=2, plan="pro")
            connect_peer(peer, control, zoom["id"])
        ports = (free_port(), free_port())
        webs = [
            Web(stack, name, port, args.web_workers) for name, port in zip("AB", ports, strict=True)
        ]
        proxy_port = free_port()
        nginx = None
        try:
            for web in webs:
                web.start()
            nginx = start_nginx(Path(tmp), proxy_port, *ports)
            proxy = f"http://127.0.0.1:{proxy_port}"
            stack.start_task_workers(args.task_workers, concurrency=args.concurrency,
                                     interval=0.05)  # fmt: skip
            stop = threading.Event()
            cookie_of = [session_cookie(p) for p in peers[:4]]
            tokens = [token_issue(user=p, name="load").plaintext for p in peers[:20]]
            loads = [
                threading.Thread(target=user_load, args=(
                    tally, stop, "status pill", f"{proxy}/integrations/zoom/status/",
                    {"Cookie": f"sessionid={cookie_of[n]['sessionid']}"}, 0.02, deadline))
                for n in range(2)
            ] + [
                threading.Thread(target=user_load, args=(
                    tally, stop, "Schedule page", f"{proxy}/schedule/",
                    {"Cookie": f"sessionid={cookie_of[2 + n]['sessionid']}"}, 0.1, deadline))
                for n in range(2)
            ] + [threading.Thread(target=api_load, args=(tally, stop, f"{proxy}/api/v1/me",
                                                          tokens, deadline))]  # fmt: skip
            for thread in loads:
                thread.start()
            kills = {1 / 3: "web A", 2 / 3: "task worker"}
            started = time.monotonic()

            def on_progress(done: float) -> None:
                for at, what in list(kills.items()):
                    if done >= at:
                        del kills[at]
                        killed = time.monotonic()
                        if what == "web A":
                            webs[0].kill()
                            time.sleep(3)
                            webs[0].start()
                        else:
                            victim = stack.workers.pop(rng.randrange(len(stack.workers)))
                            victim.kill()
                            victim.wait(timeout=10)
                            stack.children.remove(victim)
                            time.sleep(3)
                            stack.start_task_workers(1, concurrency=args.concurrency,
                                                     interval=0.05)  # fmt: skip
                        tally.kills.append((what, killed, time.monotonic()))
                        print(f"  killed and restarted {what} at {done:.0%}", flush=True)

            kept = lifecycles(args, peers, participants, on_progress, deadline)
            drain(stack, deadline)
            took = time.monotonic() - started
            stop.set()
            for thread in loads:
                thread.join(timeout=30)
            found = count_meetings(control, set(kept))
            probe = rate_limit_probe(peers[-1], ports)
            signed_out = sign_out_probe(peers[-2], ports)
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            for web in webs:
                web.stop()
    return report(args, tally, found, probe, signed_out, took)


def report(args, tally: Tally, found, probe, signed_out, took: float) -> int:
    print(f"\n{args.lifecycles} lifecycles in {took:.0f} s; {found}")
    total = failed = limited = 0
    during = during_failed = 0
    windows = [(start, end + 5) for _, start, end in tally.kills]
    for name, answers in tally.answers.items():
        bad = [a for a in answers if a[1] == 0 or a[1] >= 500 or a[1] in (429, 403, 401)]
        ms = [a[2] for a in answers]
        total += len(answers)
        failed += len(bad)
        limited += sum(1 for a in answers if a[1] == 429)
        in_windows = [a for a in answers if any(s <= a[0] <= e for s, e in windows)]
        during += len(in_windows)
        during_failed += sum(1 for a in in_windows if a in bad)
        print(f"  {name:<14} {len(answers):6d} requests, {len(bad)} failed; p50 "
              f"{percentile(ms, 0.5):6.1f} ms  p95 {percentile(ms, 0.95):6.1f} ms  p99 "
              f"{percentile(ms, 0.99):6.1f} ms")  # fmt: skip
    share = failed / total if total else 1.0
    share_during = during_failed / during if during else 0.0
    print(f"  during the restarts (kill to restart + 5 s): {during_failed} of {during} failed")
    ok, refused = probe
    before, out, after = signed_out
    return verdict(
        [
            ("duplicated meetings", str(found["duplicated"]), found["duplicated"] == 0),
            ("orphaned meetings", str(found["orphaned"]), found["orphaned"] == 0),
            ("missing meetings", str(found["missing"]), found["missing"] == 0),
            ("user requests refused by the rate limit", str(limited), limited == 0),
            ("rate limit over both instances", f"{ok} answered, {refused} refused of "
             f"{2 * RATE_LIMIT} (bar: exactly {RATE_LIMIT})", ok == RATE_LIMIT),
            ("sign-out on B honoured on A", f"A {before}, sign-out on B {out}, A again {after} "
             "(bar: 200, 302, 302)", before == 200 and out == 302 and after == 302),
            ("failed user requests", f"{failed} of {total} = {share:.3%} (bar < 0.5%)",
             share < 0.005),
            ("failed during the restarts", f"{during_failed} of {during} = {share_during:.2%} "
             "(bar < 0.5%)", share_during < 0.005),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
