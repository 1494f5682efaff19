"""A faithful, stateful fake of Zoom's OAuth server, Meeting API and webhooks.

Product code never imports this package: it is reached only over HTTP (see docs/zoom-emulator.md).
"""

from __future__ import annotations
