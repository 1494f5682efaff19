"""The connect flow as a browser drives it, through our views and the emulator over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.zoom_support import LICENSED, zoom_user
from zoom_emulator.testing import EmulatorControl

JSON = {"Accept": "application/json"}


def begin(client: Client, *, popup: bool = True) -> dict[str, str]:
    """POST Connect (as zoom.js does) and return the authorize URL's query parameters."""
    response = client.post(
        reverse("zoom:connect"), {"mode": "popup" if popup else "tab"}, headers=JSON
    )
    assert response.status_code == 200, response.content
    query = parse_qs(urlparse(response.json()["authorize_url"]).query)
    return {key: values[0] for key, values in query.items()}


def allow(emulator: EmulatorControl, params: dict[str, str], email: str = LICENSED) -> str:
    """The Zoom user clicks Allow: the code Zoom's redirect would carry."""
    return emulator.authorize(
        zoom_user(emulator, email)["id"],
        redirect_uri=settings.ZOOM_REDIRECT_URI,
        state=params["state"],
        code_challenge=params["code_challenge"],
        code_challenge_method=params["code_challenge_method"],
    )


def callback(client: Client, **params: str) -> Any:
    return client.get(f"{reverse('zoom:callback')}?{urlencode(params)}")


def connect_through_views(
    client: Client, emulator: EmulatorControl, email: str = LICENSED, *, popup: bool = True
) -> Any:
    params = begin(client, popup=popup)
    code = allow(emulator, params, email)
    return callback(client, code=code, state=params["state"])
