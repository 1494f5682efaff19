"""How the emulator is served: uvicorn on a socket we open ourselves."""

from __future__ import annotations

import socket

import uvicorn
from starlette.applications import Starlette


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn writes headers and body separately; without TCP_NODELAY (inherited by accepted
    # sockets on Linux) Nagle's algorithm and delayed ACKs add ~40 ms to every call.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def uvicorn_server(app: Starlette, *, log_level: str = "info") -> uvicorn.Server:
    # No uvicorn access log: it prints query strings, where codes and ZAKs travel.
    config = uvicorn.Config(
        app, log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    return uvicorn.Server(config)
