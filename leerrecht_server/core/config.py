"""How `leerrecht-server serve` is configured: command-line options, else environment variables,
else defaults. Every value is checked here, once, so a wrong one is one clear line at start
(exit status 2) rather than a surprise at the first request.

Environment variables exist because a systemd unit, a container or a process manager passes
configuration that way (an EnvironmentFile readable by root only), and because a secret such as the
status token must not appear on a command line, where every local user can read it in `ps`."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from leerrecht_core.errors import LeerrechtError
from leerrecht_server.security import AuthHashParams

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
CONSOLE_IDLE_ENV = ENV_PREFIX + "CONSOLE_IDLE_MINUTES"
# Attachments (docs/attachments.md): where the sealed chunks go, and each team's share of the space.
BLOB_STORE_ENV = ENV_PREFIX + "BLOB_STORE"
BLOB_DIR_ENV = ENV_PREFIX + "BLOB_DIR"
TEAM_QUOTA_ENV = ENV_PREFIX + "TEAM_QUOTA_MB"
# The S3-compatible store (blobs/s3.py). Credentials are boto3's own (AWS_ACCESS_KEY_ID, …), not ours.
S3_BUCKET_ENV = ENV_PREFIX + "S3_BUCKET"
S3_ENDPOINT_ENV = ENV_PREFIX + "S3_ENDPOINT"
S3_REGION_ENV = ENV_PREFIX + "S3_REGION"
S3_PREFIX_ENV = ENV_PREFIX + "S3_PREFIX"
# Test-only: a process started with this variable pauses every push that took sequence numbers,
# after taking them and before committing, until the named file is deleted (tests/server show
# that another process's push then waits, and that no pull skips a number).
PAUSE_FILE_ENV = ENV_PREFIX + "TEST_PAUSE_FILE"
# prometheus_client's own variable: the folder of per-process counter files that `serve --workers N`
# creates for its workers (leerrecht_server/core/metrics.py).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
DEFAULT_TRUSTED_PROXIES = "127.0.0.1"
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "text")
BLOB_STORES = ("database", "directory", "s3")
DEFAULT_S3_PREFIX = "leerrecht/attachments/"
# 10 GiB per team: 400 of the largest scans, some thousands of phone photos; an operator sets more.
DEFAULT_TEAM_QUOTA_MB = 10 * 1024
MAX_TEAM_QUOTA_MB = 1024 * 1024 * 1024
MAX_WORKERS = 64
# A status token is compared as a bearer secret: short ones are guessable over the network.
MIN_STATUS_TOKEN = 24
# The console's idle timeout (minutes without a request before its session ends), and its bounds.
DEFAULT_CONSOLE_IDLE_MINUTES = 15
MAX_CONSOLE_IDLE_MINUTES = 8 * 60
# Argon2id over a beheerder's password: a password is far weaker than the laptops' 32-byte
# authentication key, so a costlier hash than theirs (OWASP's floor is 19 MiB with t = 2).
CONSOLE_PASSWORD_HASH = AuthHashParams(memory_kib=64 * 1024, iterations=3, lanes=1)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(LeerrechtError, ValueError):
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


def parse_count(name: str, raw: str, high: int, what: str) -> int:
    """A whole number 1..high, or the one line saying what it should be ("a number of {what} (1-high)")."""
    try:
        n = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number of {what} (1-{high})") from None
    if not 1 <= n <= high:
        raise ConfigError(f"{name}: {n} is not a number of {what} (1-{high})")
    return n


def parse_workers(name: str, raw: str) -> int:
    return parse_count(name, raw, MAX_WORKERS, "processes")


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


def parse_idle_minutes(name: str, raw: str) -> int:
    return parse_count(name, raw, MAX_CONSOLE_IDLE_MINUTES, "minutes")


def parse_quota_mb(name: str, raw: str) -> int:
    return parse_count(name, raw, MAX_TEAM_QUOTA_MB, "megabytes")


def parse_status_token(name: str, raw: str) -> str | None:
    token = raw.strip()
    if not token:
        return None
    if len(token) < MIN_STATUS_TOKEN or any(ch.isspace() for ch in token):
        raise ConfigError(f"{name}: use at least {MIN_STATUS_TOKEN} characters without spaces "
                          "(e.g. `openssl rand -hex 32`)")
    return token



# The variables Settings reads, by field. Only these, by their exact names: the tuning fields below
# them (login limits, hash cost) are for tests and code, not an interface an operator could stumble on.
ENV_VARS: dict[str, str] = {
    "db": DB_ENV, "host": HOST_ENV, "port": PORT_ENV, "cert": CERT_ENV, "key": KEY_ENV,
    "behind_proxy": BEHIND_PROXY_ENV, "trusted_proxies": TRUSTED_PROXIES_ENV, "workers": WORKERS_ENV,
    "log_level": LOG_LEVEL_ENV, "log_format": LOG_FORMAT_ENV, "status_token": STATUS_TOKEN_ENV,
    "pause_file": PAUSE_FILE_ENV, "console_idle_minutes": CONSOLE_IDLE_ENV,
    "blob_store": BLOB_STORE_ENV, "blob_dir": BLOB_DIR_ENV, "team_quota_mb": TEAM_QUOTA_ENV,
    "s3_bucket": S3_BUCKET_ENV, "s3_endpoint": S3_ENDPOINT_ENV, "s3_region": S3_REGION_ENV,
    "s3_prefix": S3_PREFIX_ENV,
}
# What resolve_serve reads; os.environ when unset (the worker processes, tests' Settings()).
_environ: ContextVar[Mapping[str, str] | None] = ContextVar("leerrecht_server_environ", default=None)


class _ServerEnvironment(PydanticBaseSettingsSource):
    """The documented LEERRECHT_SERVER_* variables, exact names, an empty value meaning unset.

    pydantic-settings' own EnvSettingsSource would also read every other field (the tuning knobs)
    and lower-case names, and it can't read a mapping other than os.environ (resolve_serve is
    given one)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # not used: __call__ reads the variables itself

    def __call__(self) -> dict[str, Any]:
        given = _environ.get()
        env = os.environ if given is None else given
        out: dict[str, Any] = {}
        for field_name, var in ENV_VARS.items():
            raw = env.get(var)
            if raw is not None and raw.strip() != "":
                out[field_name] = raw
        return out


class Settings(BaseSettings):
    """Everything the server is configured by. Keyword arguments (the command line, tests) win over
    the environment, which wins over the defaults; an environment value that a keyword overrides is
    never checked, as it is not in force. A value that can't be used raises ConfigError with the one
    line the operator sees (the same sentence whether it came from an option or a variable)."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid")

    # Fields in the order they are checked: with several bad values, the first one is reported.
    db: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    cert: Path | None = None
    key: Path | None = None
    # Plain HTTP behind a TLS-terminating proxy: X-Forwarded-For/-Proto are honoured, but only from
    # these addresses or networks (comma-separated), so the login rate limit and the audit log see
    # the real client, and no client can pick the address it is counted under.
    behind_proxy: bool = False
    trusted_proxies: str = DEFAULT_TRUSTED_PROXIES
    workers: int = 1
    log_level: str = "info"
    log_format: str = "json"
    # Who may read /v1/status and /metrics: with a token, whoever presents it; without, loopback only.
    # Only from the environment: a secret on the command line is visible to every local user.
    status_token: str | None = Field(default=None, repr=False)
    pause_file: str | None = None
    # The admin console (/admin): its session ends after this many minutes without a request.
    console_idle_minutes: int = DEFAULT_CONSOLE_IDLE_MINUTES
    # Attachments' sealed chunks: in the database (default) or as files under blob_dir; and the space
    # each team's attachments may take on the server, in MiB of sealed bytes.
    blob_store: str = "database"
    blob_dir: Path | None = None
    team_quota_mb: int = DEFAULT_TEAM_QUOTA_MB
    # blob_store=s3: the bucket, and for anything but AWS the endpoint (https://minio.example:9000).
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_prefix: str = DEFAULT_S3_PREFIX

    # Tuning, not read from the environment.
    login_limit_per_user: int = 5
    login_limit_per_ip: int = 20
    login_window_seconds: float = 15 * 60
    auth_hash: AuthHashParams = Field(default_factory=AuthHashParams)
    # Seconds between updates of a device's last_seen (each update is a write).
    last_seen_interval: float = 60.0
    # The console: a beheerder's password hash (new passwords), and the limit on wrong TOTP codes
    # per admin account per window (the login limits above count passwords, per account and address).
    console_password_hash: AuthHashParams = Field(default_factory=lambda: CONSOLE_PASSWORD_HASH)
    console_totp_limit: int = 5

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _config_error(exc) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file and no secrets folder: an EnvironmentFile (systemd) or the container passes
        # the variables; a file found in the working directory should not configure a server.
        return init_settings, _ServerEnvironment(settings_cls)

    @field_validator("db", mode="before")
    @classmethod
    def _db(cls, v: object) -> object:
        return None if v is None else str(v)

    @field_validator("host", mode="before")
    @classmethod
    def _host(cls, v: object) -> str:
        return str(v).strip()

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, v: object) -> int:
        return parse_port(PORT_ENV, str(v))

    @field_validator("cert", "key", mode="before")
    @classmethod
    def _path(cls, v: object) -> object:
        return Path(v.strip()) if isinstance(v, str) else v

    @field_validator("behind_proxy", mode="before")
    @classmethod
    def _behind_proxy(cls, v: object) -> bool:
        return v if isinstance(v, bool) else parse_bool(BEHIND_PROXY_ENV, str(v))

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _trusted_proxies(cls, v: object) -> str:
        return parse_trusted_proxies(TRUSTED_PROXIES_ENV, str(v))

    @field_validator("workers", mode="before")
    @classmethod
    def _workers(cls, v: object) -> int:
        return parse_workers(WORKERS_ENV, str(v))

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, v: object) -> str:
        return parse_choice(LOG_LEVEL_ENV, str(v), LOG_LEVELS)

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, v: object) -> str:
        return parse_choice(LOG_FORMAT_ENV, str(v), LOG_FORMATS)

    @field_validator("console_idle_minutes", mode="before")
    @classmethod
    def _console_idle(cls, v: object) -> int:
        return parse_idle_minutes(CONSOLE_IDLE_ENV, str(v))

    @field_validator("blob_store", mode="before")
    @classmethod
    def _blob_store(cls, v: object) -> str:
        return parse_choice(BLOB_STORE_ENV, str(v), BLOB_STORES)

    @field_validator("blob_dir", mode="before")
    @classmethod
    def _blob_dir(cls, v: object) -> object:
        return Path(v.strip()).expanduser() if isinstance(v, str) else v

    @field_validator("s3_bucket", "s3_endpoint", "s3_region", mode="before")
    @classmethod
    def _s3_text(cls, v: object) -> object:
        return (v.strip() or None) if isinstance(v, str) else v

    @field_validator("s3_endpoint")
    @classmethod
    def _s3_endpoint(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("https://", "http://")):
            raise ConfigError(f"{S3_ENDPOINT_ENV}: {v!r} is not a URL: write it as https://host:port")
        return v

    @field_validator("s3_prefix", mode="before")
    @classmethod
    def _s3_prefix(cls, v: object) -> object:
        # Objects sit under "<prefix><attachment id>/<index>": a prefix is a folder, so it ends in "/".
        if isinstance(v, str):
            v = v.strip().lstrip("/")
            return (v if v.endswith("/") else v + "/") if v else DEFAULT_S3_PREFIX
        return v

    @field_validator("team_quota_mb", mode="before")
    @classmethod
    def _team_quota(cls, v: object) -> int:
        return parse_quota_mb(TEAM_QUOTA_ENV, str(v))

    @field_validator("status_token", mode="before")
    @classmethod
    def _status_token(cls, v: object) -> str | None:
        return None if v is None else parse_status_token(STATUS_TOKEN_ENV, str(v))

    @model_validator(mode="after")
    def _combinations(self) -> Settings:
        """The combinations that are refused, whatever the source of each value."""
        if (self.cert is None) != (self.key is None):
            raise ConfigError("--cert and --key go together (or LEERRECHT_SERVER_CERT and LEERRECHT_SERVER_KEY)")
        if self.cert is None and not is_loopback(self.host) and not self.behind_proxy:
            raise ConfigError(f"refusing plain HTTP on {self.host}: give --cert/--key, or --behind-proxy "
                              "when a TLS reverse proxy is in front")
        for f in (self.cert, self.key):
            if f is not None and not f.is_file():
                raise ConfigError(f"no such file: {f}")
        if self.blob_store == "directory" and self.blob_dir is None:
            raise ConfigError(f"{BLOB_STORE_ENV}=directory needs {BLOB_DIR_ENV}, the folder for the attachments")
        if self.blob_store == "s3" and self.s3_bucket is None:
            raise ConfigError(f"{BLOB_STORE_ENV}=s3 needs {S3_BUCKET_ENV}, the bucket for the attachments")
        if self.blob_dir is not None and not self.blob_dir.parent.is_dir():
            raise ConfigError(f"{BLOB_DIR_ENV}: no such folder: {self.blob_dir.parent}")
        return self

    @property
    def team_quota_bytes(self) -> int:
        return self.team_quota_mb * 1024 * 1024

    def worker_env(self) -> dict[str, str]:
        """Every serve value, for the processes of `--workers N`: uvicorn starts them as fresh
        interpreters, which build their Settings from the environment they inherit. Unset values
        are passed as empty (= unset), so a variable the command line overrode is not read there."""
        return {var: _env_text(getattr(self, field_name)) for field_name, var in ENV_VARS.items()
                if field_name != "pause_file"}


def _env_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _config_error(exc: ValidationError) -> ConfigError:
    """The first problem as the one line the operator sees (our validators raise ConfigError)."""
    first = exc.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    field_name = str(first["loc"][0]) if first.get("loc") else ""
    return ConfigError(f"{ENV_VARS.get(field_name, field_name)}: {first.get('msg', 'invalid value')}")


@contextmanager
def _reading(env: Mapping[str, str]) -> Iterator[None]:
    token = _environ.set(env)
    try:
        yield
    finally:
        _environ.reset(token)


def resolve_serve(cli: Mapping[str, object], env: Mapping[str, str]) -> Settings:
    """The settings of `leerrecht-server serve`: command-line values (None when not given) over the
    variables in `env` over the defaults. The status token only ever comes from `env`."""
    given = {name: value for name, value in cli.items()
             if value is not None and name in ENV_VARS and name != "status_token"}
    with _reading(env):
        return Settings(**given)
