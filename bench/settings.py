"""The product's settings plus one benchmark-only URL (bench/urls.py). Only benchmarks use it."""

from peerakeet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
