"""`leerrecht-server serve|admin ...`: start the server, or administer its database."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import NoReturn

DB_ENV = "LEERRECHT_SERVER_DB"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line, no usage dump.
        self.exit(2, f"leerrecht-server: {message} (see --help)\n")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="leerrecht-server", description="The Leerrecht sync server.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=os.environ.get(DB_ENV),
                       help="database URL (postgresql+psycopg://... or sqlite:///...); default: a SQLite "
                            f"file in the platform's data folder, or ${DB_ENV}")

    serve = sub.add_parser("serve", help="run the server")
    db_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--cert", type=Path, help="TLS certificate (PEM)")
    serve.add_argument("--key", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="plain HTTP behind a TLS-terminating reverse proxy (trusts its X-Forwarded-For)")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                       help="proxy addresses whose X-Forwarded-* headers are trusted (with --behind-proxy)")

    admin = sub.add_parser("admin", help="administer users, teams, devices, keys, audit log")
    db_option(admin)
    asub = admin.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = asub.add_parser("create-team")
    p.add_argument("name")
    p = asub.add_parser("create-user")
    p.add_argument("username")
    p.add_argument("--role", required=True)
    p.add_argument("--team", required=True)
    p = asub.add_parser("reset-user")
    p.add_argument("username")
    p = asub.add_parser("list-devices")
    p.add_argument("username", nargs="?")
    p = asub.add_parser("revoke-device")
    p.add_argument("device_id")
    p = asub.add_parser("create-recovery-key")
    p.add_argument("--replace", action="store_true")
    p = asub.add_parser("export-audit")
    p.add_argument("--out", type=Path, required=True)
    return parser


def _serve(args: argparse.Namespace, url: str) -> int:
    import uvicorn

    from leerrecht_server.app import create_app

    if (args.cert is None) != (args.key is None):
        raise ValueError("--cert and --key go together")
    if args.cert is None and not _is_loopback(args.host) and not args.behind_proxy:
        raise ValueError(f"refusing plain HTTP on {args.host}: give --cert/--key, or --behind-proxy "
                         "when a TLS reverse proxy is in front")
    for f in (args.cert, args.key):
        if f is not None and not f.is_file():
            raise ValueError(f"no such file: {f}")
    app = create_app(url)
    uvicorn.run(app, host=args.host, port=args.port,
                ssl_certfile=str(args.cert) if args.cert else None,
                ssl_keyfile=str(args.key) if args.key else None,
                proxy_headers=args.behind_proxy, forwarded_allow_ips=args.forwarded_allow_ips,
                log_level="info", access_log=False)
    return 0


def _admin(args: argparse.Namespace, url: str) -> int:
    from leerrecht_server import admin
    from leerrecht_server.db import migrate, open_engine

    engine = open_engine(url)
    try:
        migrate(engine)
        if args.action == "create-team":
            team_id = admin.create_team(engine, args.name)
            print(f"team {args.name} created ({team_id})")
        elif args.action == "create-user":
            code = admin.create_user(engine, args.username, args.role, args.team)
            print(f"user {args.username} created; enrolment code, valid {admin.ENROLMENT_CODE_DAYS} days, "
                  "shown once:")
            print(code)
        elif args.action == "reset-user":
            code = admin.reset_user(engine, args.username)
            print(f"user {args.username} reset, devices revoked; new enrolment code, shown once:")
            print(code)
        elif args.action == "list-devices":
            for d in admin.list_devices(engine, args.username):
                state = f"revoked {d.revoked_at}" if d.revoked_at else "active"
                print(f"{d.device_id}  {d.username}  {d.name!r}  created {d.created_at}  "
                      f"last seen {d.last_seen or '-'}  {state}")
        elif args.action == "revoke-device":
            admin.revoke_device(engine, args.device_id)
            print(f"device {args.device_id} revoked")
        elif args.action == "create-recovery-key":
            private = admin.create_recovery_key(engine, replace=args.replace)
            print("Recovery key created. The server keeps only the public half. Keep this private key "
                  "offline (printed once, never stored here):")
            print(private)
        elif args.action == "export-audit":
            n = admin.export_audit(engine, args.out)
            print(f"{n} audit entries written to {args.out}")
    finally:
        engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    from leerrecht_server.admin import AdminError
    from leerrecht_server.db import default_database_url

    url = args.db or default_database_url()
    try:
        if args.command == "serve":
            return _serve(args, url)
        return _admin(args, url)
    except (AdminError, ValueError, ArgumentError, OSError) as exc:
        print(f"leerrecht-server: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"leerrecht-server: cannot use the database: {str(exc.orig).splitlines()[0] if exc.orig else exc}",
              file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"leerrecht-server: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
