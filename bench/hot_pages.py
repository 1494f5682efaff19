"""Hot pages under load: the Schedule page and the Zoom status pill against /healthz (benchmark 4).

gunicorn (4 sync workers) on PostgreSQL serves a peer with 1,000 sessions (30% past, 70%
upcoming, most with a live Zoom meeting). wrk (Debian's, a separate process on loopback) loads
each endpoint in turn with the peer's session cookie, ``--rounds`` times, ``--seconds`` each; the
figures are each endpoint's best round, and ratios to /healthz from the same run.

    .venv/bin/python -m bench.hot_pages

Bars: status pill requests/s >= 0.7 x /healthz's; Schedule page p95 <= 150 ms at 1,000 sessions;
queries per Schedule page render the same for 10 and 1,000 sessions, and at most 12.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.harness import (
    Stack,
    analyze,
    connect_peer,
    machine,
    make_people,
    session_cookie,
    statements,
    verdict,
)
from bench.scaling import grow

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.errors.status, summary.requests))
end
"""
ENDPOINTS = {
    "healthz": "/healthz",
    "status pill": "/integrations/zoom/status/",
    "schedule page": "/schedule/",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()
    ensure_wrk()
    print(f"machine: {machine()}")
    with Stack("hot_pages") as stack:
        emulator = stack.start_emulator()
        stack.setup_django()
        (big, small), participants = make_people(2, 20, prefix="hot")
        for i, peer in enumerate((big, small)):
            zoom = emulator.add_user(f"hot.zoom{i}@example.org", type=2, plan="pro")
            connect_peer(peer, emulator, zoom["id"])
        grow(big, participants, 0, 1000)
        grow(small, participants, 0, 10)
        analyze()
        alone = {name: in_process(big, path) for name, path in ENDPOINTS.items()}
        queries = {
            10: in_process(small, ENDPOINTS["schedule page"])[1],
            1000: alone["schedule page"][1],
        }
        web = stack.start_web(workers=args.web_workers)
        cookie = session_cookie(big)
        best: dict[str, tuple[float, float, float, int, int]] = {}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        try:
            for _ in range(args.rounds):
                for name, path in ENDPOINTS.items():
                    stack.check_alive()
                    result = wrk(web + path, cookie, script.name, args)
                    if name not in best or result[0] > best[name][0]:
                        best[name] = result
        finally:
            Path(script.name).unlink()
    return report(best, alone, queries, args)


def in_process(user, path: str, renders: int = 50) -> tuple[float, int]:
    """Median time of ``path`` through Django's whole stack in this process (no HTTP, no load
    generator), and the database statements one request makes (the connection health check's
    SELECT 1, which gunicorn requests also pay, aside)."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    made = statements(client, path)
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), made


def ensure_wrk() -> None:
    """Debian's wrk is the load generator; install it when missing and we may."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print("installing Debian's wrk")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)


def wrk(
    url: str, cookie: dict[str, str], script: str, args
) -> tuple[float, float, float, int, int]:
    header = f"Cookie: sessionid={cookie['sessionid']}"
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", script,
         "-H", header, url],
        capture_output=True, text=True, timeout=args.seconds + 30, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out)
    if not found:
        raise RuntimeError(f"wrk said: {out[-500:]}")
    rps, p50, p95, errors, total = found.groups()
    return float(rps), float(p50), float(p95), int(errors), int(total)


def report(best, alone, queries, args) -> int:
    print(f"\nwrk -t2 -c{args.connections}, {args.rounds} rounds x {args.seconds} s per endpoint, "
          f"gunicorn {args.web_workers} sync workers; best round of each:")  # fmt: skip
    base_rps, _, base_p95, _, _ = best["healthz"]
    for name, (rps, p50, p95, errors, total) in best.items():
        vs = f"{rps / base_rps:4.2f}x healthz"
        print(f"  {name:<14} {rps:8.1f} req/s ({vs})  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms "
              f"({p95 / base_p95:5.1f}x healthz)  non-2xx {errors}/{total}")  # fmt: skip
    print("in process, one request at a time (Django test client, same database):")
    for name, (median, count) in alone.items():
        print(f"  {name:<14} median {median:6.2f} ms  {count} database statements")
    print(f"  queries per Schedule render: {queries[10]} at 10 sessions, "
          f"{queries[1000]} at 1,000\n")  # fmt: skip
    pill, page = best["status pill"], best["schedule page"]
    return verdict(
        [
            ("status pill vs /healthz, req/s", f"{pill[0] / base_rps:.2f}x (bar >= 0.70)",
             pill[0] >= 0.7 * base_rps),
            ("Schedule page p95, 1,000 sessions", f"{page[2]:.0f} ms (bar <= 150)",
             page[2] <= 150),
            ("queries per Schedule render", f"{queries[10]} vs {queries[1000]} (bar: equal, <= 12)",
             queries[10] == queries[1000] <= 12),
            ("no errors under load", f"{sum(b[3] for b in best.values())} non-2xx",
             sum(b[3] for b in best.values()) == 0),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
