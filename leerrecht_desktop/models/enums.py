"""The closed vocabularies of the domain (open, team-adaptable ones live in resources/picklists.json)."""

from __future__ import annotations

from enum import StrEnum

from leerrecht_core.i18n import tr


class Role(StrEnum):
    ONDERWIJSASSISTENT = "onderwijsassistent"
    NETSTERK = "netsterk"
    BRUGFIGUUR = "brugfiguur"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return {
            Role.ONDERWIJSASSISTENT: tr("Onderwijsassistent"),
            Role.NETSTERK: tr("Netsterk-medewerker"),
            Role.BRUGFIGUUR: tr("Brugfiguur"),
            Role.COORDINATOR: tr("Coördinator"),
        }[self]


class CaseStatus(StrEnum):
    AANGEMELD = "aangemeld"
    ACTIEF = "actief"
    AFGESLOTEN = "afgesloten"

    @property
    def label(self) -> str:
        return {
            CaseStatus.AANGEMELD: tr("Aangemeld"),
            CaseStatus.ACTIEF: tr("Actief"),
            CaseStatus.AFGESLOTEN: tr("Afgesloten"),
        }[self]


class Kind(StrEnum):
    """What a record holds. The case profile is a record like any entry."""

    CASE = "case"
    HOME_VISIT = "home_visit"
    FAMILY_CONTACT = "family_contact"
    WELLBEING = "wellbeing"
    NOTE = "note"
    SUPPORT = "support_measure"

    @property
    def label(self) -> str:
        return {
            Kind.CASE: tr("Dossier"),
            Kind.HOME_VISIT: tr("Huisbezoek"),
            Kind.FAMILY_CONTACT: tr("Gezinscontact"),
            Kind.WELLBEING: tr("Welbevindenschaal"),
            Kind.NOTE: tr("Opvolgnotitie"),
            Kind.SUPPORT: tr("Steunmaatregel"),
        }[self]


ENTRY_KINDS = (Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.WELLBEING, Kind.NOTE, Kind.SUPPORT)

GENDERS = ("m", "v", "x")
# The wellbeing form as the young person sees it uses m / v / a (ander).
SCALE_GENDERS = ("m", "v", "a")

# Who filled in a wellbeing scale: the young person alone, together with the worker, or the worker
# recording the answers during a conversation.
FILLED_IN_BY = ("jongere", "samen", "medewerker")
