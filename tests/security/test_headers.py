"""Security headers on every page: each GET-able URL Django knows, anonymous and signed in.
HSTS and the other production switches are read from the production settings themselves;
`manage.py check --deploy` is proven clean in tests/test_settings.py
(test_it_passes_check_deploy_with_safe_production_settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.security.conftest import all_routes
from tests.test_settings import SAFE

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def page_urls(session_id: int) -> list[str]:
    urls = []
    for route in all_routes():
        if route.is_admin or route.name in {"zoom:webhook"}:
            continue
        if set(route.kwargs) - {"session_id", "rest"}:
            continue
        urls.append(route.url(session_id=session_id, rest="nowhere"))
    return [*urls, "/support/", "/support/login/", "/no-such-page/"]


def check(response, url: str) -> None:
    headers = response.headers
    assert headers.get("X-Frame-Options") == "DENY", url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), url
    if headers.get("Content-Type", "").startswith("text/html"):
        csp = headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, url
        assert "frame-ancestors 'none'" in csp, url
        assert "object-src 'none'" in csp, url
        assert "unsafe-inline" not in csp, url
        assert "unsafe-eval" not in csp, url


@pytest.mark.parametrize("who", ["anonymous", "peer", "participant"])
def test_every_page_carries_the_security_headers(request, who, peer, participant):
    from tests.scheduling.conftest import book

    session = book(peer, participant)
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    checked = 0
    for url in page_urls(session.pk):
        response = client.get(url)
        if response.status_code == 405:
            continue
        check(response, url)
        checked += 1
    assert checked >= 15


def test_production_turns_on_hsts_and_secure_cookies():
    env = {k: v for k, v in os.environ.items() if k not in {*SAFE, "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SAFE)
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'DEBUG', "
        "'SECURE_REFERRER_POLICY']}))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "peerakeet.settings"

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    production = json.loads(result.stdout.strip().splitlines()[-1])
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["DEBUG"] is False
    assert production["X_FRAME_OPTIONS"] == "DENY"


def test_an_https_answer_carries_hsts_under_production_values(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/accounts/sign-in/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
