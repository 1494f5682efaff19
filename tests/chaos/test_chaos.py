"""The chaos run (bench/chaos.py) at CI size: a few peers, a hundred lifecycles, two workers, one
of them killed now and then, Zoom failing by probability, and ten sessions whose reminders come
due during the run (kept, moved or cancelled). It exits non-zero if any invariant of
docs/reliability.md fails, reminders counted exactly once included; its report is printed either
way (pytest -s shows it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CI_RUN = [
    "--peers", "5",
    "--lifecycles", "100",
    "--workers", "2",
    "--concurrency", "25",
    "--kill-every", "3",
    "--peer-event-every", "2",
    "--max-seconds", "90",
    "--drain-seconds", "150",
    "--database-name", "peerakeet_chaos_ci",
]  # fmt: skip


@pytest.mark.postgres
def test_the_invariants_survive_a_chaos_run():
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}

    result = subprocess.run(
        [sys.executable, "bench/chaos.py", *CI_RUN, "--database-url", server],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=330,
    )

    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert re.search(r"result\s+PASS", result.stdout)
    assert re.search(r"reminders missing\s+0\n", result.stdout)
