"""The base of sync errors, in a module of its own so the command line can catch it without loading httpx."""

from __future__ import annotations

from leerrecht_core.errors import LeerrechtError


class SyncError(LeerrechtError):
    """A sync step that did not happen, worded for the user (one line, no case content)."""
