"""``manage.py task_worker --concurrency N``: django-tasks-db's worker, N tasks at a time.

See peerakeet/worker.py. ``--concurrency 1`` behaves like ``db_worker``.
"""

from __future__ import annotations

import logging
import signal
import socket
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string

from peerakeet.worker import ConcurrentWorker


class Command(BaseCommand):
    help = "Run queued tasks (django-tasks-db's queue), several at once in threads."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=4,
            help="Tasks run at once (threads). Zoom tasks mostly wait on Zoom (default: 4).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=0.1,
            help="Seconds between looks at an empty queue (default: 0.1).",
        )
        parser.add_argument("--batch", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument(
            "--queue-name", default="default", help="Queues to take tasks from, comma-separated."
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="Unique across the pool; recorded on each task (default: host and a random tag).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        concurrency = options["concurrency"]
        if concurrency < 1 or concurrency > 64:
            raise CommandError("--concurrency must be between 1 and 64")
        if options["interval"] < 0:
            raise CommandError("--interval must be zero or more")
        worker_id = options["worker_id"] or f"{socket.gethostname()}-{get_random_string(8)}"
        if options["verbosity"] > 0:
            logging.getLogger("peerakeet.worker").setLevel(logging.INFO)
        worker = ConcurrentWorker(
            concurrency=concurrency,
            interval=options["interval"],
            batch=options["batch"],
            worker_id=worker_id[:64],
            queue_names=tuple(options["queue_name"].split(",")),
        )
        previous = worker.install_signal_handlers()
        try:
            worker.run()
        finally:  # called from another program (a test), leave its signals as they were
            for sig, handler in previous.items():
                signal.signal(sig, handler)
