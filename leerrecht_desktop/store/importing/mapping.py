"""Which column of a spreadsheet holds which field of the profile.

Common Dutch column names are recognised whatever their case, accents or punctuation ("Geb. datum",
"GSM", "Reden aanmelding"). A person can override the guess (`--map "Kolom=veld"`), and a mapping that
was used for an import is remembered in the data folder's settings, keyed by a hash of the header row,
so the next file with the same columns is read the same way. The setting holds the hash and, per
column number, the field's key: no column name and nothing from the rows (settings are plaintext)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop.store.data_folder import DataFolder

IGNORE = "-"

# The fields a column can hold, with the column names that mean it (normalised: see `normal`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("voornaam", "voornaam jongere", "roepnaam", "first name", "firstname"),
    "last_name": ("naam", "achternaam", "familienaam", "naam jongere", "familienaam jongere", "last name",
                  "surname"),
    "birth_date": ("geboortedatum", "geb datum", "geb dat", "geboorte datum", "geboren op", "geboortedag",
                   "date of birth", "birth date", "dob"),
    "gender": ("geslacht", "gender", "m v x", "m v"),
    "school": ("school", "schoolnaam", "school jongere"),
    "level": ("graad", "onderwijsniveau", "onderwijs niveau", "niveau", "onderwijsvorm", "level"),
    "class_name": ("klas", "klasgroep", "klas jongere", "class"),
    "home_language": ("thuistaal", "taal thuis", "moedertaal", "home language"),
    "address": ("adres", "woonadres", "adres gezin", "domicilie", "address"),
    "network": ("netwerk", "betrokken diensten", "netwerk rond de jongere"),
    "contact_name": ("ouder", "ouders", "contactpersoon", "ouder voogd", "voogd", "naam ouder",
                     "naam contactpersoon", "contact"),
    "contact_relation": ("relatie", "relatie contactpersoon", "verwantschap", "relatie tot de jongere"),
    "contact_phone": ("telefoon", "telefoonnummer", "tel", "gsm", "gsm nummer", "gsmnummer", "telefoon ouder",
                      "gsm ouder", "phone"),
    "referral_on": ("aangemeld op", "aanmelddatum", "datum aanmelding", "aanmeldingsdatum", "datum van aanmelding"),
    "referral_source": ("aangemeld door", "aanmelder", "bron", "bron aanmelding", "aanmeldingsbron"),
    "referred_by": ("naam aanmelder", "contact aanmelder", "doorverwijzer", "wie meldde aan"),
    "concern": ("bezorgdheid", "reden aanmelding", "reden van aanmelding", "aanmeldingsreden", "zorg",
                "hulpvraag", "concern"),
    "target_groups": ("doelgroep", "doelgroepen"),
    "life_domains": ("levensdomein", "levensdomeinen"),
    "status": ("status", "dossierstatus"),
    "closed_reason": ("reden afsluiting", "afsluitreden", "reden afgesloten", "reden van afsluiten"),
    "assigned": ("medewerker", "toegewezen aan", "begeleider", "consulent", "verantwoordelijke"),
}
FIELDS = tuple(SYNONYMS)


def field_label(name: str) -> str:
    """A field as the preview names it, in lower case to sit inside a sentence."""
    return {
        "first_name": tr("voornaam"), "last_name": tr("familienaam"), "birth_date": tr("geboortedatum"),
        "gender": tr("geslacht"), "school": tr("school"), "level": tr("niveau"), "class_name": tr("klas"),
        "home_language": tr("thuistaal"), "address": tr("adres"), "network": tr("netwerk"),
        "contact_name": tr("contactpersoon"), "contact_relation": tr("relatie"),
        "contact_phone": tr("telefoon"), "referral_on": tr("aangemeld op"),
        "referral_source": tr("aangemeld door"), "referred_by": tr("naam aanmelder"),
        "concern": tr("bezorgdheid"), "target_groups": tr("doelgroep"), "life_domains": tr("levensdomein"),
        "status": tr("status"), "closed_reason": tr("reden afsluiting"), "assigned": tr("medewerker"),
    }.get(name, name)


def normal(text: str) -> str:
    """Case, accents, punctuation and spacing left out: "Geb. Datum" and "geb datum" are the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


_BY_NAME = {synonym: name for name, synonyms in SYNONYMS.items() for synonym in synonyms}


class MappingError(LeerrechtError):
    """A mapping the user gave that can't be used; the sentence says which and why."""


@dataclass
class Mapping:
    header: list[str]
    columns: dict[int, str]  # column index -> field key
    remembered: bool = False  # taken from an earlier import of the same header
    overridden: list[int] = field(default_factory=list)

    @property
    def ignored(self) -> list[str]:
        """The named columns nothing is read from, in the file's order."""
        return [name for i, name in enumerate(self.header) if name and i not in self.columns]

    def column_of(self, name: str) -> int | None:
        return next((i for i, f in self.columns.items() if f == name), None)

    def check_complete(self) -> None:
        missing = [f for f in ("first_name", "last_name") if self.column_of(f) is None]
        if missing:
            raise MappingError(tr("Geen kolom gevonden voor {fields}. Noem de kolom 'Voornaam' of 'Naam', of zeg "
                                  "welke kolom het is met --map \"Kolomnaam={field}\".",
                                  fields=" en ".join(field_label(f) for f in missing), field=missing[0]))


def guess(header: Sequence[str]) -> dict[int, str]:
    """The columns recognised by name; of two columns meaning the same field, the first is read."""
    columns: dict[int, str] = {}
    for i, name in enumerate(header):
        found = _BY_NAME.get(normal(name))
        if found is not None and found not in columns.values():
            columns[i] = found
    return columns


def header_key(header: Sequence[str]) -> str:
    joined = "\x1f".join(normal(name) for name in header)
    return "import_mapping:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()


def resolve(folder: DataFolder, header: Sequence[str], overrides: Sequence[str] = ()) -> Mapping:
    """The mapping for this header: the remembered one if this header was imported before, else the
    guess; then the overrides (`Kolomnaam=veld`, `veld` one of FIELDS or '-' to ignore the column)."""
    mapping = Mapping(list(header), guess(header))
    stored = _stored(folder, header)
    if stored is not None:
        mapping.columns, mapping.remembered = stored, True
    for text in overrides:
        column, name = parse_override(text, header)
        mapping.columns = {i: f for i, f in mapping.columns.items() if i != column and (f != name or name == IGNORE)}
        if name != IGNORE:
            mapping.columns[column] = name
        mapping.overridden.append(column)
    return mapping


def parse_override(text: str, header: Sequence[str]) -> tuple[int, str]:
    column_name, sep, name = text.rpartition("=")
    column_name, name = column_name.strip(), name.strip()
    if not sep or not column_name:
        raise MappingError(tr("--map '{text}' klopt niet: schrijf het als \"Kolomnaam=veld\", bv. "
                              "\"Geb. dat.=birth_date\".", text=text))
    if name not in FIELDS and name != IGNORE:
        raise MappingError(tr("--map '{text}': '{name}' is geen veld. Kies uit: {fields}, of - om de kolom over "
                              "te slaan.", text=text, name=name, fields=", ".join(FIELDS)))
    wanted = normal(column_name)
    for i, candidate in enumerate(header):
        if normal(candidate) == wanted:
            return i, name
    raise MappingError(tr("--map '{text}': het bestand heeft geen kolom '{column}'.", text=text, column=column_name))


def _stored(folder: DataFolder, header: Sequence[str]) -> dict[int, str] | None:
    raw = folder.setting(header_key(header), "")
    if not raw:
        return None
    try:
        data = json.loads(raw)
        columns = {int(i): str(f) for i, f in data.items()}
    except (ValueError, AttributeError, TypeError):
        return None  # a setting damaged or from elsewhere: guess again rather than refuse
    if not all(0 <= i < len(header) and f in FIELDS for i, f in columns.items()):
        return None
    return columns


def remember(folder: DataFolder, mapping: Mapping) -> None:
    value = json.dumps({str(i): f for i, f in sorted(mapping.columns.items())}, sort_keys=True)
    if folder.setting(header_key(mapping.header), "") != value:
        folder.set_setting(header_key(mapping.header), value)
