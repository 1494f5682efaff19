"""The example deployment files (deploy/, docs/operations.md): systemd units and timers that
systemd itself accepts, commands that exist, and an nginx site nginx itself accepts."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
SITE = ROOT / "deploy" / "nginx" / "peerakeet.conf"
INSTALLED = "/srv/peerakeet"


def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",), comment_prefixes=("#",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_there_is_a_unit_for_each_process_and_a_timer_for_each_periodic_job():
    names = sorted(p.name for p in UNITS.iterdir())
    assert names == [
        "peerakeet-devices.service",
        "peerakeet-devices.timer",
        "peerakeet-sweep.service",
        "peerakeet-sweep.timer",
        "peerakeet-web.service",
        "peerakeet-worker@.service",
        "peerakeet-zoom-maintenance.service",
        "peerakeet-zoom-maintenance.timer",
    ]


@pytest.mark.parametrize(
    "name", ["peerakeet-devices", "peerakeet-sweep", "peerakeet-zoom-maintenance"]
)
def test_each_timer_starts_its_oneshot_service(name):
    timer = unit(UNITS / f"{name}.timer")
    service = unit(UNITS / f"{name}.service")

    assert timer["Timer"]["Unit"] == f"{name}.service"
    assert timer["Timer"]["OnCalendar"]
    assert service["Service"]["Type"] == "oneshot"


@pytest.mark.parametrize("path", sorted(UNITS.glob("*.service")), ids=lambda p: p.name)
def test_each_service_runs_a_command_that_exists(path):
    argv = shlex.split(unit(path)["Service"]["ExecStart"])
    commands = get_commands()

    assert argv[0].startswith(f"{INSTALLED}/.venv/bin/")
    if argv[1] == "manage.py":
        assert argv[2] in commands, f"{path.name}: no manage.py command {argv[2]}"
    else:
        assert argv[0].endswith("/gunicorn")
        assert argv[1] == "peerakeet.wsgi:application"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
def test_systemd_accepts_every_unit(tmp_path):
    # Installed paths pointed at this checkout, so systemd can check the executables too.
    for path in UNITS.iterdir():
        text = path.read_text().replace(f"{INSTALLED}/.venv", str(ROOT / ".venv"))
        (tmp_path / path.name).write_text(text.replace(INSTALLED, str(ROOT)))
    files = sorted(str(p) for p in tmp_path.iterdir() if "@" not in p.name)
    files.append(str(tmp_path / "peerakeet-worker@1.service"))
    (tmp_path / "peerakeet-worker@1.service").write_text(
        (tmp_path / "peerakeet-worker@.service").read_text()
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", *files], capture_output=True, text=True, timeout=60
    )
    # Users and groups of the target machine do not exist here; nothing else may be reported.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "peerakeet" in line and "User" not in line and "Group" not in line
    ]
    assert problems == []


@pytest.mark.skipif(not shutil.which("nginx") or not shutil.which("openssl"), reason="no nginx")
def test_nginx_accepts_the_site(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=peerakeet.example.com", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = SITE.read_text()
    site = site.replace("/etc/letsencrypt/live/peerakeet.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/peerakeet.example.com/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
