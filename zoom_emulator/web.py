"""Helpers every HTTP handler shares."""

from __future__ import annotations

from starlette.requests import Request

from zoom_emulator.emulator import Emulator


def emulator(request: Request) -> Emulator:
    em: Emulator = request.app.state.emulator
    return em


def base_url(request: Request) -> str:
    """Where this emulator is reached: the configured public URL, else the request's own host."""
    configured = emulator(request).config.public_base_url
    return (configured or str(request.base_url)).rstrip("/")
