"""Rate limits (zoom-api.md §3), on the emulator's clock."""

from __future__ import annotations

from .conftest import bearer, checked, connect

MEETING = {"topic": "Session", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30}


def test_it_refuses_the_101st_create_of_a_utc_day_and_allows_it_the_next_day(
    emulator_server, control, http, lee
):
    control.configure(qps_limits=False)
    control.set_clock("2030-01-01T23:00:00Z")
    headers = bearer(connect(emulator_server, control, http, lee["id"]))
    url = emulator_server.api_url + "/users/me/meetings"
    statuses = [http.post(url, headers=headers, json=MEETING).status_code for _ in range(100)]
    assert statuses == [201] * 100
    refused = http.post(url, headers=headers, json=MEETING)
    assert refused.status_code == 429
    assert refused.json() == {
        "code": 429,
        "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
        "requests permitted for this particular user. You may resume these requests at GMT "
        "00:00:00.",
    }
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["X-RateLimit-Limit"] == "100"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "2030-01-02T00:00:00Z"
    control.set_clock("2030-01-02T00:00:01Z")
    connect_again = bearer(connect(emulator_server, control, http, lee["id"]))
    assert http.post(url, headers=connect_again, json=MEETING).status_code == 201


def test_it_counts_updates_against_the_daily_create_update_limit(
    emulator_server, control, http, lee
):
    control.configure(qps_limits=False)
    headers = bearer(connect(emulator_server, control, http, lee["id"]))
    meeting_id = http.post(
        emulator_server.api_url + "/users/me/meetings", headers=headers, json=MEETING
    ).json()["id"]
    url = f"{emulator_server.api_url}/meetings/{meeting_id}"
    statuses = [
        http.patch(url, headers=headers, json={"duration": 40}).status_code for _ in range(100)
    ]
    assert statuses == [204] * 99 + [429]


def test_it_refuses_calls_beyond_the_per_second_limit_of_a_free_account(
    emulator_server, control, http, casey
):
    control.set_clock("2030-01-01T10:00:00Z")
    headers = bearer(connect(emulator_server, control, http, casey["id"]))
    control.set_clock("2030-01-01T10:00:00Z")  # Just after a second starts: three calls fit in it.
    url = emulator_server.api_url + "/users/me/meetings"
    responses = [http.post(url, headers=headers, json=MEETING) for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 429]
    refused = responses[2]
    assert refused.json() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert refused.headers["X-RateLimit-Type"] == "QPS"
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    checked("meetingCreate", responses[0])


def test_it_lets_benchmarks_switch_the_per_second_limit_off(emulator_server, control, http, casey):
    control.configure(qps_limits=False)
    control.set_clock("2030-01-01T10:00:00Z")
    headers = bearer(connect(emulator_server, control, http, casey["id"]))
    control.set_clock("2030-01-01T10:00:00Z")
    url = emulator_server.api_url + "/users/me/meetings"
    assert {http.post(url, headers=headers, json=MEETING).status_code for _ in range(5)} == {201}


def test_it_labels_successful_calls_with_their_rate_limit_category(
    emulator_server, control, http, lee
):
    headers = bearer(connect(emulator_server, control, http, lee["id"]))
    response = http.get(emulator_server.api_url + "/users/me", headers=headers)
    assert response.headers["X-RateLimit-Category"] == "Light"
