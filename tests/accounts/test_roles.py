from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import certification_grant, certification_revoke


@pytest.mark.django_db
def test_it_names_each_role(peer, participant, staff):
    assert peer.role_label == "Certified peer"
    assert participant.role_label == "Participant"
    assert staff.role_label == "Support staff"


@pytest.mark.django_db
def test_it_records_who_granted_and_revoked_a_certification(participant, staff):
    certification = certification_grant(user=participant, by=staff)
    assert participant.is_certified_peer

    certification_revoke(user=participant, by=staff)

    certification.refresh_from_db()
    assert certification.granted_by == staff
    assert certification.revoked_by == staff
    assert certification.revoked_at is not None
    assert not participant.is_certified_peer


@pytest.mark.django_db
def test_it_keeps_one_active_certification_when_granted_twice(participant, staff):
    first = certification_grant(user=participant, by=staff)
    second = certification_grant(user=participant, by=staff)

    assert first.pk == second.pk
    assert participant.certifications.count() == 1


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("scheduling:schedule"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_it_lets_support_staff_into_the_admin_but_not_participants(client, staff, participant):
    client.force_login(participant)
    assert client.get(reverse("admin:index")).status_code == 302

    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
