"""Passphrase policy: long beats complicated. Refusals say why in plain words."""

from __future__ import annotations

import re
from itertools import pairwise

from leerrecht_core.i18n import tr

MIN_LENGTH = 12
_COMMON = {
    "wachtwoord123", "paswoord1234", "password1234", "123456789012", "qwertyuiopas", "azertyuiopqs",
    "welkom123456", "leerrecht123", "mechelen1234", "wachtwoord1234", "1234567890ab",
}


def passphrase_problem(passphrase: str, *, name: str = "") -> str | None:
    """Why a passphrase is too weak, or None when it is acceptable."""
    if len(passphrase) < MIN_LENGTH:
        return tr(
            "Je wachtwoordzin is te kort: gebruik minstens {n} tekens. Tip: een korte zin van vier woorden.",
            n=MIN_LENGTH,
        )
    lowered = passphrase.casefold()
    if lowered in _COMMON or lowered.startswith(("wachtwoord", "password", "paswoord")):
        return tr("Deze wachtwoordzin is te bekend en snel te raden. Kies een zin die alleen jij kent.")
    if len(set(lowered)) < 5:
        return tr("Je wachtwoordzin herhaalt te veel dezelfde tekens. Kies een zin met verschillende woorden.")
    if _is_sequence(lowered) or _mostly_keyboard_walk(lowered) or lowered.isdigit():
        return tr("Een reeks zoals 123456, azerty of abcdef is snel te raden. Kies een zin met woorden.")
    for part in name.casefold().split():
        if len(part) >= 3 and part in lowered and len(lowered) - len(part) < MIN_LENGTH:
            return tr("Je wachtwoordzin lijkt te veel op je naam. Kies een zin die anderen niet raden.")
    letters = re.sub(r"[^a-zà-ÿ]+", " ", lowered).split()
    if len(letters) == 1 and len(letters[0]) <= 10:
        return tr("Eén woord met cijfers of tekens erbij is snel te raden. Kies een zin van een paar woorden.")
    return None


_KEYBOARD_ROWS = ("1234567890", "azertyuiop", "qwertyuiop", "qsdfghjklm", "asdfghjkl", "wxcvbn", "zxcvbnm")


def _mostly_keyboard_walk(text: str) -> bool:
    """True when at least half the passphrase is a run of 5+ neighbouring keys (forwards or back)."""
    longest = 0
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            for size in range(len(line), 4, -1):
                if size <= longest:
                    break
                if any(line[i:i + size] in text for i in range(len(line) - size + 1)):
                    longest = size
                    break
    return longest * 2 >= len(text)


def _is_sequence(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {1, -1, 0}
