"""The Meeting API (zoom-api.md §2): shapes, validation, settings, not-found."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zoom_emulator.testing import EmulatorControl, EmulatorServer

from .conftest import bearer, checked, connect
from .contract import validate_request

BODY: dict[str, Any] = {
    "topic": "Peer support session",
    "type": 2,
    "start_time": "2030-03-04T15:00:00Z",
    "duration": 50,
    "timezone": "UTC",
    "password": "Ab3@-_*x",
    "agenda": "Weekly check-in",
    "settings": {
        "waiting_room": True,
        "join_before_host": False,
        "auto_recording": "none",
        "approval_type": 2,
        "meeting_authentication": False,
    },
}


class Zoom:
    """A signed-in REST client for one emulator user."""

    def __init__(self, server: EmulatorServer, http: httpx.Client, tokens: dict[str, Any]):
        self.server, self.http, self.headers = server, http, bearer(tokens)

    def create(self, body: Any = None, user: str = "me") -> httpx.Response:
        return self.http.post(
            f"{self.server.api_url}/users/{user}/meetings",
            headers=self.headers,
            json=BODY if body is None else body,
        )

    def get(self, meeting_id: int) -> httpx.Response:
        return self.http.get(f"{self.server.api_url}/meetings/{meeting_id}", headers=self.headers)

    def patch(self, meeting_id: int, body: Any) -> httpx.Response:
        return self.http.patch(
            f"{self.server.api_url}/meetings/{meeting_id}", headers=self.headers, json=body
        )

    def delete(self, meeting_id: int) -> httpx.Response:
        return self.http.delete(
            f"{self.server.api_url}/meetings/{meeting_id}", headers=self.headers
        )

    def list(self, **params: Any) -> httpx.Response:
        return self.http.get(
            f"{self.server.api_url}/users/me/meetings", headers=self.headers, params=params
        )


@pytest.fixture
def zoom(emulator_server, control, http, lee) -> Zoom:
    return Zoom(emulator_server, http, connect(emulator_server, control, http, lee["id"]))


def test_it_sends_a_request_body_that_fits_zooms_schema():
    validate_request("meetingCreate", BODY)


def test_it_creates_a_meeting_in_the_shape_of_a_real_capture(zoom, lee):
    response = zoom.create()
    assert response.status_code == 201
    body = checked("meetingCreate", response)
    assert 10**10 <= body["id"] < 10**11
    assert body["uuid"].endswith("==")
    assert (body["host_id"], body["host_email"]) == (lee["id"], lee["email"])
    assert body["status"] == "waiting"
    assert body["start_time"] == "2030-03-04T15:00:00Z"
    assert body["join_url"].endswith(f"/j/{body['id']}?pwd={body['encrypted_password']}")
    assert f"/s/{body['id']}?zak=eyJ" in body["start_url"]
    assert body["password"] == "Ab3@-_*x"
    assert body["settings"]["waiting_room"] is True


def test_it_generates_a_password_when_none_is_given(zoom):
    body = checked("meetingCreate", zoom.create({"topic": "x", "type": 2}))
    assert body["password"]
    assert body["h323_password"].isdigit()


def test_it_reads_a_local_start_time_in_the_given_timezone(zoom):
    body = {"type": 2, "start_time": "2030-07-01T09:00:00", "timezone": "America/New_York"}
    created = checked("meetingCreate", zoom.create(body))
    assert created["start_time"] == "2030-07-01T13:00:00Z"


def test_it_returns_a_fresh_start_url_on_get(zoom):
    created = checked("meetingCreate", zoom.create())
    fetched = checked("meeting", zoom.get(created["id"]))
    assert fetched["id"] == created["id"]
    assert fetched["start_url"] != created["start_url"]
    assert fetched["join_url"] == created["join_url"]


def test_it_lists_upcoming_meetings_with_topic_agenda_and_start_time(zoom):
    created = checked("meetingCreate", zoom.create())
    listed = checked("meetings", zoom.list(type="upcoming"))
    assert listed["total_records"] == 1
    assert listed["next_page_token"] == ""
    item = listed["meetings"][0]
    assert (item["id"], item["topic"], item["agenda"], item["start_time"]) == (
        created["id"],
        BODY["topic"],
        BODY["agenda"],
        BODY["start_time"],
    )


def test_it_pages_the_list_with_next_page_token(zoom):
    for _ in range(3):
        zoom.create()
    first = checked("meetings", zoom.list(type="scheduled", page_size=2))
    second = checked("meetings", zoom.list(page_size=2, next_page_token=first["next_page_token"]))
    assert len(first["meetings"]) == 2
    assert first["next_page_token"]
    assert len(second["meetings"]) == 1
    assert second["next_page_token"] == ""


def test_it_updates_a_meeting_with_patch_and_answers_204(zoom, control):
    created = checked("meetingCreate", zoom.create())
    change = {"start_time": "2030-03-05T16:00:00Z", "duration": 30}
    response = zoom.patch(created["id"], change)
    assert response.status_code == 204
    assert response.content == b""
    fetched = checked("meeting", zoom.get(created["id"]))
    assert (fetched["start_time"], fetched["duration"]) == ("2030-03-05T16:00:00Z", 30)
    assert control.meetings()[0]["patch_bodies"] == [change]


def test_it_deletes_a_meeting_once_then_says_it_does_not_exist(zoom, control):
    meeting_id = zoom.create().json()["id"]
    first = zoom.delete(meeting_id)
    assert (first.status_code, first.content) == (204, b"")
    second = zoom.delete(meeting_id)
    assert second.status_code == 404
    assert second.json() == {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."}
    assert control.meetings()[0]["deleted_at"] is not None


def test_it_hides_another_hosts_meeting_as_not_existing(
    zoom, emulator_server, control, http, casey
):
    meeting_id = zoom.create().json()["id"]
    other = Zoom(emulator_server, http, connect(emulator_server, control, http, casey["id"]))
    assert other.get(meeting_id).json()["code"] == 3001
    assert other.delete(meeting_id).status_code == 404


def test_it_accepts_the_users_own_id_in_the_path(zoom, lee):
    assert zoom.create(user=lee["id"]).status_code == 201


def test_it_refuses_another_user_id_in_the_path(zoom, casey):
    response = zoom.create(user=casey["id"])
    assert response.status_code == 404
    assert response.json()["code"] == 1001


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "elevenchars"}, "password"),
        ({"password": "bad pass"}, "password"),
        ({"start_time": "2030-03-04 15:00:00"}, "start_time"),
        ({"start_time": "2030-03-04T15:00:00+00:00"}, "start_time"),
        ({"type": 5}, "type"),
        ({"topic": "t" * 201}, "topic"),
        ({"agenda": "a" * 2001}, "agenda"),
        ({"duration": "sixty"}, "duration"),
        ({"duration": -5}, "duration"),
        ({"settings": {"auto_recording": "always"}}, "settings.auto_recording"),
        ({"settings": {"waiting_room": "yes"}}, "settings.waiting_room"),
    ],
)
def test_it_answers_validation_failed_for_a_bad_field(zoom, control, change, field):
    response = zoom.create({**BODY, **change})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == (300, "Validation Failed.")
    assert [e["field"] for e in body["errors"]] == [field]
    assert control.meetings() == []


def test_it_answers_code_300_for_a_body_that_is_not_json(zoom, emulator_server, http):
    response = http.post(
        emulator_server.api_url + "/users/me/meetings",
        content=b"topic=x",
        headers={**zoom.headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == 300


def test_it_validates_patch_bodies_too(zoom):
    meeting_id = zoom.create().json()["id"]
    assert zoom.patch(meeting_id, {"password": "x" * 11}).json()["code"] == 300


def test_it_applies_account_locked_settings_over_the_request(zoom, control: EmulatorControl, lee):
    control.set_account_settings(
        lee["account_id"], locked={"waiting_room": False, "auto_recording": "cloud"}
    )
    body = checked("meetingCreate", zoom.create())
    assert body["settings"]["waiting_room"] is False
    assert body["settings"]["auto_recording"] == "cloud"


def test_it_applies_account_defaults_only_where_the_request_is_silent(zoom, control, lee):
    control.set_account_settings(
        lee["account_id"], defaults={"mute_upon_entry": True, "waiting_room": False}
    )
    body = checked("meetingCreate", zoom.create())
    assert body["settings"]["mute_upon_entry"] is True
    assert body["settings"]["waiting_room"] is True


def test_it_turns_join_before_host_off_when_the_waiting_room_is_on(zoom):
    settings = {"waiting_room": True, "join_before_host": True}
    body = checked("meetingCreate", zoom.create({**BODY, "settings": settings}))
    assert body["settings"]["join_before_host"] is False


def test_it_serves_host_and_participant_landing_pages(zoom, http, control):
    created = zoom.create().json()
    host = http.get(created["start_url"])
    assert host.status_code == 200
    assert f"Zoom meeting {created['id']}" in host.text
    assert "host" in host.text
    assert "participant" in http.get(created["join_url"]).text
    control.advance_clock(2 * 3600 + 1)
    assert http.get(created["start_url"]).status_code == 403
