"""The product's settings, with every email written to a file in the chaos run's folder, where
bench/chaos.py counts the reminders the workers sent. Only the chaos run uses it."""

import os

from peerakeet.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["CHAOS_MAIL_DIR"]
