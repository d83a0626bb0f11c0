"""The case summary as printable sections: the story (reportlab flowables) of the header and of each
section the user chose, from entries already filtered to the period and, if asked, pseudonymised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.attachment_types import size_text, type_label
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import CaseStatus, Kind
from leerrecht_desktop.models.numbers import decimal_text
from leerrecht_desktop.models.wellbeing import ScoredScale, series
from leerrecht_desktop.reports.case_summary_options import Section, SummaryOptions
from leerrecht_desktop.reports.fonts import BODY, BOLD, rich
from leerrecht_desktop.reports.layout import (
    ACCENT,
    CONTENT_WIDTH,
    HEAD_FILL,
    MUTED,
    RULE,
    format_date,
    next_step_text,
    styles,
)
from leerrecht_desktop.reports.wellbeing_charts import item_charts, total_chart

_MUTED_HEX = "#" + MUTED.hexval()[2:]


def _labels(list_name: str, keys: Iterable[str]) -> str:
    lists = pick_lists()
    return ", ".join(lists.label(list_name, k) for k in keys)


class SummaryStory:
    """Builds the story (list of flowables) of one summary."""

    def __init__(self, profile: CaseProfile, entries: list[Entry], options: SummaryOptions, *, age: int | None,
                 today: dt.date, last_saved: str = "") -> None:
        self.profile = profile
        # When the newest entry in it was saved: its author's time, or marked as the time received.
        self.last_saved = last_saved
        self.entries = entries
        self.options = options
        self.age = age
        self.today = today
        self.s = styles()

    # -- small builders --------------------------------------------------------------------------------

    def p(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of user text (escaped, any script)."""
        return Paragraph(rich(text, bold=self.s[style].fontName == BOLD), self.s[style])

    def markup(self, markup: str, style: str = "body") -> Paragraph:
        """A paragraph of markup we built ourselves (user parts already passed through rich())."""
        return Paragraph(markup, self.s[style])

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.entries if isinstance(e, kind)]

    def table(self, rows: list[list[Any]], widths: Sequence[float], *, header: bool = True,
              extra: Sequence[tuple[Any, ...]] = ()) -> Table:
        """A table that repeats its header on every page and splits long rows across pages, so a long
        note in a cell flows on instead of being cut off."""
        t = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1, hAlign="LEFT")
        commands: list[tuple[Any, ...]] = [
            # Cells are Paragraphs, but a table selects its cell font anyway (Helvetica by default),
            # which would put a non-embedded base-14 font into the file.
            ("FONT", (0, 0), (-1, -1), BODY, 8.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ]
        if header:
            commands += [("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT)]
        t.setStyle(TableStyle([*commands, *extra]))
        return t

    def head_row(self, *titles: str) -> list[Paragraph]:
        return [self.p(t, "cell_head") for t in titles]

    def cell(self, text: str) -> Paragraph:
        return self.p(text, "cell")

    def facts(self, rows: list[tuple[str, str]]) -> Table:
        """Label/value pairs; values are markup."""
        data = [[self.p(label, "cell_head"), Paragraph(value, self.s["cell"])]
                for label, value in rows if value]
        return self.table(data, [42 * mm, CONTENT_WIDTH - 42 * mm], header=False,
                          extra=[("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)])

    def none(self, message: str) -> Paragraph:
        return self.p(message, "small")

    # -- the story ---------------------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        out: list[Flowable] = self.header()
        builders: list[tuple[Section, Callable[[], list[Flowable]]]] = [
            (Section.REFERRAL, self.referral),
            (Section.AGREEMENTS, self.agreements),
            (Section.CONTACTS, self.contacts),
            (Section.WELLBEING, self.wellbeing),
            (Section.NOTES, self.notes),
            (Section.SUPPORT, self.support),
            (Section.ATTACHMENTS, self.attachments),
        ]
        for section, build in builders:
            if section in self.options.sections:
                out.append(self.p(section.label, "h1"))
                out.extend(build())
        return out

    def header(self) -> list[Flowable]:
        pr = self.profile
        name = pr.full_name if not self.options.pseudonymise else pr.first_name[:1].upper() + pr.first_name[1:]
        out: list[Flowable] = [
            self.p(tr("Dossiersamenvatting"), "small"),
            self.p(name, "title"),
        ]
        if self.options.pseudonymise:
            out.append(self.none(tr("Gepseudonimiseerd voor een casusoverleg: namen zijn vervangen door een rol, "
                                    "adres, telefoonnummers en geboortedatum zijn weggelaten.")))
        age = tr("{age} jaar", age=self.age) if self.age is not None else ""
        if pr.birth_date and not self.options.pseudonymise:
            age = tr("{age} jaar (geboren {date})", age=self.age, date=format_date(pr.birth_date))
        school = ", ".join(x for x in (pr.school, tr("klas {name}", name=pr.class_name) if pr.class_name else "",
                                       pick_lists().label("levels", pr.level) if pr.level else "") if x)
        status = CaseStatus(pr.status).label if pr.status in CaseStatus._value2member_map_ else pr.status
        if pr.status == CaseStatus.AFGESLOTEN and pr.closed_reason:
            status += " (" + pick_lists().label("closed_reasons", pr.closed_reason) + ")"
        consent = ""
        if pr.consent.given:
            consent = tr("ja, op {date}", date=format_date(pr.consent.on)) if pr.consent.on else tr("ja")
        else:
            consent = tr("nog niet gegeven")
        out.append(self.facts([
            (tr("Leeftijd"), rich(age)),
            (tr("School en klas"), rich(school)),
            (tr("Thuistaal"), rich(pr.home_language)),
            (tr("Status"), rich(status)),
            (tr("Doelgroep"), rich(_labels("target_groups", pr.target_groups))),
            (tr("Levensdomeinen"), rich(_labels("life_domains", pr.life_domains))),
            (tr("Toegewezen aan"), rich(", ".join(w.name for w in pr.assigned if w.name))),
            (tr("Toestemming"), rich(consent)),
            (tr("Periode"), rich(self.period_text())),
            (tr("Laatst bijgewerkt"), rich(self.last_saved)),
        ]))
        return out

    def period_text(self) -> str:
        o = self.options
        if o.period_from and o.period_to:
            return tr("{start} tot en met {end}", start=format_date(o.period_from), end=format_date(o.period_to))
        if o.period_from:
            return tr("vanaf {start}", start=format_date(o.period_from))
        if o.period_to:
            return tr("tot en met {end}", end=format_date(o.period_to))
        if self.entries:
            return tr("het hele dossier ({start} tot en met {end})", start=format_date(self.entries[0].occurred_on),
                      end=format_date(self.entries[-1].occurred_on))
        return tr("het hele dossier")

    def referral(self) -> list[Flowable]:
        pr = self.profile
        ref = pr.referral
        source = pick_lists().label("referral_sources", ref.source) if ref.source else ""
        by = " – ".join(x for x in (source, ref.referred_by) if x)
        rows = [
            (tr("Aangemeld door"), rich(by)),
            (tr("Aangemeld op"), rich(format_date(ref.referred_on))),
        ]
        if not self.options.pseudonymise:
            rows.append((tr("Adres"), rich(pr.address)))
        out: list[Flowable] = [self.facts(rows)] if any(v for _, v in rows) else []
        if ref.concern.strip():
            out += [self.p(tr("Bezorgdheid bij de aanmelding"), "h2"), self.p(ref.concern)]
        if pr.contacts:
            out.append(self.p(tr("Ouders en contactpersonen"), "h2"))
            if self.options.pseudonymise:
                # The label is already the relation: a name column would repeat it.
                rows2 = [[self.cell(c.name)] for c in pr.contacts]
                out.append(self.table([self.head_row(tr("Contactpersoon")), *rows2], [CONTENT_WIDTH]))
            else:
                rows3 = [[self.cell(c.name), self.cell(c.relation), self.cell(c.phone)] for c in pr.contacts]
                out.append(self.table([self.head_row(tr("Naam"), tr("Relatie"), tr("Telefoon")), *rows3],
                                      [80 * mm, 50 * mm, CONTENT_WIDTH - 130 * mm]))
        if pr.network.strip():
            out += [self.p(tr("Netwerk rond de jongere"), "h2"), self.p(pr.network)]
        return out or [self.none(tr("Geen gegevens over de aanmelding."))]

    def agreements(self) -> list[Flowable]:
        out: list[Flowable] = []
        actions: list[tuple[dt.date | None, Entry, str, str]] = []
        for note in self.of(FollowUpNote):
            if note.action.strip() and not note.done:
                actions.append((note.due_on, note, note.action, note.action_owner))
        visits = self.of(HomeVisit)
        # The latest visit's next step is the plan; an earlier visit's next step was replaced by it. A
        # family contact's next step stays until it is ticked off, as a note's action does (store/actions.py).
        # A step without a date is printed too (it is still to do), but only "Te doen" lists dated ones.
        if visits and (visits[-1].next_step.strip() or visits[-1].next_step_on) and not visits[-1].next_step_done:
            last = visits[-1]
            actions.append((last.next_step_on, last, last.next_step, last.author_name))
        for contact in self.of(FamilyContact):
            if (contact.next_step.strip() or contact.next_step_on) and not contact.next_step_done:
                actions.append((contact.next_step_on, contact, contact.next_step, contact.author_name))
        out.append(self.p(tr("Open acties"), "h2"))
        if actions:
            actions.sort(key=lambda a: (a[0] or dt.date.max, a[1].occurred_on))
            rows: list[list[Any]] = [self.head_row(tr("Tegen"), tr("Actie"), tr("Wie"), tr("Uit"))]
            late: list[tuple[Any, ...]] = []
            for i, (due, source, text, owner) in enumerate(actions, start=1):
                due_text = format_date(due)
                if due and due < self.today:
                    due_text += "\n" + tr("over datum")
                    late.append(("TEXTCOLOR", (0, i), (0, i), colors.HexColor("#a40000")))
                rows.append([self.cell(due_text), self.cell(text), self.cell(owner),
                             self.cell(f"{source.kind.label} {format_date(source.occurred_on)}")])
            out.append(self.table(rows, [22 * mm, CONTENT_WIDTH - 22 * mm - 38 * mm - 36 * mm, 38 * mm, 36 * mm]))
        else:
            out.append(self.none(tr("Geen open acties.")))
        agreed = [v for v in visits if v.agreements.strip()]
        out.append(self.p(tr("Afspraken bij huisbezoeken"), "h2"))
        if agreed:
            rows = [self.head_row(tr("Datum"), tr("Afspraken"))]
            rows += [[self.cell(format_date(v.occurred_on)), self.cell(v.agreements)] for v in agreed]
            out.append(self.table(rows, [22 * mm, CONTENT_WIDTH - 22 * mm]))
        else:
            out.append(self.none(tr("Geen afspraken genoteerd in deze periode.")))
        return out

    def contacts(self) -> list[Flowable]:
        contacts = [e for e in self.entries if isinstance(e, HomeVisit | FamilyContact)]
        if not contacts:
            return [self.none(tr("Geen huisbezoeken of gezinscontacten in deze periode."))]
        rows: list[list[Any]] = [self.head_row(tr("Datum"), tr("Soort"), tr("Met wie"), tr("Samenvatting"),
                                               tr("Doorverwezen naar"))]
        for e in contacts:
            rows.append([
                self.cell(format_date(e.occurred_on) + (f"\n{e.start_time}" if isinstance(e, HomeVisit) and
                                                        e.start_time else "")),
                self.markup(self.kind_markup(e), "cell"),
                self.cell(e.present if isinstance(e, HomeVisit) else e.with_whom),
                self.markup(self.contact_summary(e), "cell"),
                self.cell(", ".join(e.referrals)),
            ])
        widths = [20 * mm, 25 * mm, 28 * mm, 0.0, 28 * mm]
        widths[3] = CONTENT_WIDTH - sum(widths)
        return [self.table(rows, widths)]

    def kind_markup(self, e: HomeVisit | FamilyContact) -> str:
        if isinstance(e, HomeVisit):
            kind = rich(Kind.HOME_VISIT.label)
            if e.duration_minutes:
                kind += "<br/>" + rich(tr("{n} min", n=e.duration_minutes))
        else:
            kind = rich(Kind.FAMILY_CONTACT.label)
            if e.channel:
                kind += "<br/>" + rich(pick_lists().label("channels", e.channel))
        if e.author_name:
            kind += f'<br/><font color="{_MUTED_HEX}">{rich(e.author_name)}</font>'
        return kind

    def contact_summary(self, e: HomeVisit | FamilyContact) -> str:
        """Labelled parts of a contact; every part in full, so nothing written down is lost in print."""
        parts: list[tuple[str, str]] = []
        if isinstance(e, HomeVisit):
            parts = [(tr("Waar"), e.location), (tr("Doel"), e.purpose), (tr("Vastgesteld"), e.observations),
                     (tr("Afspraken"), e.agreements)]
        else:
            if e.topics:
                parts.append((tr("Onderwerpen"), _labels("life_domains", e.topics)))
            parts.append(("", e.notes))
        parts.append((tr("Volgende stap"), next_step_text(e.next_step, e.next_step_on, e.next_step_done)))
        return "<br/>".join(f"<b>{rich(label)}:</b> {rich(text)}" if label else rich(text)
                            for label, text in parts if text.strip())

    # -- wellbeing -------------------------------------------------------------------------------------

    def wellbeing(self) -> list[Flowable]:
        scales: list[WellbeingScale] = self.of(WellbeingScale)
        if not scales:
            return [self.none(tr("Geen welbevindenschaal afgenomen in deze periode."))]
        scored = series(scales)
        q = wellbeing_questionnaire()
        out: list[Flowable] = [self.none(tr("Totaal van {lo} tot {hi}; per vraag van {min} (nooit) tot {max} "
                                            "(altijd). Hoger is beter.", lo=scored[0].min_total,
                                            hi=scored[0].max_total, min=q.min_value, max=q.max_value))]
        if len(scored) >= 2:
            out.append(KeepTogether([self.p(tr("Totaal over de tijd"), "h2"),
                                     total_chart(scored)]))
            out.append(KeepTogether([self.p(tr("Per vraag"), "h2"), item_charts(scored)]))
        else:
            out.append(self.none(tr("Eén afname: een verloop is te zien vanaf de tweede keer.")))
        out.append(self.p(tr("Scores"), "h2"))
        out.extend(self.score_tables(scales, scored))
        return out

    def score_tables(self, scales: list[WellbeingScale], scored: list[ScoredScale]) -> list[Flowable]:
        q = wellbeing_questionnaire()
        by_date = sorted(scales, key=lambda s: s.occurred_on)
        out: list[Flowable] = []
        per_table = 7  # date columns that fit beside the questions at a readable size
        for start in range(0, len(scored), per_table):
            chunk = scored[start:start + per_table]
            raw = by_date[start:start + per_table]
            rows: list[list[Any]] = [self.head_row(tr("Vraag"), *[s.occurred_on.strftime("%d/%m/%y") for s in chunk])]
            for n, item in enumerate(q.items, start=1):
                rows.append([self.cell(f"{n}. {item.text}"),
                             *[self.cell(str(s.answers.get(item.id, "–"))) for s in chunk]])
            rows.append([self.markup(f"<b>{rich(tr('Totaal'))}</b>", "cell"),
                         *[self.markup(f"<b>{s.total}</b>", "cell") for s in chunk]])
            rows.append([self.cell(tr("Gemiddelde")), *[self.cell(decimal_text(s.mean)) for s in chunk]])
            rows.append([self.cell(tr("Verschil met vorige keer")),
                         *[self.cell(_signed(s.total_change)) for s in chunk]])
            rows.append([self.cell(tr("Waar")),
                         *[self.cell(pick_lists().label("wellbeing_places", s.place) if s.place else "") for s in raw]])
            rows.append([self.cell(tr("Ingevuld door")), *[self.cell(_filled_in_by(s.filled_in_by)) for s in raw]])
            first = 62 * mm
            col = (CONTENT_WIDTH - first) / per_table
            n_rows = len(rows)
            out.append(self.table(rows, [first, *[col] * len(chunk)], extra=[
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ("LINEABOVE", (0, n_rows - 5), (-1, n_rows - 5), 0.8, ACCENT),
            ]))
            out.append(Spacer(1, 3 * mm))
        return out

    # -- notes and support -----------------------------------------------------------------------------

    def notes(self) -> list[Flowable]:
        notes: list[FollowUpNote] = self.of(FollowUpNote)
        if not notes:
            return [self.none(tr("Geen opvolgnotities in deze periode."))]
        out: list[Flowable] = []
        for note in notes:
            head = format_date(note.occurred_on) + (f" · {note.author_name}" if note.author_name else "")
            block: list[Flowable] = [self.p(head, "h2")]
            if note.text.strip():
                block.append(self.p(note.text))
            if note.action.strip():
                action = tr("Actie: {action}", action=note.action)
                extras = [x for x in (note.action_owner, tr("tegen {date}", date=format_date(note.due_on))
                                      if note.due_on else "") if x]
                if extras:
                    action += " (" + ", ".join(extras) + ")"
                action += " – " + (tr("afgerond") if note.done else tr("open"))
                block.append(self.p(action, "small"))
            out.extend(block)
        return out

    def support(self) -> list[Flowable]:
        measures: list[SupportMeasure] = self.of(SupportMeasure)
        if not measures:
            return [self.none(tr("Geen steunmaatregelen in deze periode."))]
        rows: list[list[Any]] = [self.head_row(tr("Datum"), tr("Maatregel"), tr("Niveau"), tr("Notitie"))]
        for m in measures:
            rows.append([self.cell(format_date(m.occurred_on)),
                         self.cell(pick_lists().label("support_measures", m.measure)),
                         self.cell(pick_lists().label("levels", m.level) if m.level else ""),
                         self.cell(m.note)])
        return [self.table(rows, [22 * mm, 45 * mm, 35 * mm, CONTENT_WIDTH - 102 * mm])]

    def attachments(self) -> list[Flowable]:
        """The case's attachments by title, file name, type, size and day added: which scans exist, so
        a reader can ask for one; their content stays in the app."""
        lines = self.options.attachments
        if not lines:
            return [self.none(tr("Geen bijlagen in dit dossier."))]
        rows: list[list[Any]] = [self.head_row(tr("Titel"), tr("Bestand"), tr("Soort"), tr("Grootte"),
                                               tr("Toegevoegd op"))]
        for line in lines:
            rows.append([self.cell(line.title or "–"), self.cell(line.file_name),
                         self.cell(type_label(line.media_type)), self.cell(size_text(line.size)),
                         self.cell(format_date(line.added_at.astimezone().date()) if line.added_at else "")])
        widths = [0.0, 50 * mm, 16 * mm, 18 * mm, 24 * mm]
        widths[0] = CONTENT_WIDTH - sum(widths)
        return [self.table(rows, widths)]


def _signed(value: int | None) -> str:
    if value is None:
        return "–"
    return f"+{value}" if value > 0 else str(value).replace("-", "−")


def _filled_in_by(key: str) -> str:
    return {"jongere": tr("jongere"), "samen": tr("samen"), "medewerker": tr("medewerker")}.get(key, key)
