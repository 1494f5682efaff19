"""`python -m zoom_emulator --port 8765 --client-id … --client-secret … --redirect-uri …`"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from zoom_emulator.app import create_app
from zoom_emulator.config import DEFAULT_SCOPES, EmulatorConfig
from zoom_emulator.server import listening_socket, uvicorn_server


def _split(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for v in values or () for part in v.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m zoom_emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument(
        "--redirect-uri",
        action="append",
        required=True,
        help="registered redirect URI; repeat or comma-separate for several",
    )
    p.add_argument("--scopes", help="space-separated; default: " + " ".join(DEFAULT_SCOPES))
    p.add_argument("--webhook-url")
    p.add_argument("--webhook-secret")
    p.add_argument("--webhook-retry-scale", type=float, default=1.0)
    p.add_argument(
        "--public-base-url", help="base URL for start/join links (default: the request's host)"
    )
    p.add_argument("--seed", choices=["demo"])
    p.add_argument("--token-tolerance-one", action="store_true")
    p.add_argument("--no-qps-limits", action="store_true", help="keep only the daily limits")
    return p.parse_args(argv)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    config = EmulatorConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=_split(args.redirect_uri),
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        webhook_retry_scale=args.webhook_retry_scale,
        public_base_url=args.public_base_url,
        seed=args.seed,
        token_tolerance_one=args.token_tolerance_one,
        qps_limits=not args.no_qps_limits,
    )
    if args.scopes:
        config.scopes = args.scopes.split()
    return config


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sock = listening_socket(args.host, args.port)
    uvicorn_server(create_app(config_from(args))).run(sockets=[sock])


if __name__ == "__main__":
    main()
