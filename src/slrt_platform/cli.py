"""``slrt``: run the platform on the embedded default, or issue development tokens."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import threading
from pathlib import Path

from slrt_contracts import Actor, Role
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.tokens import DevTokenAuthenticator


def up(args: argparse.Namespace) -> int:
    # Imported here, not above: `slrt token` should not pay for the launcher.
    from .platform import SERVICES, WEB, Platform
    from .postgres import PostgresRehearsal

    if args.postgres is None and os.environ.get("SLRT_PERSISTENCE", "sqlite") != "sqlite":
        # The launcher decides the store of every service: say so instead of silently using SQLite.
        print("slrt: SLRT_PERSISTENCE is ignored by `slrt up`; for PostgreSQL use `slrt up --postgres URL`",
              file=sys.stderr)
        return 2
    postgres = PostgresRehearsal(args.postgres) if args.postgres else None
    platform = Platform(Path(args.var), port_base=args.port_base, nats_port=args.nats_port, district=args.district,
                        postgres=postgres)
    stopping = threading.Event()

    def on_signal(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    where = "PostgreSQL, one schema per service, as on Kubernetes" if postgres else f"data in {Path(args.var).resolve()}"
    print(f"Starting SLRT for district {args.district} ({where}) ...", flush=True)
    try:
        platform.start()
    except Exception as e:  # noqa: BLE001 - say what failed, then clean up
        print(f"slrt: could not start: {e}", file=sys.stderr)
        platform.stop()
        return 1
    print(f"\nSLRT application {platform.url(WEB)}   (sign in as any role: desk, queues, referrals, letters, DTKS, dashboard; citizen pages)")
    print(f"NATS JetStream   {platform.nats_url}")
    for name in SERVICES:
        print(f"{name:<16} {platform.url(name)}   (API docs: {platform.url(name)}/docs)")
    print(f"public tracking  {platform.url('monitoring')}/public/track/<receipt number>")
    print(f"public dashboard {platform.url('monitoring')}/public/dashboard.html")
    print(f"staff dashboard  {platform.url('monitoring')}/dashboard?token=<./slrt token manager>")
    print(f"letter check     {platform.url('letters')}/public/verify/<letter id>")
    print(f"logs             {Path(args.var).resolve() / 'log'}")
    print("\nPress Ctrl-C to stop.", flush=True)
    try:
        platform.supervise(stopping, log=lambda line: print(line, flush=True))
    finally:
        print("\nStopping ...", flush=True)
        platform.stop()
        print("Stopped. Data kept in", Path(args.var).resolve())
    return 0


def token(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    actor = Actor(id=args.sub or f"dev-{args.role}", role=Role(args.role), region=args.region or settings.district,
                  agency=args.agency)
    issuer = DevTokenAuthenticator(settings.auth_secret.get_secret_value(), settings.auth_issuer)
    print(issuer.issue(actor, dt.timedelta(hours=args.hours)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slrt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p_up = commands.add_parser("up", help="run NATS and all services locally (data under ./var)")
    p_up.add_argument("--var", default=os.environ.get("SLRT_VAR_DIR", "var"))
    p_up.add_argument("--district", default=os.environ.get("SLRT_DISTRICT", "1605"))
    p_up.add_argument("--port-base", type=int, default=int(os.environ.get("SLRT_PORT_BASE", "8000")),
                      help="the application listens on port-base, the services on port-base+1 .. port-base+5")
    p_up.add_argument("--nats-port", type=int, default=int(os.environ.get("SLRT_EMBEDDED_NATS_PORT", "4322")))
    p_up.add_argument("--postgres", metavar="URL", default=os.environ.get("SLRT_POSTGRES_URL"),
                      help="production rehearsal: every service on this PostgreSQL database as Kubernetes runs it "
                           "(ordinary role, one schema per service, the pool sizes of deploy/k8s); URL of a role "
                           "that may create roles and schemas, e.g. postgresql://postgres@127.0.0.1:5432/slrt")
    p_up.set_defaults(func=up)
    p_token = commands.add_parser("token", help="print a development bearer token")
    p_token.add_argument("role", choices=[r.value for r in Role])
    p_token.add_argument("--region", help="region code the actor works for (default: the district)")
    p_token.add_argument("--agency", help="agency code, for role agency (e.g. dinkes)")
    p_token.add_argument("--sub", help="actor id")
    p_token.add_argument("--hours", type=int, default=12)
    p_token.set_defaults(func=token)
    args = parser.parse_args(argv)
    return args.func(args)
