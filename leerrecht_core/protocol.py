"""The wire format between the desktop client and the sync server (JSON over HTTPS), version 1.

Shared by both sides; no Qt, no SQL. Everything a case holds travels sealed: the server sees the
record header (ids, kind, revision numbers, author, key version, tombstone flag), never content.
Bytes travel as standard base64 strings. Every endpoint below lives under API_PREFIX; every one but
`prelogin`, `enrol`, `login` and `health` needs `Authorization: Bearer <device token>`.

    POST /prelogin   PreloginRequest  -> PreloginResponse   KDF parameters for a user (second laptop)
    POST /enrol      EnrolRequest     -> SessionResponse    first laptop of a user, with the admin's code
    POST /login      LoginRequest     -> SessionResponse    a further laptop: user name + auth key
    GET  /directory                   -> DirectoryResponse  colleagues' public keys, the recovery key
    POST /cases      CaseRegistration -> CaseState          a new case with its first key grants
    GET  /cases/{id}                  -> CaseState          members and key versions (members only)
    POST /cases/{id}/members   MemberAdd    -> CaseState    share a case with a colleague
    POST /cases/{id}/members/remove MemberRemove -> CaseState  unshare, with a rotated key for the rest
    POST /push       PushRequest      -> PushResponse       outbox revisions, idempotent per revision_id
    GET  /pull?after=N&limit=M        -> PullPage           everything visible after cursor N
    GET  /cases/{id}/history?after=N&limit=M -> PullPage    a newly shared case's whole history
    POST /account/passphrase PassphraseChange -> 204        new wrap + auth key after a local change,
                                                            proven with the old auth key
    GET  /health                      -> {"status": "ok"}

Names, codes and ids a person types or sees have shared limits (MAX_USERNAME_LEN and the like, in
characters) and never hold a control character (`has_control_character`); both sides check them.
In the OpenAPI schema a bytes field is the base64 text that travels, with its length in characters.

Errors: every 4xx body is `ErrorBody` with a machine `code` and a plain English `detail`; the client
maps codes to its own (Dutch) sentences. Codes: bad_request, unauthorized, device_revoked,
device_replaced, forbidden, not_found, conflict, too_large, rate_limited, enrolment_invalid,
passphrase_proof_invalid (403: a passphrase change without the right old auth key).

`device_replaced` (401): the device's user was reset (forgotten passphrase, new laptop) and enrolled
again, so this device is replaced, not revoked: its `POST /push` still works (what it had not sent
is delivered, signed by the user's current or a former signing key), every other endpoint answers
this code. The client pushes its outbox, then stops syncing; it never wipes.

Optional request headers a client sends on every request, stored on the device row for the
operator's `list-devices`: `X-Leerrecht-Client: <app version>` (at most 32 printable characters) and
`X-Leerrecht-Unsent: <n>` (changes in its outbox, 0..10^7). Anything else in them is ignored.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from typing import Annotated, Any, Literal

# Loaded first on purpose: with PySide6 imported (pytest-qt does), shiboken's import hook inspects
# each new module, and reached pydantic's lazy attributes half-way through `from pydantic import
# Field`, a circular import (a test module that imports this one first failed to load).
import pydantic.errors  # noqa: F401  (isort: skip)
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
)
from pydantic_core import CoreSchema

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"
MAX_PUSH_BATCH = 500
MAX_PULL_LIMIT = 1000
MAX_BODY_BYTES = 16 * 1024 * 1024
# The recipient id under which a case key is wrapped for the organisation's recovery key.
RECOVERY_RECIPIENT = "recovery"
# The `granted_by` of a grant made by `leerrecht-server admin recover-user`: the nil UUID, since no
# user made it. Its 64-byte `signature` is then an HMAC-SHA512 tag (leerrecht_core.crypto.recovery),
# which only the recovery key's holder or the recipient can compute, never the server.
RECOVERY_GRANTER = "00000000-0000-0000-0000-000000000000"
# Headers a client sends with every request (see the module docstring).
CLIENT_VERSION_HEADER = "X-Leerrecht-Client"
CLIENT_UNSENT_HEADER = "X-Leerrecht-Unsent"
MAX_CLIENT_VERSION_LEN = 32
MAX_CLIENT_UNSENT = 10_000_000
# Lengths of the names a person types or sees, in characters: the server's columns are this wide, and
# the client refuses longer ones before they are sent (`leerrecht init`, enrolment).
MAX_USERNAME_LEN = 64
MAX_ENROLMENT_CODE_LEN = 64
MAX_DISPLAY_NAME_LEN = 200
MAX_DEVICE_NAME_LEN = 100
MAX_TEAM_ID_LEN = 36


def _b64decode(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError("not valid base64") from exc


_B64_CHAR = "[A-Za-z0-9+/]"
_B64_PATTERN = rf"^(?:{_B64_CHAR}{{4}})*(?:{_B64_CHAR}{{2}}==|{_B64_CHAR}{{3}}=)?$"


def b64_length_schema(min_bytes: int | None, max_bytes: int | None) -> dict[str, Any]:
    """The JSON schema of a base64 string that decodes to min_bytes..max_bytes bytes.

    A length in bytes is not a length in characters: 32 bytes are 44 characters. For an exact length
    the pattern says it all; for a range, the character lengths are chosen so that every string the
    schema allows decodes to an allowed length (a string of L characters holds 3L/4 - 2 to 3L/4
    bytes), a little narrower than what the server accepts rather than wider."""
    schema: dict[str, Any] = {"type": "string", "contentEncoding": "base64"}
    if min_bytes is not None and min_bytes == max_bytes:
        full, rest = divmod(min_bytes, 3)
        tail = {0: "", 1: f"{_B64_CHAR}{{2}}==", 2: f"{_B64_CHAR}{{3}}="}[rest]
        schema["pattern"] = f"^{_B64_CHAR}{{{4 * full}}}{tail}$"
        schema["minLength"] = schema["maxLength"] = 4 * math.ceil(min_bytes / 3)
        return schema
    schema["pattern"] = _B64_PATTERN
    if min_bytes:
        schema["minLength"] = 4 * math.ceil((min_bytes + 2) / 3)
    if max_bytes is not None:
        schema["maxLength"] = 4 * (max_bytes // 3)
    return schema


class _Base64Schema:
    """Describes a B64 field in the OpenAPI schema as what travels (a base64 string of the right
    length), not as the bytes it decodes to, which is what pydantic would say by itself."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        inner = handler(schema)  # with the field's limits, in bytes
        if handler.mode == "serialization":  # an answer: a base64 string, no limits to promise
            return {"type": "string", "contentEncoding": "base64"}
        return b64_length_schema(inner.get("minLength"), inner.get("maxLength"))


B64 = Annotated[
    bytes,
    BeforeValidator(_b64decode),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
    _Base64Schema(),
]
# The limits inside the type, so an optional field (`Signature | None`) is described by its base64 length too.
Signature = Annotated[B64, Field(min_length=64, max_length=64)]  # Ed25519
PublicKey = Annotated[B64, Field(min_length=32, max_length=32)]  # Ed25519 or X25519


def has_control_character(text: str) -> bool:
    """A control character (C0 with NUL, tab and line breaks, DEL, C1) or a lone surrogate: in no
    name, code or id. PostgreSQL can't store a NUL (a database error there, not a refusal)."""
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def _no_control_characters(value: str) -> str:
    if has_control_character(value):
        raise ValueError("must not contain control characters (such as NUL, tab or a line break)")
    return value


# The OpenAPI side of the check above, so generated requests know it too.
_NO_CONTROL_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
_NO_CONTROL = AfterValidator(_no_control_characters)


def _text(max_length: int) -> Any:
    """The constraints of a one-line name, code or id: 1..max_length characters (after the check
    above: none of them a control character)."""
    return Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": _NO_CONTROL_PATTERN})


Username = Annotated[str, _text(MAX_USERNAME_LEN), _NO_CONTROL]
EnrolmentCode = Annotated[str, _text(MAX_ENROLMENT_CODE_LEN), _NO_CONTROL]
DisplayName = Annotated[str, _text(MAX_DISPLAY_NAME_LEN), _NO_CONTROL]
DeviceName = Annotated[str, _text(MAX_DEVICE_NAME_LEN), _NO_CONTROL]
TeamId = Annotated[str, _text(MAX_TEAM_ID_LEN), _NO_CONTROL]  # also a grant's recipient: a user id or "recovery"
Uuid = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
Kind = Literal["case", "home_visit", "family_contact", "wellbeing", "note", "support_measure"]
Role = Literal["onderwijsassistent", "netsterk", "brugfiguur", "coordinator", "admin"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RevokedProof(Model):
    """The server's Ed25519 signature (its identity key, pinned by the laptop at enrolment) over
    revoked_message(device id, revoked_at): a `device_revoked` answer is acted on (erase) only with it."""

    device_id: Uuid
    revoked_at: str = Field(min_length=1, max_length=64)
    signature: B64 = Field(min_length=64, max_length=64)


class ErrorBody(Model):
    code: str
    detail: str
    revoked: RevokedProof | None = None  # device_revoked only


# -- identity ---------------------------------------------------------------------------------------


class KdfJson(Model):
    """Mirrors crypto.kdf.KdfParams.to_json(): stored beside the salt, never below OWASP's floor."""

    algorithm: Literal["argon2id"]
    memory_kib: int = Field(ge=19 * 1024, le=4 * 1024 * 1024)
    iterations: int = Field(ge=1, le=64)
    lanes: int = Field(ge=1, le=64)
    # Whole bytes only (an even number of hex digits): an odd one can't be turned into a salt.
    salt: str = Field(pattern=r"^(?:[0-9a-f]{2}){16,64}$")


class PreloginRequest(Model):
    username: Username


class PreloginResponse(Model):
    # For an unknown user the server answers with plausible, stable parameters, so the endpoint does
    # not tell which user names exist.
    kdf: KdfJson


class EnrolRequest(Model):
    username: Username
    enrolment_code: EnrolmentCode
    user_id: Uuid  # the id of the laptop's existing local profile, adopted by the server
    display_name: DisplayName
    kdf: KdfJson
    auth_key: B64 = Field(min_length=32, max_length=32)
    exchange_public: B64 = Field(min_length=32, max_length=32)
    signing_public: B64 = Field(min_length=32, max_length=32)
    wrapped_secrets: B64 = Field(min_length=28, max_length=4096)
    device_name: DeviceName


class LoginRequest(Model):
    username: Username
    auth_key: B64 = Field(min_length=32, max_length=32)
    device_name: DeviceName


class UserInfo(Model):
    user_id: Uuid
    username: str
    display_name: str
    role: Role
    team_id: str
    team_name: str


class SessionResponse(Model):
    user: UserInfo
    device_id: Uuid
    device_token: str  # shown once; the server keeps only its hash
    kdf: KdfJson
    wrapped_secrets: B64
    exchange_public: B64
    signing_public: B64
    recovery_public: B64 | None
    # The server's Ed25519 identity (public half): pinned at enrolment, it proves a revocation.
    server_identity: PublicKey | None = None


class PassphraseChange(Model):
    kdf: KdfJson
    auth_key: B64 = Field(min_length=32, max_length=32)
    wrapped_secrets: B64 = Field(min_length=28, max_length=4096)
    # Proof of the passphrase the server knows now: the authentication key it last accepted (a
    # token alone never changes the passphrase). Optional on the wire only so that a change queued
    # by an older app is refused with `passphrase_proof_invalid` rather than as a malformed body.
    old_auth_key: Annotated[B64, Field(min_length=32, max_length=32)] | None = None


class DirectoryEntry(Model):
    user_id: Uuid
    display_name: str
    role: Role
    team_id: str
    exchange_public: B64
    signing_public: B64
    # The user's earlier signing keys (newest first), retired by a reset and new enrolment: revisions
    # they signed before stay verifiable against these.
    former_signing_public: list[B64] = []


class DirectoryResponse(Model):
    users: list[DirectoryEntry]
    recovery_public: B64 | None


# -- cases, members, keys ---------------------------------------------------------------------------


class KeyGrant(Model):
    """A case key wrapped for one recipient (crypto.keys.wrap_case_key), signed by the granter over
    (case_id, key_version, recipient_id, ephemeral_public, ciphertext) so a server can't plant one."""

    recipient_id: TeamId  # a user id or RECOVERY_RECIPIENT
    key_version: int = Field(ge=1)
    ephemeral_public: B64 = Field(min_length=32, max_length=32)
    ciphertext: B64 = Field(min_length=28, max_length=128)
    granted_by: Uuid
    signature: B64 = Field(min_length=64, max_length=64)


class CaseRegistration(Model):
    case_id: Uuid
    grants: list[KeyGrant] = Field(min_length=1, max_length=200)


class MemberAdd(Model):
    user_id: Uuid
    grants: list[KeyGrant] = Field(min_length=1, max_length=200)  # every key version, for that user


class MemberRemove(Model):
    user_id: Uuid
    # The next key version, wrapped for every remaining member and the recovery key.
    grants: list[KeyGrant] = Field(min_length=1, max_length=200)
    # The changer's Ed25519 signature over removal_message(case id, user id, next key version): served
    # with the "removed" event, which a laptop acts on only when it verifies (None: an older client).
    signature: Signature | None = None


class CaseState(Model):
    case_id: Uuid
    team_id: str
    members: list[Uuid]
    key_version: int
    grants: list[KeyGrant]  # the caller's own grants, every key version
    # The sequence number of the case's registration: every revision of the case comes after it, so a
    # newly shared case registered after a client's cursor has no history for that client to fetch.
    registered_seq: int | None = None


MAX_CASE_STATES = 500


class CaseStatesRequest(Model):
    """Many cases' states in one round trip (a fresh laptop receives hundreds of shared cases)."""

    case_ids: list[Uuid] = Field(min_length=1, max_length=MAX_CASE_STATES)


class CaseStatesResponse(Model):
    cases: list[CaseState]  # only the cases the caller may see; the others are left out, not named


# Cases per bulk registration (`POST /case-registrations`): a laptop enrolling with thousands of
# cases registers them a few hundred per request and transaction, not one request each.
MAX_CASE_REGISTRATIONS = 200


class CaseRegistrations(Model):
    cases: list[CaseRegistration] = Field(min_length=1, max_length=MAX_CASE_REGISTRATIONS)


class CaseRegistered(Model):
    """One case of a bulk registration: its state, or the refusal `POST /cases` would have answered."""

    case_id: Uuid
    state: CaseState | None = None
    code: str | None = None  # refused: the ErrorBody code of the single route
    status: int | None = None  # refused: its HTTP status


class CaseRegistrationsResponse(Model):
    results: list[CaseRegistered]  # one per case, in the order sent


# -- records ----------------------------------------------------------------------------------------


class WireRevision(Model):
    """One sealed revision exactly as crypto.records.SealedRecord holds it."""

    revision_id: Uuid
    record_id: Uuid
    case_id: Uuid
    kind: Kind
    revision: int = Field(ge=1)
    base_revision: int | None = Field(default=None, ge=1)
    author_id: Uuid
    key_version: int = Field(ge=1)
    deleted: bool = False
    nonce: B64 = Field(min_length=12, max_length=12)
    ciphertext: B64 = Field(min_length=16, max_length=4 * 1024 * 1024)
    signature: B64 = Field(min_length=64, max_length=64)
    seq: int | None = None  # set by the server; ignored in a push


class PushRequest(Model):
    revisions: list[WireRevision] = Field(min_length=1, max_length=MAX_PUSH_BATCH)


PushStatus = Literal["accepted", "duplicate", "conflict", "rejected"]
# The fixed reason of a revision sealed under a key version the case rotated past: the client seals
# it again under the newest key it holds (fetching the case's grants first) and pushes it again.
KEY_ROTATED_REASON = "key rotated; seal again under the current key"


class PushResult(Model):
    revision_id: Uuid
    status: PushStatus
    seq: int | None = None  # accepted / duplicate
    reason: str | None = None  # rejected: why (English, plain); the client shows its own words
    head: WireRevision | None = None  # conflict: the server's current revision of that record


class PushResponse(Model):
    results: list[PushResult]


class RemovalProof(Model):
    """Who took the user off (or transferred the case away), at which new key version, signed: over
    removal_message, or transfer_message when `team_id` (the receiving team) is set."""

    author_id: Uuid
    key_version: int = Field(ge=2)
    signature: B64 = Field(min_length=64, max_length=64)
    team_id: TeamId | None = None


class MembershipEvent(Model):
    seq: int
    case_id: Uuid
    user_id: Uuid
    action: Literal["added", "removed"]
    proof: RemovalProof | None = None  # "removed" only; None from a change made without one


class PullPage(Model):
    revisions: list[WireRevision]  # ordered by seq
    memberships: list[MembershipEvent]  # of the caller: added -> fetch history; removed -> erase
    next_cursor: int
    more: bool
    # The server's committed high-water mark. Sequence numbers never go back, so one below a client's
    # cursor means the server was restored from an older backup: the client pushes what it lost.
    high_water: int | None = None
    # The newest erasure's sequence number (leerrecht_core/protocol_lifecycle): the laptop reads the
    # erasure feed only when this is past its place in it, so a sync with nothing new stays one request.
    # None from a server without erasures.
    erasure_mark: int | None = None
    # The attachment feed's committed high-water mark (protocol_blobs): the laptop reads that feed only
    # when this is past its place in it or the pull brought something new. None: a server without it.
    attachment_mark: int | None = None


def revoked_message(device_id: str, revoked_at: str) -> bytes:
    """What the server signs with its identity key in a `device_revoked` answer."""
    return f"leerrecht/v1/device-revoked|{device_id}|{revoked_at}".encode()


def removal_message(case_id: str, user_id: str, key_version: int) -> bytes:
    """What the member or coordinator taking `user_id` off a case signs; `key_version` is the case's
    next key version (the one the removed user does not get), so an old removal can't be replayed
    after the user was added again (they hold that version then)."""
    return f"leerrecht/v1/member-removed|{case_id}|{user_id}|{key_version}".encode()


def transfer_message(case_id: str, team_id: str, key_version: int) -> bytes:
    """What the coordinator transferring a case to `team_id` signs: every member left behind is removed."""
    return f"leerrecht/v1/case-transferred|{case_id}|{team_id}|{key_version}".encode()


def grant_message(case_id: str, grant_recipient: str, key_version: int, ephemeral_public: bytes,
                  ciphertext: bytes) -> bytes:
    """What a granter signs (Ed25519) for a KeyGrant, and what server and clients verify."""
    header = f"leerrecht/v1/key-grant|{case_id}|{grant_recipient}|{key_version}|".encode()
    return header + ephemeral_public + b"|" + ciphertext
