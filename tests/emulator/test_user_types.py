"""Basic and Licensed users, and an admin changing one into the other (zoom-api.md §2)."""

from __future__ import annotations

import pytest

from zoom_emulator.testing import EmulatorControl

from .conftest import bearer, connect


def test_it_shows_an_upgrade_in_users_me_at_once(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    me = f"{emulator_server.api_url}/users/me"
    assert http.get(me, headers=bearer(tokens)).json()["type"] == 1

    upgraded = control.set_user_type(casey["id"], 2)

    assert upgraded["type"] == 2
    assert http.get(me, headers=bearer(tokens)).json()["type"] == 2
    assert next(u for u in control.users() if u["id"] == casey["id"])["type"] == 2


def test_it_downgrades_a_licensed_user_to_basic(emulator_server, control, http, lee):
    tokens = connect(emulator_server, control, http, lee["id"])

    control.set_user_type(lee["id"], 1)

    assert (
        http.get(f"{emulator_server.api_url}/users/me", headers=bearer(tokens)).json()["type"] == 1
    )


@pytest.mark.parametrize("bad", [0, 3, True, "2", None])
def test_it_refuses_a_type_other_than_basic_or_licensed(control: EmulatorControl, casey, bad):
    with pytest.raises(RuntimeError, match="400"):
        control.set_user_type(casey["id"], bad)


def test_it_refuses_an_unknown_user(control: EmulatorControl):
    with pytest.raises(RuntimeError, match="no user"):
        control.set_user_type("nobody", 2)
