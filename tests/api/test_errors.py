"""Every answer that is not a success has the same JSON shape, whatever went wrong."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tokens import token_issue

pytestmark = pytest.mark.django_db


def test_it_answers_an_unknown_address_in_json(as_peer):
    response = as_peer.get("/no-such-thing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_answers_a_wrong_method_in_json(as_peer):
    response = as_peer.request("PATCH", "/me", {})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_it_lists_each_invalid_field(as_peer):
    response = as_peer.post("/sessions", {"starts_at": "tomorrow"})

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "invalid_input"
    assert {d["field"] for d in body["details"]} == {
        "body.payload.participant_email",
        "body.payload.starts_at",
    }


def test_it_answers_a_server_error_without_a_trace(as_peer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("api.routes.people.zoom_status", broken)

    response = as_peer.get("/zoom")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.text


def test_it_rejects_text_with_a_nul_character(as_peer, participant):
    body = {
        "participant_email": participant.email,
        "starts_at": "2099-01-01T10:00:00Z",
        "private_note": "a\x00b",
    }

    assert as_peer.post("/sessions", body).status_code == 422


@pytest.mark.parametrize("method", ["DELETE", "POST", "PATCH"])
def test_a_changing_method_to_an_unknown_address_gets_json_not_the_csrf_page(method, peer):
    # Browsers' CSRF check must not answer for the API: a change sent to an address that is no
    # endpoint is "not found", in JSON, like any other wrong address.
    client = Client(enforce_csrf_checks=True)
    token = token_issue(user=peer, name="test").plaintext

    response = client.generic(method, "/api/v1/no-such/thing", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
