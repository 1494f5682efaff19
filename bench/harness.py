"""What every benchmark shares: a scratch PostgreSQL database, the Zoom emulator, gunicorn and real
``db_worker`` processes, all on 127.0.0.1, and peers connected through the real OAuth code exchange.

Usage (from a benchmark):

    with Stack("zoom_calls") as stack:     # recreates database peerakeet_bench_zoom_calls
        stack.start_emulator()
        stack.setup_django()                # this process talks to the same database
        stack.start_workers(2, interval=0.1)
        stack.start_web(workers=2)
        ...

Every child process is killed when the ``with`` block ends, whatever happened. Secrets (token keys,
client secret) are made per run, handed to the children in their environment, and never printed.
"""

from __future__ import annotations

import base64
import os
import platform
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def machine() -> str:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return (
        f"nproc={os.cpu_count()} mem={mem_kb / 1024 / 1024:.1f}GiB "
        f"python={platform.python_version()} postgresql={row[0] if row else '?'} "
        f"load average at start={os.getloadavg()[0]:.1f}"
    )


class Stack:
    """One benchmark's world. Children are tracked and killed on exit."""

    def __init__(self, name: str, *, conn_max_age: int = 60) -> None:
        self.db_name = f"peerakeet_bench_{name}"
        self.children: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.emulator_url = ""
        self.web_url = ""
        self.web_port = free_port()
        self.log_dir = ROOT / "var" / "bench" / name
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env: dict[str, str] = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
            "PEERAKEET_ENV": "development",
            # Production-like serving: no debug toolbar of queries kept in memory, no autoreload.
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            "PEERAKEET_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PEERAKEET_TOKEN_KEYS": "bench1:"
            + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "ZOOM_CLIENT_ID": "peerakeet-bench-client",
            "ZOOM_CLIENT_SECRET": secrets.token_urlsafe(24),
            "ZOOM_WEBHOOK_SECRET_TOKEN": secrets.token_urlsafe(24),
            "DJANGO_SETTINGS_MODULE": "peerakeet.settings",
            "PYTHONUNBUFFERED": "1",
        }
        base = self.env["PEERAKEET_BASE_URL"]
        self.env["ZOOM_REDIRECT_URI"] = f"{base}/integrations/zoom/callback"

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.env["DATABASE_URL"] = recreate_database(self.db_name)
        return self

    def use_redis(self, db: int) -> str:
        """Sessions, rate limits and throttles in Redis database ``db`` (flushed first), for
        every process started afterwards and for this one (before setup_django)."""
        import redis

        url = f"{REDIS}/{db}"
        redis.Redis.from_url(url).flushdb()
        self.env["REDIS_URL"] = url
        return url

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop(self.children)

    @staticmethod
    def stop(procs: list[subprocess.Popen[bytes]]) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def _spawn(self, name: str, command: list[str], **extra_env: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.children.append(proc)
        return proc

    # --- processes ---------------------------------------------------------------------------

    def start_emulator(self, *, qps_limits: bool = True) -> Any:
        from zoom_emulator.testing import EmulatorControl

        port = free_port()
        self.emulator_url = f"http://127.0.0.1:{port}"
        command = [
            PYTHON, "-m", "zoom_emulator", "--host", "127.0.0.1", "--port", str(port),
            f"--client-id={self.env['ZOOM_CLIENT_ID']}",
            f"--client-secret={self.env['ZOOM_CLIENT_SECRET']}",  # may start with "-"
            f"--redirect-uri={self.env['ZOOM_REDIRECT_URI']}",
        ]  # fmt: skip
        if not qps_limits:
            command.append("--no-qps-limits")
        self._spawn("emulator", command)
        self.env["ZOOM_OAUTH_URL"] = self.emulator_url
        self.env["ZOOM_API_URL"] = f"{self.emulator_url}/v2"
        self._wait_up(f"{self.emulator_url}/_emulator/clock")
        return EmulatorControl(self.emulator_url)

    def setup_django(self) -> None:
        """Point this process at the scratch database and migrate it."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

    def start_web(
        self, *, workers: int = 4, threads: int = 1, settings: str = "peerakeet.settings"
    ) -> str:
        command = [
            PYTHON, "-m", "gunicorn", "peerakeet.wsgi:application",
            "--env", f"DJANGO_SETTINGS_MODULE={settings}",
            "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "--error-logfile", "-",
            "--log-level", "warning",
        ]  # fmt: skip
        command.remove("-")  # no access log: it would cost the workers under load
        command.remove("--access-logfile")
        self._spawn("gunicorn", command)
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self._wait_up(f"{self.web_url}/healthz")
        return self.web_url

    def start_workers(self, count: int, *, interval: float) -> list[subprocess.Popen[bytes]]:
        command = [
            PYTHON, "manage.py", "db_worker", "--interval", str(interval),
            "--no-reload", "--no-startup-delay", "-v", "0",
        ]  # fmt: skip
        started = [self._spawn(f"worker{i}", command) for i in range(count)]
        self.workers.extend(started)
        return started

    def start_task_workers(
        self, count: int, *, concurrency: int, interval: float
    ) -> list[subprocess.Popen[bytes]]:
        """``count`` processes of ``manage.py task_worker``, ``concurrency`` slots each."""
        command = [
            PYTHON, "manage.py", "task_worker", "--concurrency", str(concurrency),
            "--interval", str(interval), "-v", "0",
        ]  # fmt: skip
        started = [self._spawn(f"task_worker{i}", command) for i in range(count)]
        self.workers.extend(started)
        return started

    def stop_workers(self) -> None:
        self.stop(self.workers)
        self.children = [child for child in self.children if child not in self.workers]
        self.workers.clear()

    def _wait_up(self, url: str, timeout: float = 30.0) -> None:
        wait_up(url, timeout, while_=self.check_alive)

    def check_alive(self) -> None:
        dead = [str(proc.args) for proc in self.children if proc.poll() is not None]
        if dead:
            raise RuntimeError(f"a child process died (see {self.log_dir}): {dead[0]}")


# --- people, Zoom connections, sign-in ---------------------------------------------------------


def make_people(peers: int, participants: int, *, prefix: str = "bench") -> tuple[list, list]:
    """Certified peers and participants, without passwords (they sign in by session cookie)."""
    from accounts.models import User
    from accounts.services import certification_grant

    peer_users = []
    for i in range(peers):
        user = User.objects.create_user(f"{prefix}.peer{i}@example.org", None, display_name=f"P{i}")
        certification_grant(user=user, by=None)
        peer_users.append(user)
    part_users = [
        User.objects.create_user(f"{prefix}.part{i}@example.org", None, display_name=f"A{i}")
        for i in range(participants)
    ]
    return peer_users, part_users


def connect_peer(peer: Any, emulator: Any, zoom_user_id: str) -> Any:
    """The real code exchange (as tests.zoom_support.connect): one /oauth/token and /users/me."""
    from django.conf import settings

    from zoom.services import connection_complete, oauth_begin

    start = oauth_begin()
    query = parse_qs(urlparse(start.authorize_url).query)
    code = emulator.authorize(
        zoom_user_id,
        redirect_uri=settings.ZOOM_REDIRECT_URI,
        state=start.state,
        code_challenge=query["code_challenge"][0],
        code_challenge_method="S256",
    )
    return connection_complete(peer=peer, code=code, code_verifier=start.code_verifier)


def session_cookie(user: Any) -> dict[str, str]:
    """Cookies of a signed-in browser (database session) plus a CSRF secret for POSTs."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}


def post_headers(cookies: dict[str, str]) -> dict[str, str]:
    return {"X-CSRFToken": cookies["csrftoken"]}


def analyze(table: str = "") -> None:
    """Refresh PostgreSQL's statistics, as autovacuum does soon after rows arrive.

    A benchmark seeds in seconds what a real installation accumulates over months; measured
    straight away, the planner still believes the tables are empty and picks plans no running
    installation would get (a NOT EXISTS scanned once per row, a queue sorted on every pick).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def verdict(rows: list[tuple[str, str, bool]]) -> int:
    """Print each figure beside its bar; the exit status says whether every bar was met."""
    width = max(len(name) for name, _, _ in rows)
    for name, figure, ok in rows:
        print(f"  {'PASS' if ok else 'MISS'}  {name:<{width}}  {figure}")
    missed = sum(not ok for _, _, ok in rows)
    print(f"\n{len(rows) - missed}/{len(rows)} bars met")
    return 1 if missed else 0


def wait_up(url: str, timeout: float = 30.0, *, while_: Any = None) -> None:
    """Until something answers at ``url``; ``while_`` is called between tries (to fail early
    when the process that should answer died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if while_ is not None:
            while_()
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered at {url}")


def statements(client: Any, path: str) -> int:
    """Database statements one GET of ``path`` makes through ``client``, warmed first (the
    first request fills the caches a running server has full)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def cpu_seconds(pid: int, *, gone: float | None = None) -> float:
    """User + system CPU time a process has used so far, from /proc (Linux). A process that has
    exited counts ``gone`` when given (its time is no longer readable), else raises."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        if gone is None:
            raise
        return gone
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
