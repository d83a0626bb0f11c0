"""Helpers for the store tests: fictitious case content, raw looks into the SQLite file, a fake clock.

Names carry the obvious markers "Fictief"/"Testkind" and a random tag, so a search through the data
folder for them can't be fooled by a coincidence. (Imported by the tests through the path that
conftest.py adds; the odd module name avoids clashing with other test helpers.)"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from leerrecht_core.crypto.local import seal_local
from leerrecht_desktop.models.case import CaseProfile, Contact, Referral
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, WellbeingScale
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import database_path, write_transaction

if TYPE_CHECKING:
    from leerrecht_desktop.store.casefiles import CaseFiles
    from leerrecht_desktop.store.workspace import Workspace

# The passphrase and name the `case_files` fixture of tests/conftest.py creates its profile with
# (conftest modules can't be imported under --import-mode=importlib; every test that unlocks checks it).
PASSPHRASE = "blauwe fiets op de markt"
WORKER_NAME = "Fictieve Werker"

DAY = dt.date(2025, 2, 3)

C = TypeVar("C")


def content_as(record: Record, cls: type[C]) -> C:
    """The record's content, checked to be of the expected kind."""
    assert isinstance(record.content, cls), f"expected {cls.__name__}, got {type(record.content).__name__}"
    return record.content


def note_text(record: Record) -> str:
    return content_as(record, FollowUpNote).text


def fictitious_profile(tag: str | None = None) -> CaseProfile:
    tag = tag or uuid.uuid4().hex[:6]
    return CaseProfile(
        first_name=f"Fictiefvoornaam{tag}", last_name=f"Testkindnaam{tag}", birth_date=dt.date(2012, 4, 1),
        gender="v", school="Den Anker", level="lager", class_name="6A",
        address=f"Verzonnenstraat {tag} 1, 2800 Mechelen",
        contacts=[Contact(name=f"Fictieve Ouder {tag}", relation="moeder", phone="0470 00 00 00")],
        referral=Referral(source="school", referred_on=dt.date(2025, 1, 6), concern=f"Fictieve zorg {tag}"),
        target_groups=["spijbelaar"], life_domains=["school"],
    )


def note(text: str = "Fictieve opvolgnotitie", **kw: Any) -> FollowUpNote:
    return FollowUpNote(occurred_on=kw.pop("occurred_on", DAY), text=text, **kw)


def home_visit(**kw: Any) -> HomeVisit:
    return HomeVisit(occurred_on=kw.pop("occurred_on", DAY), start_time="16:30", duration_minutes=40,
                     purpose=kw.pop("purpose", "Fictief huisbezoek"), **kw)


def family_contact(**kw: Any) -> FamilyContact:
    return FamilyContact(occurred_on=kw.pop("occurred_on", DAY), channel="telefoon",
                         with_whom=kw.pop("with_whom", "Fictieve Ouder"), **kw)


def wellbeing(**kw: Any) -> WellbeingScale:
    return WellbeingScale(occurred_on=kw.pop("occurred_on", DAY), place="school",
                          answers={f"q{i}": 3 for i in range(1, 9)}, **kw)


def db_file(data_dir: Path) -> Path:
    return database_path(data_dir)


def raw_query(data_dir: Path, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
    """Read the database as an attacker with the file would: plain sqlite3, no app code."""
    with closing(sqlite3.connect(db_file(data_dir))) as conn:
        return conn.execute(sql, params).fetchall()


def raw_execute(data_dir: Path, sql: str, params: tuple[Any, ...] = ()) -> int:
    """Change the database behind the app's back; returns the number of rows changed."""
    with closing(sqlite3.connect(db_file(data_dir))) as conn, conn:
        return conn.execute(sql, params).rowcount


def flip_byte(blob: bytes, index: int) -> bytes:
    data = bytearray(blob)
    data[index] ^= 0x01
    return bytes(data)


def files_containing(data_dir: Path, needles: list[bytes]) -> list[str]:
    """Every file in the data folder (database, WAL, shared memory, anything else) holding any needle."""
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.name}: {needle[:40]!r}" for needle in needles if needle and needle in content]
    return found


def text_forms(text: str) -> list[bytes]:
    """A string as it could land on disk: UTF-8, UTF-16 either way, lower/upper case."""
    forms = []
    for variant in {text, text.casefold(), text.upper()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            forms.append(variant.encode(encoding))
    return forms


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_750_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def write_profile_as_before_0004(ws: Workspace, cf: CaseFiles) -> None:
    """The sealed profile as a version before schema 0004 wrote it: without the mark that the folder's
    bookkeeping is authenticated (the columns go with the downgrade; the sealed mark would not)."""
    with write_transaction(ws.engine) as conn:
        conn.execute(t.vault.update().values(sealed_profile=seal_local(
            cf.secrets.local_key, "profile", cf.user.user_id, asdict(cf.user))))
