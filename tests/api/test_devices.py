"""GET /auth/tokens, DELETE /auth/tokens/{id}, POST /auth/sign-out-everywhere: a person lists
and takes back their own signed-in devices through the API, and nobody else's (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_issue
from tests.api.conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


def devices(client: ApiClient) -> list[dict]:
    response = client.get("/auth/tokens")
    assert response.status_code == 200
    return response.json()


def test_it_lists_my_devices_newest_first_and_marks_this_one(peer):
    phone = token_issue(user=peer, name="Pat's phone")
    laptop = client_for(peer)

    listed = devices(laptop)

    assert [d["name"] for d in listed] == ["test", "Pat's phone"]
    assert [d["current"] for d in listed] == [True, False]
    assert listed[1]["id"] == phone.token.pk
    assert listed[1]["prefix"] == phone.plaintext[:12]
    assert set(listed[1]) == {
        "id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"
    }  # fmt: skip
    assert phone.plaintext not in str(listed)


def test_it_leaves_out_revoked_expired_and_other_peoples_tokens(peer, participant):
    revoked = token_issue(user=peer, name="old phone").token
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired = token_issue(user=peer, name="old tablet").token
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()
    token_issue(user=participant, name="their phone")

    assert [d["name"] for d in devices(client_for(peer))] == ["test"]


def test_it_revokes_one_of_my_devices_and_only_that_one(peer):
    phone = token_issue(user=peer, name="Pat's phone")
    laptop = client_for(peer)

    response = laptop.delete(f"/auth/tokens/{phone.token.pk}")

    assert response.status_code == 204
    assert ApiClient(phone.plaintext).get("/me").status_code == 401
    assert laptop.get("/me").status_code == 200


def test_it_refuses_to_revoke_someone_elses_device_and_changes_nothing(peer, participant):
    theirs = token_issue(user=participant, name="their phone")

    response = client_for(peer).delete(f"/auth/tokens/{theirs.token.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ApiToken.objects.get(pk=theirs.token.pk).revoked_at is None
    assert ApiClient(theirs.plaintext).get("/me").status_code == 200


def test_someone_elses_device_and_a_missing_one_answer_alike(peer, participant):
    theirs = token_issue(user=participant, name="their phone").token
    mine = client_for(peer)

    other = mine.delete(f"/auth/tokens/{theirs.pk}")
    missing = mine.delete("/auth/tokens/999999")

    assert (other.status_code, other.json()) == (missing.status_code, missing.json())


def test_it_refuses_without_a_valid_token(peer):
    mine = token_issue(user=peer, name="Pat's phone").token

    listed = ApiClient().get("/auth/tokens")
    revoked = ApiClient("pkt_not-a-token").delete(f"/auth/tokens/{mine.pk}")

    assert (listed.status_code, revoked.status_code) == (401, 401)
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is None


def test_a_bad_id_is_a_clear_error_and_changes_nothing(peer):
    client = client_for(peer)

    response = client.delete("/auth/tokens/not-a-number")

    assert response.status_code in (404, 422)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_sign_out_current_still_means_this_token(peer):
    other = token_issue(user=peer, name="Pat's phone")
    client = client_for(peer)

    assert client.delete("/auth/tokens/current").status_code == 204
    assert client.get("/me").status_code == 401
    assert ApiClient(other.plaintext).get("/me").status_code == 200


def test_sign_out_everywhere_ends_every_token_and_web_session(peer):
    phone = token_issue(user=peer, name="Pat's phone")
    browser = Client()
    browser.force_login(peer)
    client = client_for(peer)

    response = client.post("/auth/sign-out-everywhere")

    assert response.status_code == 200
    assert response.json() == {"tokens_revoked": 2}
    assert ApiClient(phone.plaintext).get("/me").status_code == 401
    assert client.get("/me").status_code == 401
    assert browser.get("/schedule/").status_code == 302
