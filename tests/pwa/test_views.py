"""The app's files as the server answers them: the manifest, the worker, the offline page, the
Notifications page, and sign-out's Clear-Site-Data."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from peerakeet import pwa
from scheduling.models import Notification

pytestmark = pytest.mark.django_db


def png_size(path: str) -> tuple[int, int]:
    header = Path(path).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_it_serves_a_manifest_a_phone_can_install(client: Client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Peerakeet"
    assert manifest["short_name"] == "Peerakeet"
    assert manifest["start_url"] == "/schedule/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"]
    assert manifest["background_color"]
    pngs = {(i["sizes"], i["purpose"]) for i in manifest["icons"] if i["type"] == "image/png"}
    assert pngs == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


@pytest.mark.parametrize(
    ("name", "size"),
    [
        (pwa.ICON_192, (192, 192)),
        (pwa.ICON_512, (512, 512)),
        (pwa.ICON_MASKABLE, (512, 512)),
        ("peerakeet/app/apple-touch-icon.png", (180, 180)),
        (pwa.BADGE, (96, 96)),
    ],
)
def test_each_icon_has_the_size_it_claims(name: str, size: tuple[int, int]):
    found = finders.find(name)
    assert isinstance(found, str)
    assert png_size(found) == size


def test_the_worker_is_served_from_the_root_never_from_a_cache(client: Client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert f'const VERSION = "{pwa.shell_version()}";' in body
    assert "{% verbatim %}" not in body
    assert "{{" not in body


def test_the_worker_caches_the_offline_page_and_the_shell(client: Client):
    body = client.get("/sw.js").content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])

    assert "/offline/" in config["shell"]
    assert "/static/peerakeet/app.css" in config["shell"]
    assert config["schedule"] == "/schedule/"
    assert config["signIn"] == "/accounts/sign-in/"


def test_the_offline_page_names_no_one_and_runs_no_script(client: Client, peer):
    client.force_login(peer)

    response = client.get("/offline/")

    assert response.status_code == 200
    assert peer.display_name not in response.content.decode()
    assert b"<script" not in response.content


def test_every_page_links_the_manifest_and_the_touch_icon(client: Client):
    page = client.get("/accounts/sign-in/").content.decode()

    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'rel="apple-touch-icon"' in page
    # One favicon (the logo), and the bar colour the manifest names.
    assert page.count('rel="icon"') == 1
    theme = client.get("/manifest.webmanifest").json()["theme_color"]
    assert f'<meta name="theme-color" content="{theme}">' in page


def test_the_csp_lets_only_this_site_be_a_worker_or_a_manifest(client: Client):
    policy = client.get("/accounts/sign-in/")["Content-Security-Policy"]

    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy


def test_sign_out_tells_the_browser_to_clear_its_cache(client: Client, peer):
    client.force_login(peer)

    response = client.post("/accounts/sign-out/")

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'


def test_the_notifications_page_lists_what_we_told_this_person_newest_first(
    client: Client, peer, participant
):
    for kind in (Notification.Kind.REQUESTED, Notification.Kind.CONFIRMED):
        Notification.objects.create(recipient=participant, kind=kind, dedupe_key=f"p-{kind}")
    Notification.objects.create(
        recipient=peer, kind=Notification.Kind.ZOOM_BROKEN, dedupe_key="peer-zoom"
    )
    client.force_login(participant)

    page = client.get("/notifications/").content.decode()

    assert page.index("Session confirmed") < page.index("Session requested")
    assert "Zoom connection broken" not in page


def test_the_notifications_page_needs_a_signed_in_person(client: Client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_while_developing_an_edited_stylesheet_is_a_new_worker(
    client: Client, settings, tmp_path: Path
):
    stylesheet = tmp_path / "peerakeet" / "app.css"
    stylesheet.parent.mkdir()
    stylesheet.write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [tmp_path]  # found before the app's own copy
    settings.DEBUG = True
    before = client.get("/sw.js").content

    stylesheet.write_text("body { color: navy; }")

    assert client.get("/sw.js").content != before
