"""The control API's own promises: users, reset, clock."""

from __future__ import annotations

from datetime import UTC, datetime


def test_it_creates_users_with_zoom_shaped_ids(control):
    user = control.add_user("new.peer@example.com", first_name="New", last_name="Peer", type=2)
    assert len(user["id"]) == 22
    assert len(user["account_id"]) == 22
    assert user["plan"] == "pro"


def test_it_keeps_the_seeded_users_after_a_reset(control):
    control.add_user("temp@example.com")
    control.reset()
    emails = {u["email"] for u in control.users()}
    assert emails == {
        "casey.basic@example.com",
        "lee.licensed@example.com",
        "bailey.business@example.com",
    }


def test_it_empties_the_users_on_a_reset_without_seed(control):
    control.reset(seed=None)
    assert control.users() == []


def test_it_keeps_seeded_ids_stable_across_resets(control):
    before = {u["email"]: u["id"] for u in control.users()}
    control.reset(seed="demo")
    assert {u["email"]: u["id"] for u in control.users()} == before


def test_it_sets_and_advances_the_clock(control):
    assert control.set_clock("2031-05-06T07:08:09Z").replace(microsecond=0) == datetime(
        2031, 5, 6, 7, 8, 9, tzinfo=UTC
    )
    later = control.advance_clock(3600)
    assert later.hour == 8
