"""Runs the demo stack: the web app, the Zoom emulator, a task worker and periodic maintenance."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MAINTENANCE_EVERY = 3600  # seconds: refresh idle Zoom grants
SWEEP_EVERY = 60  # seconds: re-queue Zoom work a crashed worker left behind
DEVICES_EVERY = 300  # seconds: end the pushes of devices whose sign-in ended unseen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PEERAKEET_PORT", "8000")))
    parser.add_argument(
        "--emulator-port", type=int, default=int(os.environ.get("ZOOM_EMULATOR_PORT", "8010"))
    )
    args = parser.parse_args()

    base_url = f"http://127.0.0.1:{args.port}"
    emulator_url = f"http://127.0.0.1:{args.emulator_port}"
    env = {
        **os.environ,
        "PEERAKEET_ENV": "development",
        "PEERAKEET_BASE_URL": base_url,
        "ZOOM_OAUTH_URL": emulator_url,
        "ZOOM_API_URL": f"{emulator_url}/v2",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerakeet.settings")
    import django

    django.setup()
    from django.conf import settings

    manage = [PYTHON, str(ROOT / "manage.py")]
    children = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "zoom_emulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.emulator_port),
                "--client-id",
                settings.ZOOM_CLIENT_ID,
                "--client-secret",
                settings.ZOOM_CLIENT_SECRET,
                "--redirect-uri",
                settings.ZOOM_REDIRECT_URI,
                "--webhook-url",
                f"{base_url}/integrations/zoom/webhook",
                "--webhook-secret",
                settings.ZOOM_WEBHOOK_SECRET_TOKEN,
                "--seed",
                "demo",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{args.port}", "--noreload"], cwd=ROOT, env=env
        ),
        subprocess.Popen(
            # An idle worker looks for work every 0.1 s: a confirmed session waits 50 ms on
            # average for its meeting to start being made (docs/benchmarks.md, join latency).
            # Four tasks at once: one slow Zoom call does not hold up the next session's meeting.
            [*manage, "task_worker", "--concurrency", "4", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
        ),
    ]
    time.sleep(2)
    print(
        f"""
  Peerakeet demo is running: {base_url}/

  Sign in as the certified peer:  peer@demo.peerakeet.test         password: peerakeet-demo
  Sign in as the participant:     participant@demo.peerakeet.test  password: peerakeet-demo
  Or sign up: emails are printed right here, the link that confirms a new address included.

  Zoom emulator (stands in for zoom.us): {emulator_url}/
    its Marketplace page (remove the app): {emulator_url}/marketplace/apps
    Zoom users to sign in with: casey.basic@example.com (free), lee.licensed@example.com (licensed)

  Press Ctrl-C to stop.
""",
        flush=True,
    )
    return _supervise(children, manage, env)


def _supervise(
    children: list[subprocess.Popen[bytes]], manage: list[str], env: dict[str, str]
) -> int:
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    every = {
        "zoom_maintenance": MAINTENANCE_EVERY,
        "sweep_sessions": SWEEP_EVERY,
        "end_ended_devices": DEVICES_EVERY,
    }
    due = {command: time.monotonic() + 60 for command in every}
    try:
        while not stop and all(child.poll() is None for child in children):
            for command, when in due.items():
                if time.monotonic() >= when:
                    subprocess.run([*manage, command, "-v", "0"], cwd=ROOT, env=env, check=False)
                    due[command] = time.monotonic() + every[command]
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed and not stop else 0


if __name__ == "__main__":
    raise SystemExit(main())
