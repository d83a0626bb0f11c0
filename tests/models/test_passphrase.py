"""The passphrase policy: long beats complicated, and a refusal says why."""

from __future__ import annotations

import pytest

from leerrecht_desktop.models.passphrase import MIN_LENGTH, passphrase_problem


@pytest.mark.parametrize("phrase", [
    "blauwe fiets op de markt", "de kat slaapt op het dak", "ik drink graag koffie om 8u", "Zomer-Aan-Zee!!",
])
def test_ordinary_sentences_are_accepted(phrase: str) -> None:
    assert passphrase_problem(phrase, name="Fictieve Werker") is None


@pytest.mark.parametrize(("phrase", "reason"), [
    ("kort", "te kort"),
    ("x" * (MIN_LENGTH - 1), "te kort"),
    ("wachtwoord123", "te bekend"),
    ("Password1234!", "te bekend"),
    ("MECHELEN1234", "te bekend"),
    ("aaaaaaaaaaaaaaaa", "herhaalt"),
    ("abababababababab", "herhaalt"),
    ("abcdefghijklmn", "reeks"),
    ("zyxwvutsrqpo", "reeks"),
    ("123456789", "te kort"),
    ("fictieve1234!", "lijkt te veel op je naam"),
])
def test_weak_passphrases_are_refused_with_the_reason(phrase: str, reason: str) -> None:
    problem = passphrase_problem(phrase, name="Fictieve Werker")
    assert problem is not None and reason in problem


def test_a_long_sentence_that_contains_the_name_is_fine() -> None:
    assert passphrase_problem("fictieve werker fietst naar de markt", name="Fictieve Werker") is None


def test_the_minimum_length_is_stated_in_the_message() -> None:
    assert f"minstens {MIN_LENGTH} tekens" in (passphrase_problem("kort") or "")
