"""Print a fresh ``id:base64key`` entry for PEERAKEET_TOKEN_KEYS (``generate_token_key k2``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peerakeet.lib.crypto import KeyConfigError, new_key_entry, parse_keyring


class Command(BaseCommand):
    help = "Print a new random token-encryption key entry (id:base64key) to add first in the list."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("key_id", help="1-16 letters, digits, - or _ (for example k2)")

    def handle(self, *args: Any, key_id: str, **options: Any) -> None:
        entry = new_key_entry(key_id)
        try:
            parse_keyring(entry)  # the same checks the settings apply at start-up
        except KeyConfigError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(entry)
