"""Classic and granular scopes, user-level and ``:admin`` (zoom-api.md §1 "Scopes").

An app set up with Zoom's classic scopes is granted exactly those names, and each REST call lets
through any scope Zoom documents for it: the granular name, its classic equivalent, or the
``:admin`` variant of either.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from zoom_emulator.testing import EmulatorControl, EmulatorServer

from .conftest import CLIENT_ID, REDIRECT_URI, bearer, connect

CLASSIC = ["user:read", "meeting:write", "meeting:read"]
CLASSIC_ADMIN = ["user:read:admin", "meeting:write:admin", "meeting:read:admin"]
GRANULAR_ADMIN = [
    "user:read:user:admin",
    "meeting:write:meeting:admin",
    "meeting:read:meeting:admin",
    "meeting:read:list_meetings:admin",
    "meeting:delete:meeting:admin",
    "meeting:update:meeting:admin",
]
START = {"type": 2, "start_time": "2031-01-01T10:00:00Z", "duration": 30}


def every_call(server: EmulatorServer, http: httpx.Client, tokens: dict[str, Any]) -> list[int]:
    """The statuses of the six calls Peerakeet makes, in lifecycle order."""
    api, auth = server.api_url, bearer(tokens)
    me = http.get(f"{api}/users/me", headers=auth)
    created = http.post(f"{api}/users/me/meetings", headers=auth, json=START)
    meeting = created.json().get("id")
    listed = http.get(f"{api}/users/me/meetings", headers=auth, params={"type": "upcoming"})
    got = http.get(f"{api}/meetings/{meeting}", headers=auth)
    moved = http.patch(f"{api}/meetings/{meeting}", headers=auth, json={"duration": 45})
    deleted = http.delete(f"{api}/meetings/{meeting}", headers=auth)
    return [r.status_code for r in (me, created, listed, got, moved, deleted)]


@pytest.mark.parametrize("scopes", [CLASSIC, CLASSIC_ADMIN, GRANULAR_ADMIN])
def test_it_lets_every_call_through_with_scopes_zoom_documents_for_it(
    emulator_server, control: EmulatorControl, http, casey, scopes
):
    control.configure(scopes=scopes)

    tokens = connect(emulator_server, control, http, casey["id"])

    assert tokens["scope"].split() == scopes
    assert every_call(emulator_server, http, tokens) == [200, 201, 200, 200, 204, 204]


def test_it_answers_4711_naming_every_scope_that_would_do(
    emulator_server, control: EmulatorControl, http, casey
):
    control.configure(scopes=["user:read", "meeting:read"])
    tokens = connect(emulator_server, control, http, casey["id"])

    response = http.post(
        f"{emulator_server.api_url}/users/me/meetings", headers=bearer(tokens), json=START
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:[meeting:write:meeting, "
        "meeting:write, meeting:write:meeting:admin, meeting:write:admin].",
    }


@pytest.mark.parametrize("scopes", [CLASSIC, CLASSIC_ADMIN, GRANULAR_ADMIN])
def test_the_consent_page_says_in_words_what_each_scope_allows(
    emulator_server, control: EmulatorControl, http, casey, scopes
):
    control.configure(scopes=scopes)
    query = urlencode(
        {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI}
    )
    start = http.get(f"{emulator_server.oauth_url}/oauth/authorize?{query}")
    request_id = re.search(r'name="request_id" value="([^"]+)"', start.text)
    assert request_id

    consent = http.post(
        f"{emulator_server.oauth_url}/oauth/signin",
        data={"request_id": request_id.group(1), "email": casey["email"]},
    )

    listed = re.findall(r"<li>([^<]+) <code>([^<]+)</code></li>", consent.text)
    assert [name for _, name in listed] == scopes
    assert all(words.strip() and words != name for words, name in listed)
