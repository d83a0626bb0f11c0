"""Wire models for handing cases over (issue 11): the people a laptop may hand a case to, and a
case's transfer to another team. Kept beside `protocol.py` (same rules: version 1, base64 bytes,
extra fields refused) so the two can change independently.

    GET  /people                          -> PeopleResponse  user names of the caller's team (and,
                                                             for a coordinator, other teams' coordinators)
    POST /cases/{id}/transfer TransferRequest -> TransferResponse  a coordinator moves a case to another team
"""

from __future__ import annotations

from pydantic import Field

from leerrecht_core.protocol import KeyGrant, Model, Signature, TeamId, UserInfo, Uuid

# Someone a case can be handed to: `username` is the name to type, `display_name` the one to show.
# The same fields as a session's user, so the same model.
Person = UserInfo


class PeopleResponse(Model):
    people: list[Person]


class TransferRequest(Model):
    team_id: TeamId
    # Every key version so far plus the next one for each coordinator of the receiving team, and the
    # next one for the recovery key: the sending team's members don't get the new version.
    grants: list[KeyGrant] = Field(min_length=1, max_length=2000)
    # The coordinator's Ed25519 signature over protocol.transfer_message(case id, team id, next key
    # version), served with each "removed" event of the transfer (None: an older client).
    signature: Signature | None = None


class TransferResponse(Model):
    case_id: Uuid
    team_id: str
    key_version: int
    members: list[Uuid]
