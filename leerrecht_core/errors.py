"""The one root of refusals that a person can act on.

Every error the app or the server means to show is a `LeerrechtError`, and its text (`str(err)`, also
`err.user_message`) is the whole sentence the user sees, already in their language and without case
content. Anything raised that is *not* one of these is a bug: the UI sends it to the crash report and the
command line to the log, never to the screen as if it were a message (Anki's `errors.py` works this way).
"""

from __future__ import annotations


class LeerrechtError(Exception):
    """A refusal worded for the person at the keyboard: one plain sentence, no personal data."""

    @property
    def user_message(self) -> str:
        return str(self)
