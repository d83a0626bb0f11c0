"""What the case list says about a search over all text: where a case was found (the entry, its date
and field, the words around the match) and that the index is still being built."""

from __future__ import annotations

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.numbers import whole_text
from leerrecht_desktop.store.search_index import Hit


def field_label(name: str) -> str:
    """A short label of an indexed field (store/search_index.searchable_fields)."""
    labels = {
        "purpose": tr("Doel"), "present": tr("Aanwezig"), "observations": tr("Observaties"),
        "agreements": tr("Afspraken"), "next_step": tr("Volgende stap"), "location": tr("Plaats"),
        "referrals": tr("Doorverwezen naar"), "with_whom": tr("Met wie"), "notes": tr("Notities"),
        "topics": tr("Onderwerpen"), "channel": tr("Contact via"), "text": tr("Notitie"), "action": tr("Actie"),
        "action_owner": tr("Uitvoerder"), "note": tr("Toelichting"), "measure": tr("Steunmaatregel"),
        "place": tr("Plaats"), "name": tr("Naam"), "school": tr("School"), "class_name": tr("Klas"),
        "address": tr("Adres"), "contacts": tr("Contactpersonen"), "network": tr("Netwerk"),
        "concern": tr("Bezorgdheid"), "referred_by": tr("Aangemeld door"),
    }
    return labels.get(name, name)


def hit_place(hit: Hit) -> str:
    """Where: "Huisbezoek van 12/03/2026, Afspraken" or "Profiel, Contactpersonen"."""
    label = field_label(hit.field_name)
    if hit.kind == Kind.CASE:
        return tr("Profiel, {field}", field=label)
    if hit.on is not None:
        return tr("{kind} van {date}, {field}", kind=hit.kind.label, date=hit.on.strftime("%d/%m/%Y"), field=label)
    return tr("{kind}, {field}", kind=hit.kind.label, field=label)


def hit_text(hit: Hit) -> str:
    """One line for under the list and the row's tooltip: where, and the words around what was found."""
    return tr("Gevonden in: {place} — “{snippet}”", place=hit_place(hit), snippet=hit.snippet)


def building_text(done: int, total: int) -> str:
    return tr("Zoeken in de notities is nog bezig ({done} van {total} dossiers); de lijst vult zich vanzelf aan.",
              done=whole_text(done), total=whole_text(total))
