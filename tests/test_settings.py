"""Production refuses unsafe settings, naming them; `check --deploy` is clean when they are safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerakeet.lib.crypto import new_key_entry
from peerakeet.lib.vapid import new_private_key, public_key_of

ROOT = Path(__file__).resolve().parent.parent
VAPID_PRIVATE = new_private_key()

SAFE = {
    "PEERAKEET_ENV": "production",
    "SECRET_KEY": "x7Gq2!pL9#vR4$wT8^zK1&mN6*bH3(cJ5)dF0_sA-eY=uI+oP[rE]tW{qZ}lX|kV",
    "PEERAKEET_BASE_URL": "https://app.peerakeet.com",
    "ALLOWED_HOSTS": "app.peerakeet.com",
    "PEERAKEET_TOKEN_KEYS": new_key_entry("k1"),
    "ZOOM_CLIENT_ID": "client",
    "ZOOM_CLIENT_SECRET": "secret-from-zoom",
    "ZOOM_WEBHOOK_SECRET_TOKEN": "webhook-secret-from-zoom",
    "DATABASE_URL": "sqlite:////tmp/peerakeet-check-deploy.sqlite3",
    "WEBPUSH_VAPID_PRIVATE_KEY": VAPID_PRIVATE,
    "WEBPUSH_VAPID_PUBLIC_KEY": public_key_of(VAPID_PRIVATE),
    "WEBPUSH_VAPID_SUBJECT": "mailto:operators@peerakeet.com",
}


def _check(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    # The test environment allows async-unsafe ORM calls (for Playwright); production never does.
    dropped = {*SAFE, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(SAFE)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_check_deploy_with_safe_production_settings():
    result = _check({})

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"DEBUG": "true"}, "DEBUG must be false"),
        ({"PEERAKEET_TOKEN_KEYS": None}, "PEERAKEET_TOKEN_KEYS is empty"),
        ({"PEERAKEET_TOKEN_KEYS": "k1:c2hvcnQ="}, "must be 32 bytes"),
        ({"PEERAKEET_TOKEN_KEYS": "k1:" + "A" * 43}, "not random enough"),
        ({"ZOOM_CLIENT_SECRET": None}, "ZOOM_CLIENT_SECRET is not set"),
        ({"ZOOM_WEBHOOK_SECRET_TOKEN": None}, "ZOOM_WEBHOOK_SECRET_TOKEN is not set"),
        ({"PEERAKEET_BASE_URL": "http://app.peerakeet.com"}, "PEERAKEET_BASE_URL must be an https"),
        ({"WEBPUSH_VAPID_PRIVATE_KEY": None}, "WEBPUSH_VAPID_PRIVATE_KEY is not set"),
        ({"WEBPUSH_VAPID_PUBLIC_KEY": None}, "WEBPUSH_VAPID_PUBLIC_KEY is not set"),
        ({"WEBPUSH_VAPID_PRIVATE_KEY": "c2hvcnQ"}, "must be a P-256 private key"),
        (
            {"WEBPUSH_VAPID_PUBLIC_KEY": public_key_of(new_private_key())},
            "WEBPUSH_VAPID_PUBLIC_KEY is not the public key",
        ),
        ({"WEBPUSH_VAPID_SUBJECT": None}, "WEBPUSH_VAPID_SUBJECT must be a mailto:"),
        (
            {"WEBPUSH_ALLOWED_HOSTS": "fcm.googleapis.com,http://127.0.0.1"},
            "WEBPUSH_ALLOWED_HOSTS must name push services, not http://127.0.0.1",
        ),
        ({"WEBPUSH_ALLOWED_HOSTS": "*"}, "WEBPUSH_ALLOWED_HOSTS must name push services, not *"),
    ],
)
def test_it_refuses_to_start_on_an_unsafe_setting_and_names_it(changes, named):
    result = _check(changes)

    assert result.returncode != 0
    assert named in result.stderr
    # The refusal names the setting but never prints a secret's value.
    assert SAFE["ZOOM_CLIENT_SECRET"] not in result.stderr
    assert SAFE["PEERAKEET_TOKEN_KEYS"].split(":")[1] not in result.stderr
    assert VAPID_PRIVATE not in result.stderr


def test_development_makes_a_vapid_key_pair_under_var_on_first_use(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBPUSH_", "DATABASE_URL"))}
    env.update(PEERAKEET_ENV="development", PEERAKEET_VAR_DIR=str(tmp_path))
    show = "from django.conf import settings; print(settings.WEBPUSH_VAPID_PUBLIC_KEY)"

    first, again = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", show],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
        ).stdout.split()[-1]  # after Django's "N objects imported automatically"
        for _ in range(2)
    )  # fmt: skip

    stored = tmp_path / "webpush_vapid_private_key"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert first == again == public_key_of(stored.read_text().strip())


def test_it_prints_a_new_vapid_key_pair_for_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_vapid_keys"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip

    lines = dict(line.split("=", 1) for line in result.stdout.split())
    assert public_key_of(lines["WEBPUSH_VAPID_PRIVATE_KEY"]) == lines["WEBPUSH_VAPID_PUBLIC_KEY"]
