"""HTTPS to the sync server: one httpx client, certificate checks, optional pinning, errors in Dutch.

Plain HTTP is refused for every address but this machine's own (127.0.0.0/8, ::1, localhost), where
nothing travels over a network. TLS certificates are always verified; on top of that an operator can
pin the SHA-256 of the server's certificate, and a connection that shows another certificate is
dropped before a response is used. Error texts never hold case content or the token."""

from __future__ import annotations

import hashlib
import ipaddress
import random
import ssl
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import (
    API_PREFIX,
    CLIENT_UNSENT_HEADER,
    CLIENT_VERSION_HEADER,
    ErrorBody,
    RevokedProof,
)
from leerrecht_desktop import __version__
from leerrecht_desktop.sync.errors import SyncError

M = TypeVar("M", bound=BaseModel)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class InsecureServerAddress(SyncError):
    pass


class Unreachable(SyncError):
    pass


class CertificateProblem(SyncError):
    pass


class ServerRefused(SyncError):
    def __init__(self, message: str, code: str, status: int):
        super().__init__(message)
        self.code = code
        self.status = status


class Unauthorized(ServerRefused):
    pass


class DeviceRevoked(ServerRefused):
    # The server's signed proof of the revocation (protocol.RevokedProof), if the answer carried one:
    # the laptop erases only when it verifies against the identity pinned at enrolment (sync/engine.py).
    proof: RevokedProof | None = None


class RevocationUnproven(Unauthorized):
    """The server answered `device_revoked` without a proof from its pinned identity: this laptop
    stops syncing and erases nothing."""


class DeviceReplaced(DeviceRevoked):
    """This laptop was replaced by a new enrolment of the same account (a reset): only a push is still
    taken. A subclass of DeviceRevoked so every path that stops on a revocation stops on it too; the
    engine catches it first, delivers the outbox and never wipes (sync/engine.py)."""


class Forbidden(ServerRefused):
    pass


class NotFound(ServerRefused):
    pass


class ConflictError(ServerRefused):
    pass


class RateLimited(ServerRefused):
    pass


class EnrolmentInvalid(ServerRefused):
    pass


class TooLarge(ServerRefused):
    pass


class QuotaExceeded(ServerRefused):
    pass


class BadResponse(SyncError):
    pass


class InvalidRequest(SyncError):
    """What was typed (or is in the profile) can't be sent: too long for the server, empty, or with an
    invisible control character. Said before anything goes out, with the field and what to do."""


def outgoing(model: type[M], **fields: Any) -> M:
    """A request for the server (a protocol model), or InvalidRequest in Dutch when a value breaks the
    wire format's limits (protocol.MAX_USERNAME_LEN and the like), instead of pydantic's own error."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise _invalid_request(exc) from None


def _invalid_request(exc: ValidationError) -> InvalidRequest:
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        kind = {"string_too_long": "too_long", "string_too_short": "empty"}.get(error["type"])
        if kind is None and "control characters" in error.get("msg", ""):
            kind = "control"
        limit = int((error.get("ctx") or {}).get("max_length", 0))
        message = _field_problem(field, kind, limit) if kind else None
        if message:
            return InvalidRequest(message)
    # The field's name only: its value could be a person's name.
    field = ".".join(str(x) for x in exc.errors()[0]["loc"]) if exc.errors() else ""
    return InvalidRequest(tr("De app kon het verzoek aan de server niet opbouwen ({field}). Werk de app bij of "
                             "meld dit aan je coördinator.", field=field))


def _field_problem(field: str, kind: str, limit: int) -> str | None:
    if field == "username":
        return {"too_long": tr("Je gebruikersnaam is te lang: de server neemt hoogstens {max} tekens. Controleer "
                               "de gebruikersnaam die je van de beheerder kreeg.", max=limit),
                "control": tr("Je gebruikersnaam bevat een onzichtbaar teken (zoals een tab of een regeleinde). "
                              "Typ hem opnieuw."),
                "empty": tr("Vul je gebruikersnaam in.")}[kind]
    if field == "enrolment_code":
        return {"too_long": tr("De aanmeldcode is te lang: hoogstens {max} tekens. Controleer de code die je van "
                               "de beheerder kreeg.", max=limit),
                "control": tr("De aanmeldcode bevat een onzichtbaar teken (zoals een tab of een regeleinde). Typ "
                              "ze opnieuw."),
                "empty": tr("Vul de aanmeldcode van de beheerder in.")}[kind]
    if field == "display_name":
        return {"too_long": tr("De naam in je profiel is te lang voor de server: hoogstens {max} tekens. Maak een "
                               "profiel met een kortere naam, of vraag je coördinator om hulp.", max=limit),
                "control": tr("De naam in je profiel bevat een onzichtbaar teken (zoals een tab of een "
                              "regeleinde). Maak een profiel met de naam zonder dat teken, of vraag je "
                              "coördinator om hulp."),
                "empty": tr("Je profiel heeft geen naam. Maak een profiel met je naam.")}[kind]
    if field == "device_name":
        return {"too_long": tr("De naam van deze laptop is te lang voor de server: hoogstens {max} tekens. Meld "
                               "dit aan je coördinator.", max=limit),
                "control": tr("De naam van deze laptop bevat een onzichtbaar teken. Meld dit aan je "
                              "coördinator."),
                "empty": tr("Deze laptop heeft geen naam. Meld dit aan je coördinator.")}[kind]
    return None


def _messages() -> dict[str, tuple[type[ServerRefused], str]]:
    return {
        "bad_request": (ServerRefused, tr("De server weigerde het verzoek als ongeldig. Werk de app bij of "
                                          "meld dit aan je coördinator.")),
        "unauthorized": (Unauthorized, tr("De server herkent deze laptop niet (meer). Meld je opnieuw aan "
                                          "met 'leerrecht enroll'.")),
        "device_revoked": (DeviceRevoked, tr("Deze laptop is ingetrokken op de server. De dossiers op deze "
                                             "laptop worden gewist.")),
        "device_replaced": (DeviceReplaced, tr("Deze laptop is vervangen door een nieuwe aanmelding van jouw "
                                               "account en synchroniseert niet meer.")),
        "forbidden": (Forbidden, tr("Je hebt geen toegang tot dit dossier op de server.")),
        "not_found": (NotFound, tr("De server kent dit niet (meer).")),
        "conflict": (ConflictError, tr("De server heeft dit al in een andere versie.")),
        "too_large": (ServerRefused, tr("Dit is te groot om naar de server te sturen.")),
        "rate_limited": (RateLimited, tr("Te veel pogingen na elkaar. Wacht even en probeer opnieuw.")),
        "passphrase_proof_invalid": (Forbidden, tr("De server kon je vorige wachtwoordzin niet bevestigen; misschien "
                                                   "werd ze intussen op een andere laptop gewijzigd. Vraag je "
                                                   "coördinator om hulp.")),
        # Attachments (protocol_blobs): the attachment stays on this laptop, with its state "local".
        "attachment_too_large": (TooLarge, tr("De server neemt deze bijlage niet aan: ze is groter dan 25 MB. "
                                              "Ze blijft op deze laptop; verdeel de scan over kleinere "
                                              "bestanden.")),
        "quota_exceeded": (QuotaExceeded, tr("De server heeft geen plaats meer voor de bijlagen van je team. De "
                                             "bijlage blijft op deze laptop en wordt verstuurd zodra er plaats is; "
                                             "vraag je coördinator om oude bijlagen te laten wissen of meer "
                                             "plaats te vragen aan de beheerder.")),
        "enrolment_invalid": (EnrolmentInvalid, tr("Gebruikersnaam, aanmeldcode of wachtwoordzin klopt niet "
                                                   "(of de code is al gebruikt of verlopen).")),
    }


def refusal(code: str, status: int) -> ServerRefused:
    cls, message = _messages().get(code, (ServerRefused, tr("De server weigerde het verzoek ({status}).",
                                                            status=status)))
    return cls(message, code, status)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """The URL without a trailing slash, or InsecureServerAddress / SyncError with a clear reason."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(tr("'{url}' is geen geldig serveradres. Gebruik bv. https://leerrecht.voorbeeld.be.",
                           url=url))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureServerAddress(tr(
            "Onbeveiligde verbinding geweigerd: gebruik https:// voor {host}. Gewoon http:// mag alleen naar "
            "deze computer zelf (localhost).", host=parts.hostname))
    return url.strip().rstrip("/")


def certificate_sha256(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(True)  # DER bytes (the low-level socket takes no keyword)
    return hashlib.sha256(der).hexdigest() if der else None


def normalise_pin(pin: str | None) -> str | None:
    if not pin:
        return None
    cleaned = pin.replace(":", "").replace(" ", "").lower()
    if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
        raise SyncError(tr("De vastgepinde certificaatvingerafdruk moet een SHA-256 in hex zijn (64 tekens)."))
    return cleaned


class Transport:
    def __init__(self, server_url: str, *, token: str | None = None, pinned_sha256: str | None = None,
                 ca_file: str | None = None, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 client: httpx.Client | None = None):
        self.server_url = check_server_url(server_url)
        self.token = token
        # The outbox count the engine last saw (None: not known, e.g. while enrolling); sent as UNSENT_HEADER.
        self.unsent: int | None = None
        self.pinned_sha256 = normalise_pin(pinned_sha256)
        if self.pinned_sha256 and not self.server_url.startswith("https://"):
            raise SyncError(tr("Een vastgepind certificaat kan alleen met https://."))
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self._client = client or httpx.Client(base_url=self.server_url + API_PREFIX, timeout=timeout,
                                              verify=verify, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_token(self, token: str) -> Transport:
        self.token = token
        return self

    # -- requests --------------------------------------------------------------------------------

    def get(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> M:
        return self._parse(self._send("GET", path, None, params), model)

    def post(self, path: str, body: BaseModel, model: type[M]) -> M:
        return self._parse(self._send("POST", path, body, None), model)

    def post_empty(self, path: str, body: BaseModel) -> None:
        self._send("POST", path, body, None)

    def delete(self, path: str) -> None:
        self._send("DELETE", path, None, None)

    def put_bytes(self, path: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        """Raw bytes (attachments' sealed chunks), not JSON: no base64, no parse (protocol_blobs)."""
        self._send("PUT", path, None, None, raw=data, extra=headers)

    def get_bytes(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """A raw answer (its bytes read, its headers there), e.g. attachments' sealed chunks."""
        return self._send("GET", path, None, params, accept="application/octet-stream")

    def _send(self, method: str, path: str, body: BaseModel | None, params: dict[str, Any] | None, *,
              raw: bytes | None = None, accept: str = "application/json",
              extra: dict[str, str] | None = None) -> httpx.Response:
        # For the beheerder's `admin list-devices` (docs/threat-model.md §8): which app version this
        # laptop runs, and how many of its changes were still unsent at its last contact.
        headers = {"Accept": accept, CLIENT_VERSION_HEADER: __version__}
        if self.unsent is not None:
            headers[CLIENT_UNSENT_HEADER] = str(self.unsent)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        content = raw
        if raw is not None:
            headers["Content-Type"] = "application/octet-stream"
            headers.update(extra or {})
        if body is not None:
            content = body.model_dump_json().encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            # Streamed, so the connection is still open when its certificate is compared with the pin,
            # before the body is read.
            request = self._client.build_request(method, path, content=content, headers=headers, params=params)
            response = self._client.send(request, stream=True)
            try:
                self._check_pin(response)
                response.read()
            finally:
                response.close()
            # httpx binds the response and its stream to each other: a cycle, freed only by the garbage
            # collector, that keeps the request's and the answer's bytes meanwhile. Broken here, so an
            # attachment's chunks are freed as soon as they are sent or stored (sync/blobs.py).
            response.stream = httpx.ByteStream(b"")
        except httpx.ConnectError as exc:
            if _is_certificate_error(exc):
                raise CertificateProblem(tr(
                    "Het certificaat van de server {host} klopt niet of is niet vertrouwd. De verbinding is "
                    "geweigerd; meld dit aan je coördinator.", host=_host(self.server_url))) from None
            raise Unreachable(tr("De server {host} is niet bereikbaar. Je wijzigingen blijven bewaard op deze "
                                 "laptop.", host=_host(self.server_url))) from None
        except httpx.TimeoutException:
            raise Unreachable(tr("De server {host} antwoordt niet op tijd. Je wijzigingen blijven bewaard op "
                                 "deze laptop.", host=_host(self.server_url))) from None
        except httpx.TransportError:
            raise Unreachable(tr("De verbinding met de server {host} viel weg. Je wijzigingen blijven bewaard "
                                 "op deze laptop.", host=_host(self.server_url))) from None
        if response.status_code >= 400:
            code = ""
            proof: RevokedProof | None = None
            try:
                body = ErrorBody.model_validate_json(response.content)
                code, proof = body.code, body.revoked
            except ValidationError:
                code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
                        413: "too_large", 429: "rate_limited"}.get(response.status_code, "")
            if response.status_code >= 500:
                raise Unreachable(tr("De server {host} heeft een probleem ({status}). Probeer later opnieuw; je "
                                     "wijzigingen blijven bewaard.", host=_host(self.server_url),
                                     status=response.status_code))
            refused = refusal(code, response.status_code)
            if isinstance(refused, DeviceRevoked):
                refused.proof = proof
            raise refused
        return response

    def _check_pin(self, response: httpx.Response) -> None:
        if self.pinned_sha256 is not None and certificate_sha256(response) != self.pinned_sha256:
            raise CertificateProblem(tr(
                "De server {host} toont een ander certificaat dan het vastgepinde. De verbinding is "
                "geweigerd; meld dit aan je coördinator.", host=_host(self.server_url)))

    @staticmethod
    def _parse(response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise BadResponse(tr("De server gaf een antwoord dat de app niet begrijpt. Werk de app bij of meld "
                                 "dit aan je coördinator.")) from None


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _is_certificate_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


# -- retry policy ----------------------------------------------------------------------------------


def backoff_delays(*, base: float = 2.0, cap: float = 300.0,
                   rng: Callable[[], float] = random.random) -> Iterator[float]:
    """Seconds to wait before each next try: exponential (base, 2·base, 4·base, … up to cap) with "full
    jitter" (a random point in [0, delay]), so laptops that lost the network together don't all come back
    at the same second."""
    attempt = 0
    while True:
        ceiling = min(cap, base * (2 ** attempt))
        yield ceiling * rng()
        attempt = min(attempt + 1, 32)


T = TypeVar("T")


def with_retries(action: Callable[[], T], *, attempts: int, sleep: Callable[[float], None],
                 delays: Iterator[float] | None = None) -> T:
    """Run `action`, retrying on Unreachable (network, timeouts, 5xx) up to `attempts` times in all with
    backoff and jitter; a refusal by the server is not retried (it would answer the same)."""
    delays = delays or backoff_delays()
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Unreachable:
            if attempt == attempts:
                raise
            sleep(next(delays))
    raise AssertionError("unreachable")  # pragma: no cover
