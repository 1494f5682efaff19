"""Latency, injected faults, the call log and concurrency (DESIGN.md "Zoom emulator")."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import bearer, checked, connect

MEETING = {"topic": "Session", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30}


@pytest.fixture
def headers(emulator_server, control, http, lee) -> dict[str, str]:
    return bearer(connect(emulator_server, control, http, lee["id"]))


def create(server, http, headers) -> httpx.Response:
    return http.post(server.api_url + "/users/me/meetings", headers=headers, json=MEETING)


def test_it_loses_a_create_response_but_keeps_the_meeting(emulator_server, control, http, headers):
    control.inject_fault("create_meeting", "lost_response", next=1)
    with pytest.raises(httpx.TransportError):
        create(emulator_server, http, headers)
    assert len(control.meetings()) == 1
    assert control.calls("create_meeting")[-1]["fault"] == "lost_response"


def test_it_loses_a_delete_response_but_deletes_the_meeting(
    emulator_server, control, http, headers
):
    meeting_id = create(emulator_server, http, headers).json()["id"]
    control.inject_fault("delete_meeting", "lost_response", next=1)
    with pytest.raises(httpx.TransportError):
        http.delete(f"{emulator_server.api_url}/meetings/{meeting_id}", headers=headers)
    assert control.meetings()[0]["deleted_at"] is not None


def test_it_holds_a_timed_out_call_past_the_clients_timeout_without_effect(
    emulator_server, control, headers
):
    control.inject_fault("create_meeting", "timeout", next=1, hold_seconds=1.5)
    with httpx.Client(timeout=0.3) as impatient, pytest.raises(httpx.TimeoutException):
        create(emulator_server, impatient, headers)
    assert control.meetings() == []


@pytest.mark.parametrize("kind", ["500", "503"])
def test_it_answers_an_injected_server_error_with_a_zoom_like_body(
    emulator_server, control, http, headers, kind
):
    control.inject_fault("create_meeting", kind, next=1)
    response = create(emulator_server, http, headers)
    assert response.status_code == int(kind)
    assert response.json()["code"] == int(kind)
    assert control.meetings() == []
    assert create(emulator_server, http, headers).status_code == 201


def test_it_answers_an_injected_429_as_zooms_per_second_limit(
    emulator_server, control, http, headers
):
    control.inject_fault("users_me", "429", probability=1.0)
    response = http.get(emulator_server.api_url + "/users/me", headers=headers)
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Type"] == "QPS"
    control.clear_faults()
    assert http.get(emulator_server.api_url + "/users/me", headers=headers).status_code == 200


def test_it_fails_the_token_endpoint_on_demand(emulator_server, control, http, lee):
    control.inject_fault("token", "503", next=1)
    code = control.authorize(lee["id"], redirect_uri="http://127.0.0.1:9/zoom/callback")
    response = http.post(
        emulator_server.oauth_url + "/oauth/token",
        auth=("peerakeet-test-client", "test-client-secret"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/zoom/callback",
        },
    )
    assert response.status_code == 503


def test_it_applies_latency_to_the_named_endpoint(emulator_server, control, http, headers):
    control.set_latency("users_me", ms=300)
    started = time.monotonic()
    http.get(emulator_server.api_url + "/users/me", headers=headers)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    checked("meetingCreate", create(emulator_server, http, headers))
    assert time.monotonic() - started < 0.3


def test_it_applies_latency_without_blocking_other_calls(emulator_server, control, headers):
    control.set_latency("*", ms=400)
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        list(
            pool.map(
                lambda _: client.get(emulator_server.api_url + "/users/me", headers=headers),
                range(8),
            )
        )
    assert time.monotonic() - started < 1.5


def test_it_logs_calls_without_any_raw_token(emulator_server, control, http, lee):
    tokens = connect(emulator_server, control, http, lee["id"])
    http.get(emulator_server.api_url + "/users/me", headers=bearer(tokens))
    calls = control.calls()
    everything = json.dumps([calls, control.grants(), control.meetings(), control.config()])
    for secret in (tokens["access_token"], tokens["refresh_token"], "test-client-secret"):
        assert secret not in everything
    me_call = control.calls("users_me")[-1]
    assert me_call["status"] == 200
    assert len(me_call["token_id"] or "") == 12


def test_it_clears_the_call_log(control, emulator_server, http, headers):
    control.clear_calls()
    assert control.calls() == []


def test_it_gives_twenty_concurrent_creates_twenty_distinct_meetings(
    emulator_server, control, headers
):
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda _: create(emulator_server, client, headers), range(20)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 20
    assert len(control.meetings()) == 20


def test_it_refuses_an_unknown_fault_kind(control):
    with pytest.raises(RuntimeError, match="unknown fault kind"):
        control.inject_fault("create_meeting", "explode", next=1)
