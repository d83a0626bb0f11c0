"""`leerrecht-server serve|admin ...`: start the server, or administer its database."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from leerrecht_server.core import config
from leerrecht_server.core.config import DB_ENV, MULTIPROC_ENV, ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from leerrecht_server.admin import TeamSpace

# Exit statuses: 2 = the configuration (options or environment) can't be used, as argparse does for
# a bad option; 1 = it was fine but something failed (the database, a refused admin action).
EXIT_CONFIG = 2
_is_loopback = config.is_loopback  # kept under its old name (tests/server/test_cli.py uses it)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line, no usage dump.
        self.exit(EXIT_CONFIG, f"leerrecht-server: {message} (see --help)\n")


def _checked(parse: Callable[[str, str], object], option: str) -> Callable[[str], object]:
    """An argparse `type` that reuses the environment's checks, so both say the same thing."""

    def convert(raw: str) -> object:
        try:
            return parse(option, raw)
        except ConfigError as exc:
            # argparse prefixes "argument --x:", so drop our own copy of the name.
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{option}: ")) from None

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="leerrecht-server", description="The Leerrecht sync server.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=None,
                       help="database URL (postgresql+psycopg://... or sqlite:///...); default: "
                            f"${DB_ENV}, else a SQLite file in the platform's data folder")

    # Every serve option defaults to None, meaning "not given": config.resolve_serve then takes the
    # environment variable, else the default (command line > environment > default).
    serve = sub.add_parser("serve", help="run the server",
                           epilog="Every option can also come from the environment: LEERRECHT_SERVER_DB, _HOST, "
                                  "_PORT, _CERT, _KEY, _BEHIND_PROXY, _TRUSTED_PROXIES, _WORKERS, _LOG_LEVEL, "
                                  "_LOG_FORMAT; the status token only from LEERRECHT_SERVER_STATUS_TOKEN. "
                                  "See docs/operations.md.")
    db_option(serve)
    serve.add_argument("--host", default=None, help=f"address to listen on (default {config.DEFAULT_HOST})")
    serve.add_argument("--port", default=None, type=_checked(config.parse_port, "--port"),
                       help=f"port (default {config.DEFAULT_PORT})")
    serve.add_argument("--cert", type=Path, default=None, help="TLS certificate (PEM)")
    serve.add_argument("--key", type=Path, default=None, help="TLS private key (PEM)")
    serve.add_argument("--behind-proxy", action=argparse.BooleanOptionalAction, default=None,
                       help="plain HTTP behind a TLS-terminating reverse proxy (trusts its X-Forwarded-For/-Proto)")
    serve.add_argument("--trusted-proxies", "--forwarded-allow-ips", dest="trusted_proxies", default=None,
                       type=_checked(config.parse_trusted_proxies, "--trusted-proxies"),
                       help="comma-separated proxy addresses or networks whose X-Forwarded-* headers are trusted "
                            f"with --behind-proxy (default {config.DEFAULT_TRUSTED_PROXIES})")
    serve.add_argument("--workers", default=None, type=_checked(config.parse_workers, "--workers"),
                       help="number of server processes on this address (default 1)")
    serve.add_argument("--log-level", default=None, choices=config.LOG_LEVELS, help="default info")
    serve.add_argument("--log-format", default=None, choices=config.LOG_FORMATS,
                       help="json (default: one object per line) or text")

    admin = sub.add_parser("admin", help="administer users, teams, devices, keys, audit log")
    db_option(admin)
    # `--db` also after the action (`admin reset-user NAME --db URL`): the same option on every action,
    # left out of the result when not given there, so one given before the action stays.
    after = _Parser(add_help=False)
    after.add_argument("--db", default=argparse.SUPPRESS, help="database URL, as before the action")
    asub = admin.add_subparsers(dest="action", required=True, parser_class=_Parser)

    def action(name: str, help: str | None = None) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = asub.add_parser(name, parents=[after], help=help)
        return parser

    p = action("create-team")
    p.add_argument("name")
    action("list-teams", help="the teams, with what their attachments take and their quota")
    p = action("set-team-quota", help="the MiB of attachments a team's cases may take on the server, or 'default'")
    p.add_argument("team")
    p.add_argument("quota", type=_quota, metavar="MIB|default")
    p = action("create-user")
    p.add_argument("username")
    p.add_argument("--role", required=True)
    p.add_argument("--team", required=True)
    p = action("reset-user")
    p.add_argument("username")
    p = action("list-devices")
    p.add_argument("username", nargs="?")
    p = action("revoke-device")
    p.add_argument("device_id")
    p = action("create-recovery-key")
    p.add_argument("--replace", action="store_true")
    p.add_argument("--out", type=Path, default=None,
                   help="also write the private half to this file (0600) and a printable kit to FILE.pdf")
    p = action("recover-user", help="a reset user's case keys back (the recovery key from "
                                    "$LEERRECHT_RECOVERY_KEY or a hidden prompt)")
    p.add_argument("username")
    action("list-users", help="users with role, team, status, laptops and last sync")
    p = action("disable-user", help="login refused, laptops revoked (they wipe), history kept")
    p.add_argument("username")
    p = action("move-user", help="into another team")
    p.add_argument("username")
    p.add_argument("--team", required=True)
    p = action("create-admin", help="a beheerder account for the web console (/admin); prints a one-time password")
    p.add_argument("name")
    p = action("reset-admin", help="a new one-time password for a beheerder; their TOTP is enrolled again")
    p.add_argument("name")
    action("list-admins", help="the beheerders of the web console")
    p = action("disable-admin", help="a beheerder can no longer log in to the console; sessions end at once")
    p.add_argument("name")
    p = action("export-audit", help="the audit log as CSV, optionally of one user, one case or a period")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--user", dest="audit_user", default=None, help="only this user's entries (user name)")
    p.add_argument("--case", dest="audit_case", default=None, help="only entries about this case id")
    p.add_argument("--from", dest="audit_from", type=_day, default=None, help="from this day (YYYY-MM-DD, UTC)")
    p.add_argument("--to", dest="audit_to", type=_day, default=None, help="up to and including this day")
    p = action("set-access-log-retention", help="how long the laptops' access entries are kept (days)")
    p.add_argument("--days", type=int, required=True)
    action("prune-audit", help="delete the access entries older than that period now")
    p = action("set-retention", help="how long a closed case is kept before it is erased everywhere")
    # Text, checked by admin.set_retention: a bad value is an admin refusal (one line, exit 1), as the others.
    p.add_argument("--closed-days", required=True, help="days after the closing date (365 to 36500)")
    action("show-retention", help="the retention period in force")
    p = action("run-retention", help="erase the cases closed longer than the retention period now "
                                     "(the server does so itself every hour)")
    p.add_argument("--dry-run", action="store_true", help="only list the case ids it would erase")
    p = action("record-backup", help="the backup script's note that a backup succeeded (shown on the console's "
                                     "status page)")
    p.add_argument("--at", default=None, help="when it was taken (ISO 8601, UTC if no zone); default now")
    return parser


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def _quota(text: str) -> int | None:
    if text.strip().lower() == "default":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of MiB (or 'default')") from None


def _space_line(space: TeamSpace) -> str:
    """One team's attachment space as the CLI prints it."""
    default = config.Settings().team_quota_mb
    quota = space.quota_mb if space.quota_mb is not None else default
    used = space.used_bytes / 1024 / 1024
    line = (f"team {space.name}: attachments may take {quota} MiB"
            f"{' (the server default)' if space.quota_mb is None else ''}; {used:.1f} MiB used")
    if space.used_bytes > quota * 1024 * 1024:
        line += " - more than the quota already: new attachments are refused until there is room; nothing is deleted"
    return line


def _serve(cfg: config.Settings, url: str) -> int:
    import logging.config

    import uvicorn

    from leerrecht_server.logs import logging_config

    log_config = logging_config(cfg.log_level, cfg.log_format)
    logging.config.dictConfig(log_config)  # for what happens before uvicorn applies it
    certfile, keyfile = (str(cfg.cert), str(cfg.key)) if cfg.cert and cfg.key else (None, None)
    if cfg.workers == 1:
        from leerrecht_server.app import create_app

        # Proxy headers are handled inside the application (Settings.behind_proxy), the same way
        # under tests as in production; uvicorn's own handling would trust 127.0.0.1 by default.
        app = create_app(url, settings=cfg)
        with _retention_sweeper(url):
            uvicorn.run(app, host=cfg.host, port=cfg.port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                        proxy_headers=False, log_config=log_config, access_log=False, server_header=False)
        return 0
    # Several processes on one socket: uvicorn starts fresh interpreters that import the factory by
    # name and read the checked configuration from the environment. Migrate once, here, first.
    from leerrecht_server.db import migrate, open_engine

    engine = open_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    with _metrics_folder() as folder, _retention_sweeper(url):
        # Set before the workers start, so prometheus_client in each of them counts into the folder
        # (it decides at import) and a scrape of any one sums them all.
        os.environ.update({**cfg.worker_env(), DB_ENV: url, MULTIPROC_ENV: str(folder)})
        uvicorn.run("leerrecht_server.app:create_app_from_env", factory=True, workers=cfg.workers, host=cfg.host,
                    port=cfg.port, ssl_certfile=certfile, ssl_keyfile=keyfile, proxy_headers=False,
                    log_config=log_config, access_log=False, server_header=False)
    return 0


@contextmanager
def _retention_sweeper(url: str) -> Iterator[None]:
    """The retention sweep in this process (not in each worker): at start, then hourly, while serving.
    Several serve processes over one database each sweep; that is harmless (leerrecht_server/retention.py)."""
    from leerrecht_server.db import open_engine
    from leerrecht_server.retention import Sweeper

    engine = open_engine(url)
    sweeper = Sweeper(engine)
    sweeper.start()
    try:
        yield
    finally:
        sweeper.stop()
        engine.dispose()


@contextmanager
def _metrics_folder() -> Iterator[Path]:
    """A new, empty folder (0700: the counts are this server's business) for the workers' counter
    files, removed when the server stops: each start counts from zero, as one process does."""
    folder = Path(tempfile.mkdtemp(prefix="leerrecht-server-metrics-"))
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def _admin(args: argparse.Namespace, url: str) -> int:
    from leerrecht_server import admin
    from leerrecht_server.db import migrate, open_engine

    engine = open_engine(url)
    try:
        migrate(engine)
        if args.action == "create-team":
            team_id = admin.create_team(engine, args.name)
            print(f"team {args.name} created ({team_id})")
        elif args.action == "list-teams":
            for space in admin.team_spaces(engine):
                print(_space_line(space))
        elif args.action == "set-team-quota":
            space = admin.set_team_quota(engine, args.team, args.quota)
            print(_space_line(space))
        elif args.action == "create-user":
            code = admin.create_user(engine, args.username, args.role, args.team)
            print(f"user {args.username} created; enrolment code, valid {admin.ENROLMENT_CODE_DAYS} days, "
                  "shown once:")
            print(code)
        elif args.action == "reset-user":
            code = admin.reset_user(engine, args.username)
            print(f"user {args.username} reset: their laptops are replaced (each still delivers what it had not "
                  "sent, then stops; nothing is wiped). After enrolling again, run recover-user. "
                  "New enrolment code, shown once:")
            print(code)
        elif args.action == "list-devices":
            for d in admin.list_devices(engine, args.username):
                state = f"revoked {d.revoked_at}" if d.revoked_at else d.state
                unsent = "-" if d.unsent_reported is None else str(d.unsent_reported)
                print(f"{d.device_id}  {d.username}  {d.name!r}  created {d.created_at}  "
                      f"last contact {d.last_seen or '-'}  app {d.app_version or '-'}  unsent {unsent}  {state}")
        elif args.action == "revoke-device":
            also = admin.revoke_device(engine, args.device_id)
            print(f"device {args.device_id} revoked")
            for other in also:  # logged in with an auth key this device's passphrase change set
                print(f"device {other} revoked too (minted from it)")
        elif args.action == "create-recovery-key":
            from leerrecht_server.recovery_kit import create_recovery_kit

            if args.out is not None:
                private, fingerprint = create_recovery_kit(engine, args.out, replace=args.replace)
            else:
                private = admin.create_recovery_key(engine, replace=args.replace)
                fingerprint = None
            print("Recovery key created. The server keeps only the public half. Keep this private key "
                  "offline (printed once, never stored here):")
            if args.out is not None:
                print(f"Written to {args.out} and the printable kit {args.out}.pdf (both 0600); public key "
                      f"fingerprint {fingerprint}.")
            print(private)
        elif args.action == "recover-user":
            _recover(engine, args.username)
        elif args.action in ("list-users", "disable-user", "move-user"):
            _accounts(engine, args)
        elif args.action in ("set-retention", "show-retention", "run-retention"):
            _retention(engine, args)
        elif args.action in ("create-admin", "reset-admin", "list-admins", "disable-admin"):
            _admins(engine, args)
        elif args.action == "export-audit":
            n = admin.export_audit(engine, args.out, username=args.audit_user, case_id=args.audit_case,
                                   start=args.audit_from, end=args.audit_to)
            print(f"{n} audit entries written to {args.out}")
        elif args.action == "set-access-log-retention":
            admin.set_access_log_retention(engine, args.days)
            print(f"access entries are kept {args.days} days")
        elif args.action == "record-backup":
            print(f"backup recorded at {admin.record_backup(engine, args.at)}")
        elif args.action == "prune-audit":
            n, days = admin.prune_audit(engine)
            print(f"{n} access entries older than {days} days deleted")
    finally:
        engine.dispose()
    return 0


def _admins(engine: Engine, args: argparse.Namespace) -> None:
    from leerrecht_server import admin_accounts

    if args.action == "list-admins":
        for a in admin_accounts.list_admins(engine):
            print(f"{a.name}  {a.status}  {a.state}  created {a.created_at}  last login {a.last_login_at or '-'}")
        return
    if args.action == "disable-admin":
        admin_accounts.disable_admin(engine, args.name)
        print(f"admin {args.name} disabled: console login refused, sessions ended (reset-admin enables it again)")
        return
    if args.action == "create-admin":
        password = admin_accounts.create_admin(engine, args.name)
        print(f"admin {args.name} created. One-time password, shown once; the first login at /admin "
              "asks a new password and sets up the second factor (TOTP):")
    else:
        password = admin_accounts.reset_admin(engine, args.name)
        print(f"admin {args.name} reset: sessions ended, second factor to set up again. New one-time "
              "password, shown once:")
    print(password)


def _retention(engine: Engine, args: argparse.Namespace) -> None:
    from leerrecht_server import admin

    if args.action == "set-retention":
        days = admin.set_retention(engine, args.closed_days)
        print(f"retention set: a closed case is erased everywhere {days} days after its closing date "
              "(unless a coordinator put it on hold)")
    elif args.action == "show-retention":
        days, chosen = admin.show_retention(engine)
        print(f"retention: {days} days after the closing date ({'set by the organisation' if chosen else 'default'})")
    else:
        result = admin.run_retention(engine, dry_run=args.dry_run)
        verb = "would be erased" if args.dry_run else "erased"
        print(f"{len(result.erased)} case(s) closed more than {result.closed_days} days ago {verb}")
        for case_id in result.erased:
            print(case_id)
        if result.abandoned:
            verb = "would be given up" if args.dry_run else "given up"
            print(f"{len(result.abandoned)} attachment upload(s) begun more than a week ago and never completed "
                  f"{verb} (the laptops still have them and send them again)")


def _accounts(engine: Engine, args: argparse.Namespace) -> None:
    from leerrecht_server import accounts

    if args.action == "list-users":
        for u in accounts.list_users(engine):
            print(f"{u.username}  {u.role}  team {u.team!r}  {u.status}  devices {u.devices_active}/{u.devices_total}  "
                  f"last sync {u.last_sync or '-'}")
    elif args.action == "disable-user":
        n = accounts.disable_user(engine, args.username)
        print(f"user {args.username} disabled: login refused, {n} laptop(s) revoked (they erase their case data "
              "at next contact); everything they wrote is kept")
    else:
        name = accounts.move_user(engine, args.username, args.team)
        print(f"user {args.username} moved to team {name}; their current cases stay shared with them until handed over")


def _recover(engine: Engine, username: str) -> None:
    import getpass

    from leerrecht_server.recovery import RECOVERY_KEY_ENV, check_recoverable, parse_recovery_key, recover_user

    # Taken out of the environment at once (nothing this process starts inherits it); held only in
    # this function's variables for the command's length.
    text = os.environ.pop(RECOVERY_KEY_ENV, None)
    check_recoverable(engine, username)  # checked again, with the key, in the one transaction
    if text is None:
        text = getpass.getpass("Recovery key (input hidden): ")
    key = parse_recovery_key(text)
    del text
    result = recover_user(engine, username, key)
    del key
    print(f"user {username}: {len(result.cases)} case(s) recovered; their next sync brings them back.")
    if result.incomplete:
        print(f"{len(result.incomplete)} case(s) only partly: a key version had no grant for this recovery key "
              "(older than the key, or made for an earlier one). A member of each can remove and add "
              f"{username} again: " + " ".join(result.incomplete))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    from leerrecht_server.admin import AdminError
    from leerrecht_server.db import default_database_url

    try:
        if args.command == "serve":
            cfg = config.resolve_serve(vars(args), os.environ)
            return _serve(cfg, cfg.db or default_database_url())
        return _admin(args, args.db or os.environ.get(DB_ENV) or default_database_url())
    except ConfigError as exc:
        print(f"leerrecht-server: {exc}", file=sys.stderr)
        return EXIT_CONFIG
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
