"""The local user's profile as it is sealed in the vault (name, role and team of this laptop's user)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserProfile:
    user_id: str
    name: str
    role: str
    team: str
