"""Every message the app can show through `tr()` has an English translation with the same placeholders.

Dutch is the source language: messages are Dutch literals in the code, and the JSON files in
`resources/i18n/en/` map them to English. A message missing there silently stays Dutch for an English
user, and a translation with a different `{placeholder}` crashes `str.format` at the moment the message
is shown. Both are caught here, by reading the code, not by running it."""

from __future__ import annotations

import ast
import json
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The desktop app and the shared core both speak through tr().
PACKAGES = (ROOT / "leerrecht_desktop", ROOT / "leerrecht_core")
CATALOGUE_DIR = ROOT / "resources" / "i18n" / "en"


@dataclass(frozen=True)
class Message:
    text: str
    where: str  # "path:line", for a failure a developer can act on


def _is_tr_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "tr"
    # `i18n.tr("...")`; not Qt's `self.tr`, which does not use this catalogue.
    return isinstance(func, ast.Attribute) and func.attr == "tr" and isinstance(func.value, ast.Name) \
        and func.value.id == "i18n"


def tr_calls(path: Path) -> tuple[list[Message], list[str]]:
    """The literal messages passed to tr() in one file (implicit concatenation is joined by the
    parser), and the places where tr() gets something that is not a literal and can't be checked."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    literals: list[Message] = []
    dynamic: list[str] = []
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(tree):
        if not _is_tr_call(node):
            continue
        assert isinstance(node, ast.Call)
        where = f"{rel}:{node.lineno}"
        if not node.args:
            dynamic.append(where)
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            literals.append(Message(first.value, where))
        else:
            dynamic.append(where)
    return literals, dynamic


def all_messages(roots: tuple[Path, ...] = PACKAGES) -> tuple[list[Message], list[str]]:
    literals: list[Message] = []
    dynamic: list[str] = []
    for path in sorted(p for root in roots for p in root.rglob("*.py")):
        found, odd = tr_calls(path)
        literals += found
        dynamic += odd
    return literals, dynamic


def english_catalogue() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), f"{path.name} must hold one JSON object"
        merged.update(data)
    return merged


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- the scanner itself, so a green run means something -------------------------------------------

def test_scanner_joins_implicit_concatenation_and_sees_non_literals(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'from leerrecht_core.i18n import tr\n'
        'a = tr("Een eerste deel "\n'
        '       "en een tweede deel {n}.", n=1)\n'
        'b = tr(f"Niet vertaalbaar {a}")\n'
        'c = obj.tr("Qt-vertaling, niet de onze")\n',
        encoding="utf-8",
    )
    literals, dynamic = tr_calls(source)
    assert [m.text for m in literals] == ["Een eerste deel en een tweede deel {n}."]
    assert len(dynamic) == 1 and dynamic[0].endswith("sample.py:4")


def test_the_scan_finds_the_core_messages() -> None:
    texts = {m.text for m in all_messages()[0]}
    # Messages known to exist in the vault and the store; if the scan misses them it checks nothing.
    assert "Die wachtwoordzin klopt niet." in texts
    assert any(t.startswith("Een deel van een dossier is gewijzigd buiten de app") for t in texts)


# -- the catalogue ---------------------------------------------------------------------------------

def test_every_catalogue_file_is_a_flat_string_map() -> None:
    files = sorted(CATALOGUE_DIR.glob("*.json"))
    assert files, "resources/i18n/en/ holds no catalogue"
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        bad = [k for k, v in data.items() if not isinstance(v, str) or not v.strip()]
        assert not bad, f"{path.name}: entries without an English text: {bad}"


def test_every_tr_message_has_an_english_translation() -> None:
    catalogue = english_catalogue()
    literals, _ = all_messages()
    missing = sorted({f"{m.where}: {m.text!r}" for m in literals if m.text not in catalogue})
    assert not missing, "No English translation in resources/i18n/en/*.json for:\n" + "\n".join(missing)


def test_placeholders_of_each_translation_match_the_dutch() -> None:
    catalogue = english_catalogue()
    literals, _ = all_messages()
    wrong = sorted({
        f"{m.where}: {m.text!r} has {sorted(placeholders(m.text))}, "
        f"English has {sorted(placeholders(catalogue[m.text]))}"
        for m in literals
        if m.text in catalogue and placeholders(m.text) != placeholders(catalogue[m.text])
    })
    assert not wrong, "Placeholders differ between Dutch and English:\n" + "\n".join(wrong)


def test_tr_is_always_given_a_literal_message() -> None:
    # tr(variable) or tr(f"...") can't be found by this scan, and so can't be checked or translated.
    _, dynamic = all_messages()
    assert not dynamic, "tr() called with something other than a string literal at:\n" + "\n".join(dynamic)


@pytest.mark.parametrize("language_file", sorted(p.name for p in CATALOGUE_DIR.glob("*.json")))
def test_no_two_catalogue_files_disagree(language_file: str) -> None:
    # Files are merged in name order, so a key in two files with different English silently loses one.
    this = json.loads((CATALOGUE_DIR / language_file).read_text(encoding="utf-8"))
    for other in sorted(CATALOGUE_DIR.glob("*.json")):
        if other.name == language_file:
            continue
        data = json.loads(other.read_text(encoding="utf-8"))
        clashes = {k for k in this.keys() & data.keys() if this[k] != data[k]}
        assert not clashes, f"{language_file} and {other.name} translate differently: {sorted(clashes)}"
