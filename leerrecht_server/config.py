"""How `leerrecht-server serve` is configured: command-line options, else environment variables,
else defaults. Every value is checked here, once, so a wrong one is one clear line at start
(exit status 2) rather than a surprise at the first request.

Environment variables exist because a systemd unit, a container or a process manager passes
configuration that way (an EnvironmentFile readable by root only), and because a secret such as the
status token must not appear on a command line, where every local user can read it in `ps`."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "LEERRECHT_SERVER_"
DB_ENV = ENV_PREFIX + "DB"
HOST_ENV = ENV_PREFIX + "HOST"
PORT_ENV = ENV_PREFIX + "PORT"
CERT_ENV = ENV_PREFIX + "CERT"
KEY_ENV = ENV_PREFIX + "KEY"
BEHIND_PROXY_ENV = ENV_PREFIX + "BEHIND_PROXY"
TRUSTED_PROXIES_ENV = ENV_PREFIX + "TRUSTED_PROXIES"
WORKERS_ENV = ENV_PREFIX + "WORKERS"
LOG_LEVEL_ENV = ENV_PREFIX + "LOG_LEVEL"
LOG_FORMAT_ENV = ENV_PREFIX + "LOG_FORMAT"
STATUS_TOKEN_ENV = ENV_PREFIX + "STATUS_TOKEN"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
DEFAULT_TRUSTED_PROXIES = "127.0.0.1"
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "text")
MAX_WORKERS = 64
# A status token is compared as a bearer secret: short ones are guessable over the network.
MIN_STATUS_TOKEN = 24

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration value that can't be used; the message is the one line the operator sees."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: {raw!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)")


def parse_port(name: str, raw: str) -> int:
    try:
        port = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name}: {port} is not a port number (1-65535)")
    return port


def parse_workers(name: str, raw: str) -> int:
    try:
        n = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number of processes (1-{MAX_WORKERS})") from None
    if not 1 <= n <= MAX_WORKERS:
        raise ConfigError(f"{name}: {n} is not a number of processes (1-{MAX_WORKERS})")
    return n


def parse_trusted_proxies(name: str, raw: str) -> str:
    """Comma-separated addresses or networks (CIDR). No `*`: trusting every peer would let any
    client choose the address the login rate limit counts against."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name}: give at least one proxy address")
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/24)") \
                from None
    return ",".join(items)


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}: {raw!r} is not one of {', '.join(choices)}")
    return value


def parse_status_token(name: str, raw: str) -> str | None:
    token = raw.strip()
    if not token:
        return None
    if len(token) < MIN_STATUS_TOKEN or any(ch.isspace() for ch in token):
        raise ConfigError(f"{name}: use at least {MIN_STATUS_TOKEN} characters without spaces "
                          "(e.g. `openssl rand -hex 32`)")
    return token


@dataclass(frozen=True)
class ServeConfig:
    db: str | None
    host: str
    port: int
    cert: Path | None
    key: Path | None
    behind_proxy: bool
    trusted_proxies: str
    workers: int
    log_level: str
    log_format: str
    status_token: str | None

    def check(self) -> None:
        """The combinations that are refused, whatever the source of each value."""
        if (self.cert is None) != (self.key is None):
            raise ConfigError("--cert and --key go together (or LEERRECHT_SERVER_CERT and LEERRECHT_SERVER_KEY)")
        if self.cert is None and not is_loopback(self.host) and not self.behind_proxy:
            raise ConfigError(f"refusing plain HTTP on {self.host}: give --cert/--key, or --behind-proxy "
                              "when a TLS reverse proxy is in front")
        for f in (self.cert, self.key):
            if f is not None and not f.is_file():
                raise ConfigError(f"no such file: {f}")

    def worker_env(self) -> dict[str, str]:
        """What each process of `--workers N` needs to build the same application (uvicorn starts
        them as fresh interpreters, so they read it from the environment they inherit)."""
        env = {BEHIND_PROXY_ENV: "1" if self.behind_proxy else "0", TRUSTED_PROXIES_ENV: self.trusted_proxies,
               LOG_LEVEL_ENV: self.log_level, LOG_FORMAT_ENV: self.log_format}
        if self.db:
            env[DB_ENV] = self.db
        if self.status_token:
            env[STATUS_TOKEN_ENV] = self.status_token
        return env


def resolve_serve(cli: Mapping[str, object], env: Mapping[str, str]) -> ServeConfig:
    """Command-line values (None when not given) win over the environment, which wins over the
    defaults. An environment value that the command line overrides is not even checked: it is not
    in force."""

    def pick(option: str, var: str) -> tuple[object | None, str | None]:
        given = cli.get(option)
        if given is not None:
            return given, None
        raw = env.get(var)
        return None, (raw if raw is not None and raw.strip() != "" else None)

    db, db_raw = pick("db", DB_ENV)
    host, host_raw = pick("host", HOST_ENV)
    port, port_raw = pick("port", PORT_ENV)
    cert, cert_raw = pick("cert", CERT_ENV)
    key, key_raw = pick("key", KEY_ENV)
    proxy, proxy_raw = pick("behind_proxy", BEHIND_PROXY_ENV)
    trusted, trusted_raw = pick("trusted_proxies", TRUSTED_PROXIES_ENV)
    workers, workers_raw = pick("workers", WORKERS_ENV)
    level, level_raw = pick("log_level", LOG_LEVEL_ENV)
    fmt, fmt_raw = pick("log_format", LOG_FORMAT_ENV)

    cfg = ServeConfig(
        db=str(db) if db is not None else db_raw,
        host=str(host) if host is not None else (host_raw.strip() if host_raw else DEFAULT_HOST),
        port=int(str(port)) if port is not None else (parse_port(PORT_ENV, port_raw) if port_raw else DEFAULT_PORT),
        cert=Path(str(cert)) if cert is not None else (Path(cert_raw.strip()) if cert_raw else None),
        key=Path(str(key)) if key is not None else (Path(key_raw.strip()) if key_raw else None),
        behind_proxy=bool(proxy) if proxy is not None else (parse_bool(BEHIND_PROXY_ENV, proxy_raw)
                                                            if proxy_raw else False),
        trusted_proxies=parse_trusted_proxies("--trusted-proxies" if trusted is not None else TRUSTED_PROXIES_ENV,
                                              str(trusted) if trusted is not None
                                              else (trusted_raw or DEFAULT_TRUSTED_PROXIES)),
        workers=int(str(workers)) if workers is not None else (parse_workers(WORKERS_ENV, workers_raw)
                                                               if workers_raw else 1),
        log_level=str(level) if level is not None else (parse_choice(LOG_LEVEL_ENV, level_raw, LOG_LEVELS)
                                                        if level_raw else "info"),
        log_format=str(fmt) if fmt is not None else (parse_choice(LOG_FORMAT_ENV, fmt_raw, LOG_FORMATS)
                                                     if fmt_raw else "json"),
        # Only from the environment: a secret on the command line is visible to every local user.
        status_token=parse_status_token(STATUS_TOKEN_ENV, env.get(STATUS_TOKEN_ENV, "")),
    )
    cfg.check()
    return cfg
