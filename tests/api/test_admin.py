"""Support staff see API tokens in the admin, read-only, never a token or its hash."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.tokens import token_issue
from tests.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    boss = make_user("boss@example.org", "Boss", staff=True)
    boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    return client


def test_it_lists_tokens_without_their_secrets(admin_client, peer):
    issued = token_issue(user=peer, name="Pat's phone")

    response = admin_client.get(reverse("admin:api_apitoken_changelist"))

    assert response.status_code == 200
    assert "Pat&#x27;s phone" in response.text
    assert issued.plaintext not in response.text
    assert issued.token.token_hash not in response.text


def test_it_shows_a_token_read_only(admin_client, peer):
    issued = token_issue(user=peer, name="phone")

    response = admin_client.get(reverse("admin:api_apitoken_change", args=[issued.token.pk]))

    assert response.status_code == 200
    assert issued.token.token_hash not in response.text
    assert 'name="name"' not in response.text  # no editable field


def test_it_lets_support_staff_look_but_not_delete(client, staff, peer):
    issued = token_issue(user=peer, name="phone")
    client.force_login(staff)

    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 200
    client.post(reverse("admin:api_apitoken_delete", args=[issued.token.pk]), {"post": "yes"})
    assert ApiToken.objects.filter(pk=issued.token.pk).exists()
