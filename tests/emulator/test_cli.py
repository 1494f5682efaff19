"""`python -m zoom_emulator` starts a server that answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_it_starts_from_the_command_line_and_answers():
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "zoom_emulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret",
        "--redirect-uri",
        "http://127.0.0.1:9/a,http://127.0.0.1:9/b",
        "--seed",
        "demo",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                users = httpx.get(f"http://127.0.0.1:{port}/_emulator/users", timeout=1).json()
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert "casey.basic@example.com" in {u["email"] for u in users}
        config = httpx.get(f"http://127.0.0.1:{port}/_emulator/config").json()
        assert config["redirect_uris"] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
        assert config["client_secret"] == "set"
    finally:
        process.terminate()
        process.wait(timeout=10)
