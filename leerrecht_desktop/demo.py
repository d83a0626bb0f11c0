"""Fictitious but realistic case files for demonstrations, benchmarks and trying the app.

Every name, address, phone number and note made here is invented: names are drawn from the mix of
origins of Mechelen's young people (Flemish, Moroccan, Turkish, Polish, Syrian, Congolese, Afghan,
Eritrean, Albanian), streets are real-sounding Mechelen streets with random numbers, and phone numbers
are random Belgian mobile numbers. The texts are written the way a field worker writes them, in Dutch,
because case content is what the workers themselves type; they are data, not interface text, so they
are not passed through `tr()`.

The same seed and `today` always give the same content (ids and save times differ, they come from the
store). Cases are saved in chunks, one transaction per chunk, so a hundred cases take seconds and ten
thousand never hold one huge transaction open."""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral, age_on
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import CaseStatus, Kind, Role
from leerrecht_desktop.store.casefiles import CaseFiles

CHUNK_CASES = 50
MAX_CASES = 10_000
DEFAULT_ENTRIES = (10, 40)

# -- names -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Names and home languages of one group of Mechelen families. A surname given as a pair has a
    male and a female form (Polish -ski/-ska)."""

    key: str
    weight: int
    boys: tuple[str, ...]
    girls: tuple[str, ...]
    surnames: tuple[str | tuple[str, str], ...]
    fathers: tuple[str, ...]
    mothers: tuple[str, ...]
    languages: tuple[str, ...]


ORIGINS: tuple[Origin, ...] = (
    Origin(
        "vlaams", 34,
        ("Lars", "Wout", "Arne", "Jens", "Seppe", "Milan", "Robbe", "Stan", "Kobe", "Lucas", "Mathis", "Warre",
         "Jasper", "Senne", "Ruben"),
        ("Lotte", "Fien", "Nore", "Lien", "Jana", "Marie", "Elise", "Hanne", "Febe", "Noor", "Amber", "Emma",
         "Lore", "Ine", "Kato"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
         "De Smedt", "Van den Broeck", "Verbruggen", "Van Dessel", "Vermeulen", "Hermans", "Aerts",
         "Van Looy", "De Backer", "Verschueren", "Van Hoof"),
        ("Tom", "Kristof", "Bart", "Peter", "Steven", "Jan", "Dirk", "Wim", "Koen", "Glenn"),
        ("Sofie", "Ann", "Katrien", "Els", "Nathalie", "Sarah", "Evelien", "Tine", "Kelly", "Sandra"),
        ("Nederlands",),
    ),
    Origin(
        "marokkaans", 26,
        ("Yassine", "Bilal", "Ayoub", "Mohamed", "Anas", "Ilyas", "Soufiane", "Hamza", "Zakaria", "Adam",
         "Imran", "Nassim", "Othman", "Younes"),
        ("Salma", "Imane", "Nisrine", "Aya", "Hajar", "Yasmina", "Rania", "Malak", "Kawtar", "Ikram",
         "Soumaya", "Nora", "Chaima", "Houda"),
        ("El Amrani", "Bouzid", "El Idrissi", "Benali", "Azzouzi", "El Khattabi", "Ouali", "Boukhari",
         "Tahiri", "El Ouardi", "Chaouki", "Aarab", "Bakkali", "El Hamdaoui", "Ait Taleb", "Zaoui"),
        ("Abdelkader", "Rachid", "Mustapha", "Hassan", "Karim", "Driss", "Said", "Abdelaziz", "Khalid"),
        ("Fatima", "Khadija", "Naima", "Samira", "Malika", "Hanane", "Latifa", "Zohra", "Saida"),
        ("Tamazight", "Arabisch", "Arabisch en Nederlands"),
    ),
    Origin(
        "turks", 8,
        ("Emre", "Yusuf", "Mert", "Burak", "Efe", "Kerem", "Arda", "Enes"),
        ("Elif", "Zeynep", "Ece", "Melike", "Büşra", "Esra", "Selin", "İrem"),
        ("Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Aydın", "Öztürk", "Arslan", "Doğan", "Koç"),
        ("Mehmet", "Mustafa", "Ali", "Hüseyin", "İbrahim", "Murat", "Hasan"),
        ("Ayşe", "Fatma", "Emine", "Hatice", "Serpil", "Gül", "Nurcan"),
        ("Turks", "Turks en Nederlands"),
    ),
    Origin(
        "pools", 7,
        ("Jakub", "Kacper", "Szymon", "Mateusz", "Filip", "Bartosz", "Michał"),
        ("Zofia", "Maja", "Zuzanna", "Wiktoria", "Natalia", "Julia", "Oliwia"),
        ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", ("Kowalski", "Kowalska"),
         ("Wiśniewski", "Wiśniewska"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
         ("Zieliński", "Zielińska")),
        ("Piotr", "Tomasz", "Krzysztof", "Marcin", "Paweł", "Andrzej"),
        ("Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Monika", "Ewa"),
        ("Pools",),
    ),
    Origin(
        "syrisch", 7,
        ("Ahmad", "Omar", "Khaled", "Mahmoud", "Yazan", "Hussein", "Majd", "Tarek"),
        ("Rama", "Lama", "Nour", "Hiba", "Sidra", "Rasha", "Joudi", "Aya"),
        ("Al-Hassan", "Al-Khatib", "Haddad", "Al-Ahmad", "Darwish", "Kassab", "Al-Masri", "Hamdan",
         "Al-Najjar", "Sabbagh"),
        ("Khalil", "Walid", "Samer", "Bassam", "Fadi", "Ziad"),
        ("Amal", "Huda", "Manal", "Rim", "Samar", "Wafa"),
        ("Arabisch", "Koerdisch"),
    ),
    Origin(
        "congolees", 6,
        ("Glody", "Dieumerci", "Exaucé", "Bienvenu", "Junior", "Christ", "Jonathan", "Trésor"),
        ("Grâce", "Merveille", "Divine", "Gloire", "Plamedi", "Naomie", "Exaucée", "Rachel"),
        ("Mbuyi", "Kabongo", "Tshibangu", "Ilunga", "Mukendi", "Kalonji", "Lukusa", "Mulumba", "Kasongo",
         "Nzuzi"),
        ("Jean-Pierre", "Papy", "Didier", "Serge", "Alain", "Crispin"),
        ("Béatrice", "Chantal", "Espérance", "Jeanine", "Mamie", "Odette"),
        ("Frans", "Lingala", "Frans en Lingala"),
    ),
    Origin(
        "afghaans", 5,
        ("Sohail", "Farid", "Jawad", "Mansoor", "Elyas", "Navid"),
        ("Mahsa", "Zahra", "Parwana", "Nilofar", "Maryam", "Shabnam"),
        ("Ahmadi", "Rahimi", "Hashimi", "Sultani", "Noori", "Karimi", "Haidari"),
        ("Abdullah", "Ghulam", "Habib", "Nasir", "Zabihullah"),
        ("Fariba", "Gulalai", "Marzia", "Razia", "Soraya"),
        ("Dari", "Pasjtoe"),
    ),
    Origin(
        "eritrees", 4,
        ("Yonas", "Filmon", "Samuel", "Dawit", "Robel", "Natnael"),
        ("Senait", "Helen", "Saba", "Yordanos", "Luwam", "Winta"),
        ("Tesfay", "Gebremedhin", "Haile", "Tekle", "Berhane", "Ghebreyesus", "Kidane"),
        ("Tesfalem", "Mehari", "Amanuel", "Habte", "Yohannes"),
        ("Lemlem", "Mebrat", "Tsega", "Almaz", "Selam"),
        ("Tigrinya",),
    ),
    Origin(
        "albanees", 3,
        ("Arbër", "Dion", "Leart", "Endrit", "Besart"),
        ("Elira", "Blerina", "Arta", "Dafina", "Rina"),
        ("Krasniqi", "Berisha", "Gashi", "Hoxha", "Shala", "Morina"),
        ("Bekim", "Agron", "Fatmir", "Ilir", "Naim"),
        ("Drita", "Valbona", "Shqipe", "Mimoza", "Fatmire"),
        ("Albanees",),
    ),
)

# Guardians of unaccompanied minors and other professionals are mostly Flemish names.
_PROFESSIONAL_FIRST = ("Mieke", "Griet", "Hilde", "Joke", "Veerle", "Pieter", "Joris", "Bram", "Lies", "Dries")
_PROFESSIONAL_LAST = ("Van Dyck", "De Wit", "Smets", "Michiels", "Geerts", "Van Camp", "Verhoeven", "Segers")

# -- places ----------------------------------------------------------------------------------------

STREETS = (
    "Bruul", "IJzerenleen", "Hoogstraat", "Adegemstraat", "Nekkerspoelstraat", "Kazernestraat",
    "Tervuursesteenweg", "Brusselsesteenweg", "Liersesteenweg", "Battelsesteenweg", "Leuvensesteenweg",
    "Hombeeksesteenweg", "Hanswijkstraat", "Sint-Katelijnestraat", "Begijnenstraat", "Keizerstraat",
    "Befferstraat", "Koningin Astridlaan", "Onze-Lieve-Vrouwestraat", "Zandpoortvest", "Van Benedenlaan",
    "Jubellaan", "Ganzendries", "Raghenoplein", "Oscar Van Kesbeeckstraat", "Geitestraat",
    "Nieuwe Beggaardenstraat", "Lange Schipstraat", "Vijfhoek", "Caputsteenstraat",
)
POSTCODES = (("2800", "Mechelen", 80), ("2801", "Heffen", 4), ("2811", "Hombeek", 5), ("2811", "Leest", 3),
             ("2812", "Muizen", 8))
MOVED_TO = ("Antwerpen", "Brussel", "Lier", "Vilvoorde", "Willebroek", "Boom", "Leuven", "Gent")

# Which schools of the pick list are primary schools; anything else counts as secondary.
_PRIMARY_SCHOOLS = {"Maurits Sabbe", "Den Anker", "De Luchtballon", "Scheppers lager"}
_UPPER_ONLY = {"TSM bovenbouw"}
_LOWER_ONLY = {"TSM middenschool"}

_BSO_OPTIONS = ("Haarzorg", "Verzorging-Voeding", "Logistiek", "Bouw", "Elektriciteit", "Hout", "Office",
                "Mechanica", "Schilderwerk", "Zorg")

# Level of the young person by the role of the worker whose laptop this is (see DOMAIN.md: OA in
# secondary BSO schools, bridge figures in primary schools, Netsterk and coordinators see everything).
_LEVEL_WEIGHTS: dict[str, dict[str, int]] = {
    Role.ONDERWIJSASSISTENT.value: {"graad1": 30, "graad2": 35, "graad3": 30, "schoolverlater": 5},
    Role.BRUGFIGUUR.value: {"lager": 85, "kleuter": 5, "graad1": 10},
    Role.NETSTERK.value: {"kleuter": 2, "lager": 30, "graad1": 24, "graad2": 20, "graad3": 14,
                          "schoolverlater": 10},
    Role.COORDINATOR.value: {"kleuter": 2, "lager": 30, "graad1": 24, "graad2": 20, "graad3": 14,
                             "schoolverlater": 10},
}
_AGE_BY_LEVEL = {"kleuter": (4, 5), "lager": (7, 12), "graad1": (12, 14), "graad2": (14, 16),
                 "graad3": (16, 18), "schoolverlater": (17, 20)}

_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")

# -- texts, the way a worker writes them ------------------------------------------------------------
# Placeholders: {naam} first name of the young person; {hij}/{Hij}/{zijn}/{Zijn}/{hem} pronouns;
# {ouder}/{Ouder} the main contact ("mama", "papa", "oma", "de voogd"); {school}; {partner}; {taal};
# {n}, {m} small numbers; {dag} a weekday; {stad} a town; {bedrag} an amount in euro.

_CONCERNS: dict[str, tuple[str, ...]] = {
    "school": (
        "De klastitularis merkt dat {naam} sinds de herfstvakantie vaak te laat komt en op maandag "
        "regelmatig afwezig is. Taken worden niet meer gemaakt en {hij} trekt zich terug in de klas. "
        "{Ouder} is moeilijk bereikbaar via Smartschool.",
        "De zorgcoördinator meldt dat {naam} dit schooljaar al {n} halve dagen ongewettigd afwezig was. "
        "De school vermoedt dat {hij} thuis voor de jongere kinderen zorgt.",
        "De leerkracht maakt zich zorgen: {naam} komt zonder ontbijt en zonder boterhammen naar school, is "
        "snel moe en prikkelbaar. De schoolrekening van vorig trimester staat nog open.",
        "Na een conflict op de speelplaats werd {naam} twee dagen preventief geschorst. De "
        "leerlingenbegeleider vraagt om het gezin mee te ondersteunen zodat een definitieve uitsluiting "
        "vermeden wordt.",
    ),
    "clb": (
        "De CLB-medewerker meldt aanhoudende problematische afwezigheid ({n} B-codes). Het gesprek met de "
        "ouders op het CLB liep stroef; vraag om een laagdrempelig contact aan huis.",
        "Het CLB volgt {naam} op rond schoolmoeheid. {Hij} wil na dit schooljaar stoppen zonder diploma. "
        "Vraag om samen te zoeken naar een haalbare richting of een alternatief traject.",
    ),
    "ouder": (
        "{Ouder} belt zelf: {naam} wil 's ochtends niet meer naar school en zit veel op {zijn} kamer. "
        "{Ouder} weet niet goed hoe dit aan te pakken en vraagt hulp.",
        "{Ouder} spreekt ons aan aan de schoolpoort: de brief over de schoolrekening is niet begrepen en er "
        "is schrik voor een aanmaning. Het gezin leeft van een leefloon.",
    ),
    "politie": (
        "De dienst jeugd en gezin meldt dat {naam} tijdens de schooluren meermaals is aangetroffen aan het "
        "station met een groep oudere jongeren. Geen strafbare feiten, wel bezorgdheid over spijbelen.",
    ),
    "welzijnspartner": (
        "Het Sociaal Huis begeleidt het gezin rond schulden en een openstaande energiefactuur. De "
        "maatschappelijk werker merkt dat {naam} vaak thuis is tijdens de schooluren en vraagt om mee te "
        "kijken naar de schoolloopbaan.",
        "Het Huis van het Kind meldt dat het gezin net verhuisd is naar een kleine studio. {naam} heeft "
        "geen rustige plek om huiswerk te maken en {ouder} voelt zich alleen. Vraag om ondersteuning rond "
        "school en gezin.",
    ),
    "jongere": (
        "{naam} spreekt ons zelf aan na de les: thuis is het gespannen, {hij} kan zich niet concentreren "
        "en wil graag iemand om mee te praten.",
        "{naam} komt zelf langs: {hij} kan beginnen werken bij een kennis en wil stoppen met school. "
        "Vraagt hulp om die keuze goed te bekijken.",
    ),
    "andere": (
        "Een buurtwerker van Samenlevingsopbouw maakt zich zorgen: het gezin woont met zes in een "
        "appartement met vochtproblemen, de kinderen zijn vaak ziek en missen school.",
        "Een jeugdwerker van De Ploeg merkt dat {naam} niet meer naar de activiteiten komt en 's avonds "
        "laat nog buiten is. Vermoedt spanningen thuis.",
    ),
}
_REFERRED_BY: dict[str, tuple[str, ...]] = {
    "school": ("Klastitularis", "Zorgcoördinator {school}", "Leerlingenbegeleider", "Directie {school}"),
    "clb": ("CLB-medewerker", "CLB-arts"),
    "ouder": ("{Ouder}",),
    "politie": ("Inspecteur dienst jeugd en gezin",),
    "welzijnspartner": ("Maatschappelijk werker Sociaal Huis", "Medewerker Huis van het Kind",
                        "Consulent CAW/JAC"),
    "jongere": ("{naam} zelf",),
    "andere": ("Buurtwerker Samenlevingsopbouw", "Jeugdwerker De Ploeg"),
}
_NETWORK = (
    "Zorgcoördinator {school}; CLB Mechelen (lopend dossier).",
    "Zorgcoördinator {school}; CLB; huisarts van het gezin.",
    "Leerlingenbegeleider {school}; Sociaal Huis (budgetbegeleiding); oudere zus helpt met huiswerk.",
    "CLB; Huis van het Kind (opvoedingsondersteuning); voetbalclub in de buurt.",
    "Zorgcoördinator {school}; CAW/JAC; jeugdhuis in de wijk.",
    "School, CLB en {partner}; tante woont in dezelfde straat en springt bij.",
)

_VISIT_PURPOSE_FIRST = "Kennismaking met het gezin en uitleg over de begeleiding."
_VISIT_PURPOSES = (
    "Opvolging van de afwezigheden.",
    "Het rapport bespreken en doelen zetten voor de komende weken.",
    "Samen de schoolrekening en het afbetalingsplan bekijken.",
    "Voorbereiding van het overleg met de school.",
    "De studiekeuze voor volgend schooljaar bespreken.",
    "Terugkoppeling na het gesprek met het CLB.",
    "Aanvraag laptop en schoolmateriaal bekijken.",
    "Evaluatie van de afspraken van het vorige huisbezoek.",
)
_VISIT_OBSERVATIONS = (
    "Warm onthaal, {ouder} had thee klaargezet. {naam} was eerst stil maar vertelde later over {zijn} "
    "vrienden en het voetbal. Het appartement is klein; {naam} deelt een kamer met twee broers.",
    "{Ouder} oogt vermoeid en vertelt over lange werkdagen in de schoonmaak. Er is weinig toezicht 's "
    "avonds. {naam} zat op {zijn} gsm tijdens het gesprek maar luisterde mee.",
    "Het gezin zit krap: de koelkast was bijna leeg en er liggen onbetaalde facturen op tafel. {Ouder} "
    "schaamt zich om hulp te vragen.",
    "{naam} vertelt dat {hij} 's nachts tot laat gamet en 's ochtends de wekker niet hoort. {Ouder} heeft "
    "er weinig vat op.",
    "Goede sfeer. {naam} toonde trots {zijn} rapport: vooruitgang voor Nederlands en wiskunde. {Ouder} is "
    "opgelucht.",
    "Gesprek met een telefonische tolk voor {ouder} (thuistaal {taal}). {naam} vertaalde soms zelf, wat "
    "we liever vermijden.",
    "Spanning tussen {naam} en {ouder} over uitgaan en schoolresultaten. Beiden konden hun kant vertellen "
    "en er werd naar elkaar geluisterd.",
    "{naam} heeft een vaste plek gekregen aan de keukentafel om taken te maken. Het huis is rustiger nu de "
    "oudste broer het huis uit is.",
)
_VISIT_AGREEMENTS = (
    "{naam} legt elke avond om 22u de gsm in de keuken. {Ouder} belt de school vóór 8u30 bij ziekte.",
    "{naam} gaat twee keer per week naar de huiswerkklas. Ik vraag de school om een rustig plekje tijdens "
    "de middag.",
    "{Ouder} neemt de brief over de schoolrekening mee naar het Sociaal Huis; ik ga mee naar de eerste "
    "afspraak.",
    "We zien elkaar om de twee weken op school. {naam} houdt zelf een agenda bij van toetsen en taken.",
    "{Ouder} geeft toestemming om met de zorgcoördinator en het CLB te overleggen.",
    "{naam} probeert een week lang elke dag op tijd te komen; vrijdag evalueren we samen.",
    "{Ouder} komt mee naar het oudercontact; ik zorg voor een tolk.",
)
_VISIT_NEXT_STEPS = (
    "Opvolggesprek met {naam} op school.",
    "Overleg met de zorgcoördinator en het CLB.",
    "Samen naar de afspraak bij het Sociaal Huis.",
    "Tweede huisbezoek om de afspraken te evalueren.",
    "Aanmelding bij {partner} opvolgen.",
    "Gesprek met de klastitularis over de afwezigheden.",
)
_VISIT_LOCATIONS = ("Thuis", "Thuis", "Thuis, in de woonkamer", "Bij de grootouders", "Thuis, op het terras")
_VISIT_PRESENT = (
    "{ouder}, {naam}",
    "{ouder}, {naam}, jongere zus",
    "{ouder}, {naam}, telefonische tolk",
    "{ouder}, {naam}, brugfiguur van de school",
    "{ouder}, {naam}, twee jongere broers",
)

_CONTACT_NOTES: dict[str, tuple[str, ...]] = {
    "telefoon": (
        "{Ouder} gebeld over de afwezigheid van {dag}. {naam} was ziek; het doktersbriefje volgt.",
        "Telefonisch afgesproken om het rapport samen te bekijken. {Ouder} vraagt of het in het {taal} "
        "uitgelegd kan worden.",
        "{Ouder} belt ongerust: {naam} is gisteren niet thuisgekomen na school en sliep bij een vriend. "
        "Samen overlopen wat de afspraken thuis zijn.",
    ),
    "schoolpoort": (
        "Kort gesproken met {ouder} aan de schoolpoort bij het ophalen. Het gaat beter thuis; de nieuwe "
        "wekker helpt.",
        "{Ouder} spreekt me aan aan de schoolpoort: er kwam een brief van de deurwaarder. Afgesproken om "
        "morgen samen te kijken.",
        "{Ouder} aan de schoolpoort: {naam} heeft zin in de schooluitstap maar het geld is er niet. "
        "Bekeken of de school kan tussenkomen.",
    ),
    "op_school": (
        "Gesprek met {naam} tijdens de middagpauze. {Hij} vindt de nieuwe klas moeilijk maar heeft een "
        "vriend gevonden.",
        "Oudercontact samen met {ouder} en de klastitularis; ik heb de afspraken op papier gezet en mee "
        "naar huis gegeven.",
        "{naam} kwam zelf naar het lokaal van de OA: ruzie met een leerkracht. We hebben samen een excuus "
        "voorbereid.",
    ),
    "organisatie": (
        "{Ouder} kwam langs op de organisatie met vragen over het groeipakket en de schooltoelage. Samen het "
        "formulier ingevuld.",
        "{Ouder} en {naam} op de organisatie: vraag naar een sportkamp in de zomer. Info over de UiTPAS "
        "met kansentarief meegegeven.",
    ),
    "online": (
        "Berichtje van {naam}: {hij} heeft de toets Frans gehaald. Positief bevestigd.",
        "{Ouder} stuurt een foto van de brief van school; afgesproken om die samen te bekijken.",
    ),
    "huisbezoek": (
        "Kort langsgegaan thuis om het formulier voor de schooltoelage op te halen.",
        "Kort langsgegaan thuis om de leenlaptop te brengen en te tonen hoe {naam} kan inloggen.",
    ),
}
_CONTACT_CHANNEL_WEIGHTS = {"telefoon": 30, "schoolpoort": 25, "op_school": 25, "organisatie": 8,
                            "online": 8, "huisbezoek": 4}

_NOTE_TEXTS = (
    "Overleg met de zorgcoördinator: {naam} krijgt een aangepaste planning voor de toetsen.",
    "Afwezigheden deze maand: {n} halve dagen, tegenover {m} vorige maand.",
    "Mail gestuurd naar het CLB met de vraag naar een gesprek over de studiekeuze.",
    "Casusoverleg met de school en het CLB: iedereen ziet vooruitgang, de begeleiding loopt verder.",
    "{naam} was vandaag niet op de afspraak. Later gebeld: vergeten. Nieuwe afspraak gemaakt.",
    "Aanmelding bij {partner} doorgegeven met toestemming van {ouder}.",
    "Gesprek met {naam} over vrije tijd: {hij} wil graag terug gaan voetballen maar het lidgeld is te duur.",
    "Klastitularis laat weten dat {naam} beter meewerkt in de les en {zijn} taken weer maakt.",
)
_NOTE_ACTIONS = (
    "Mail naar de zorgcoördinator over de afwezigheden",
    "Schooltoelage aanvragen samen met {ouder}",
    "Afspraak maken bij {partner}",
    "Rapport opvragen bij de klastitularis",
    "Terugbellen naar {ouder} over de schooluitstap",
    "Formulier leenlaptop binnenbrengen op school",
    "Nagaan of de huiswerkklas nog plaats heeft",
    "UiTPAS met kansentarief aanvragen",
)
_NOTE_OWNERS = ("{ik}", "{ik}", "{ik}", "{Ouder}", "Zorgcoördinator", "CLB")

_SUPPORT_NOTES: dict[str, tuple[str, ...]] = {
    "laptop_geef": ("Geeflaptop aangevraagd via de school: eerste aanvraag in het gezin, wonend in Mechelen.",),
    "laptop_leen": ("Leenlaptop tot het einde van het schooljaar; in juni terug te brengen naar de school.",),
    "schoolrekening": (
        "Openstaande schoolrekening van {bedrag} euro (uitstappen en maaltijden) opgenomen; "
        "afbetalingsplan met de school afgesproken.",
        "Tussenkomst in de schoolrekening van {bedrag} euro via het Sociaal Huis.",
    ),
    "ontbijtkar": ("{naam} kan elke ochtend langs de ontbijtkar; de leerkracht merkt meer energie in de klas.",),
    "soep": ("Soep op school over de middag, via het project in de school.",),
    "andere": ("Bijdrage voor het sportkamp in de zomer via het kansentarief.",),
}
_SUPPORT_WEIGHTS = {"laptop_geef": 30, "laptop_leen": 20, "schoolrekening": 30, "ontbijtkar": 10,
                    "soep": 5, "andere": 5}

_CLOSING_NOTES: dict[str, str] = {
    "doel_bereikt": "Afsluitend gesprek met {naam} en {ouder}: {naam} gaat al maanden elke dag naar school "
                    "en zit goed in {zijn} vel. Begeleiding afgerond.",
    "doorverwezen": "Begeleiding overgedragen aan {partner}; warme overdracht gedaan met toestemming van het "
                    "gezin.",
    "geen_medewerking": "Het gezin wenst geen verdere begeleiding. Afgesproken dat de deur openblijft.",
    "verhuisd": "Het gezin is verhuisd naar {stad}; school en CLB zijn verwittigd.",
    "andere": "Begeleiding stopgezet: {naam} is meerderjarig en wil geen verdere ondersteuning.",
}

# -- the plan of one case ---------------------------------------------------------------------------


@dataclass
class _Young:
    """The invented young person and family, with the words the texts need."""

    first_name: str
    last_name: str
    gender: str
    birth_date: dt.date
    level: str
    school: str
    class_name: str
    language: str
    address: str
    contacts: list[Contact]
    main_contact: str
    words: dict[str, str] = field(default_factory=dict)

    def text(self, template: str, rng: random.Random, partners: Sequence[str], **extra: Any) -> str:
        values: dict[str, Any] = {
            **self.words,
            "partner": rng.choice(partners),
            "n": rng.randint(4, 18),
            "m": rng.randint(2, 12),
            "dag": rng.choice(_WEEKDAYS),
            "stad": rng.choice(MOVED_TO),
            "bedrag": rng.randrange(45, 480, 5),
            **extra,
        }
        return template.format(**values)


def _pick_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(("0460", "0465", "0466", "0468", "0470", "0471", "0472", "0473", "0474", "0475",
                         "0476", "0477", "0478", "0479", "0484", "0485", "0486", "0487", "0488", "0489",
                         "0491", "0492", "0493", "0494", "0495", "0496", "0497", "0498", "0499"))
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    number = str(rng.randint(1, 180))
    if rng.random() < 0.3:
        number += f" bus {rng.randint(1, 12)}"
    codes = list(POSTCODES)
    postcode, town, _ = rng.choices(codes, weights=[c[2] for c in codes])[0]
    return f"{street} {number}, {postcode} {town}"


def _surname_forms(rng: random.Random, origin: Origin) -> tuple[str, str]:
    """(male form, female form) of a surname; the same unless the language genders it."""
    name = rng.choice(origin.surnames)
    return name if isinstance(name, tuple) else (name, name)


def _school_and_class(rng: random.Random, level: str, schools: list[str]) -> tuple[str, str]:
    primary = [s for s in schools if s in _PRIMARY_SCHOOLS]
    secondary = [s for s in schools if s not in _PRIMARY_SCHOOLS and s != "Andere school"]
    if level in ("kleuter", "lager"):
        pool = primary or schools
    elif level == "graad1":
        pool = [s for s in secondary if s not in _UPPER_ONLY] or schools
    elif level in ("graad2", "graad3"):
        pool = [s for s in secondary if s not in _LOWER_ONLY] or schools
    else:  # a school leaver is still known by the last school
        pool = secondary or schools
    school = rng.choice(pool)
    if rng.random() < 0.05 and "Andere school" in schools:
        school = "Andere school"
    letter = rng.choice("ABCD")
    if level == "kleuter":
        return school, f"K{rng.randint(2, 3)}{letter}"
    if level == "lager":
        return school, f"{rng.randint(1, 6)}{letter}"
    if level == "graad1":
        return school, f"{rng.randint(1, 2)}{rng.choice('AB')}"
    if level == "graad2":
        return school, f"{rng.randint(3, 4)} {rng.choice(_BSO_OPTIONS)}"
    if level == "graad3":
        return school, f"{rng.randint(5, 7)} {rng.choice(_BSO_OPTIONS)}"
    return school, ""



def _invent_young(rng: random.Random, role: str, schools: list[str], today: dt.date) -> _Young:
    origin = rng.choices(ORIGINS, weights=[o.weight for o in ORIGINS])[0]
    gender = rng.choices(("m", "v", "x"), weights=(49, 49, 2))[0]
    if gender == "x":
        first = rng.choice(origin.boys + origin.girls)
    else:
        first = rng.choice(origin.boys if gender == "m" else origin.girls)
    family_male, family_female = _surname_forms(rng, origin)
    last = family_female if gender == "v" else family_male
    level = _pick_weighted(rng, _LEVEL_WEIGHTS.get(role, _LEVEL_WEIGHTS[Role.NETSTERK.value]))
    lo, hi = _AGE_BY_LEVEL[level]
    age = rng.randint(lo, hi)
    birth = today - dt.timedelta(days=age * 365 + rng.randint(30, 330))
    school, class_name = _school_and_class(rng, level, schools)
    language = rng.choice(origin.languages)

    def relative(pool: tuple[str, ...], female: bool) -> str:
        # Belgian mothers keep their own surname, so a mother or aunt gets another family name.
        other_male, other_female = _surname_forms(rng, origin)
        return f"{rng.choice(pool)} {other_female if female else other_male}"

    def professional() -> str:
        return f"{rng.choice(_PROFESSIONAL_FIRST)} {rng.choice(_PROFESSIONAL_LAST)}"

    contacts: list[Contact] = []
    unaccompanied = origin.key in ("afghaans", "eritrees", "syrisch") and age >= 15 and rng.random() < 0.4
    if unaccompanied:
        contacts.append(Contact(professional(), "voogd", _phone(rng)))
        main = "de voogd"
    else:
        shape = rng.choices(("beide", "moeder", "vader", "grootmoeder", "pleeg"), weights=(50, 33, 8, 6, 3))[0]
        if shape in ("beide", "moeder"):
            contacts.append(Contact(relative(origin.mothers, True), "moeder", _phone(rng)))
        if shape in ("beide", "vader"):
            contacts.append(Contact(f"{rng.choice(origin.fathers)} {family_male}", "vader", _phone(rng)))
        if shape == "grootmoeder":
            contacts.append(Contact(relative(origin.mothers, True), "grootmoeder", _phone(rng)))
        if shape == "pleeg":
            contacts.append(Contact(professional(), "pleegmoeder", _phone(rng)))
        if rng.random() < 0.2:
            contacts.append(Contact(relative(origin.mothers, True), "tante", _phone(rng)))
        main = {"beide": rng.choice(("mama", "mama", "papa")), "moeder": "mama", "vader": "papa",
                "grootmoeder": "oma", "pleeg": "de pleegmoeder"}[shape]

    subject, possessive, obj = {"m": ("hij", "zijn", "hem"), "v": ("ze", "haar", "haar"),
                                "x": ("die", "hun", "hen")}[gender]
    words = {
        "naam": first, "hij": subject, "Hij": subject.capitalize(), "zijn": possessive,
        "Zijn": possessive.capitalize(), "hem": obj, "ouder": main, "Ouder": main[0].upper() + main[1:],
        "school": school, "taal": language.split(" en ")[0],
    }
    return _Young(first, last, gender, birth, level, school, class_name, language, _address(rng), contacts,
                  main, words)


def _kind_plan(rng: random.Random, n: int, *, final_note: bool) -> list[Kind]:
    """The kinds of a case's `n` entries in timeline order: an intake contact first, 2-6 wellbeing
    scales spread over the whole period (so a trend shows), a mix of the rest, and, when
    `final_note`, a follow-up note last (the open action of a running case, or the closing note)."""
    if n <= 0:
        return []
    scales = min(6, max(2, n // 6)) if n >= 5 else (1 if n >= 3 else 0)
    rest = n - scales
    intake = rng.choice((Kind.HOME_VISIT, Kind.HOME_VISIT, Kind.FAMILY_CONTACT))
    last = [Kind.NOTE] if final_note and rest >= 2 else []
    middle_count = rest - 1 - len(last)
    middle = [k for k in (Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.NOTE) if k != intake][:max(0, middle_count)]
    supports = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
    middle += [Kind.SUPPORT] * min(supports, middle_count - len(middle))
    while len(middle) < middle_count:
        middle.append(rng.choices((Kind.FAMILY_CONTACT, Kind.NOTE, Kind.HOME_VISIT), weights=(40, 40, 20))[0])
    rng.shuffle(middle)
    body = [intake, *middle, *last]
    if scales == 0:
        return body
    # Evenly spread slots for the scales, never the first slot (intake) nor the final note's.
    lo, hi = 1, n - 1 - len(last)
    slots = {lo + round(k * (hi - lo) / max(1, scales - 1)) for k in range(scales)} if scales > 1 else {(lo + hi) // 2}
    plan: list[Kind] = []
    others = iter(body)
    for i in range(n):
        plan.append(Kind.WELLBEING if i in slots else next(others))
    return plan


def _spread_dates(rng: random.Random, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    span = max(0, (end - start).days)
    return sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(n))


def _weighted_keys(rng: random.Random, weights: dict[str, int], allowed: set[str]) -> str:
    usable = {k: w for k, w in weights.items() if k in allowed}
    return _pick_weighted(rng, usable) if usable else rng.choice(sorted(allowed))


class _CaseWriter:
    """Invents and saves one case with its history."""

    def __init__(self, case_files: CaseFiles, rng: random.Random, today: dt.date):
        self.cf = case_files
        self.rng = rng
        self.today = today
        lists = pick_lists()
        self.lists = lists
        self.schools = [c.key for c in lists.schools]
        self.partners = [c.key for c in lists.partners] or ["Sociaal Huis"]
        self.me = case_files.user.name
        self.role = case_files.user.role
        q = wellbeing_questionnaire()
        self.items = q.item_ids
        self.answer_range = (q.min_value, q.max_value)

    def text(self, young: _Young, template: str) -> str:
        return young.text(template, self.rng, self.partners, ik=self.me)

    def write(self, entries_per_case: int | None) -> str:
        rng, today = self.rng, self.today
        young = _invent_young(rng, self.role, self.schools, today)
        status = rng.choices((CaseStatus.AANGEMELD, CaseStatus.ACTIEF, CaseStatus.AFGESLOTEN),
                             weights=(15, 60, 25))[0]
        earliest = young.birth_date + dt.timedelta(days=3 * 366 + 30)  # the scale needs age 3 or more
        if status == CaseStatus.AANGEMELD:
            referred = today - dt.timedelta(days=rng.randint(1, 30))
        elif status == CaseStatus.ACTIEF:
            referred = today - dt.timedelta(days=rng.randint(45, 700))
        else:
            referred = today - dt.timedelta(days=rng.randint(200, 730))
        referred = min(today, max(referred, earliest))
        closed_on = None
        if status == CaseStatus.AFGESLOTEN:
            closed_on = min(today - dt.timedelta(days=7), referred + dt.timedelta(days=rng.randint(120, 500)))
            closed_on = max(closed_on, referred)
        end = closed_on or today
        first_contact = min(end, referred + dt.timedelta(days=rng.randint(1, 14)))

        profile = self._profile(young, referred)
        record = self.cf.create_case(copy.deepcopy(profile), today=today)
        case_id, profile_id = record.case_id, record.record_id
        if status != CaseStatus.AANGEMELD:
            profile.status = CaseStatus.ACTIEF.value
            profile.consent = Consent(True, first_contact, self.me)
            self.cf.save(case_id, copy.deepcopy(profile), record_id=profile_id, today=today)

        if entries_per_case is None:
            low, high = (1, 4) if status == CaseStatus.AANGEMELD else DEFAULT_ENTRIES
            n = rng.randint(low, high)
        else:
            n = entries_per_case
        plan = _kind_plan(rng, n, final_note=True)
        dates = [first_contact, *_spread_dates(rng, first_contact, end, max(0, n - 1))][:n]
        if plan and plan[-1] == Kind.NOTE and n >= 2:
            # A running case's last note is recent; a closed case's is the closing note.
            dates[-1] = end if closed_on else max(dates[-2], today - dt.timedelta(days=rng.randint(0, 10)))
        closing_reason = _weighted_keys(rng, {"doel_bereikt": 45, "doorverwezen": 20, "geen_medewerking": 10,
                                              "verhuisd": 15, "andere": 10}, self.lists.keys("closed_reasons"))
        wellbeing = self._wellbeing_model()
        last_visit = max((i for i, k in enumerate(plan) if k == Kind.HOME_VISIT), default=-1)
        scale_no = 0
        for i, (kind, on) in enumerate(zip(plan, dates, strict=True)):
            final = i == n - 1 and kind == Kind.NOTE and n >= 2
            if kind == Kind.HOME_VISIT:
                recent = (today - on).days <= 30
                entry: Entry = self._home_visit(young, on, first=i == 0,
                                                plan_next=i == last_visit and closed_on is None and recent)
            elif kind == Kind.FAMILY_CONTACT:
                entry = self._family_contact(young, on)
            elif kind == Kind.WELLBEING:
                entry = self._scale(young, on, wellbeing, scale_no)
                scale_no += 1
            elif kind == Kind.SUPPORT:
                entry = self._support(young, on)
            elif final and closed_on is not None:
                entry = FollowUpNote(occurred_on=on, text=self.text(young, _CLOSING_NOTES.get(
                    closing_reason, _CLOSING_NOTES["andere"])))
            else:
                entry = self._note(young, on, open_action=final)
            saved = self.cf.save(case_id, entry, today=today)
            if isinstance(entry, FollowUpNote) and entry.action and self._done_later(entry, closed_on, final):
                # The action was done later: a second revision of the same note.
                done = copy.deepcopy(entry)
                done.done = True
                self.cf.save(case_id, done, record_id=saved.record_id, today=today)
            if isinstance(entry, FamilyContact) and rng.random() < 0.03:
                # Saved twice by mistake and the copy deleted: the history keeps a tombstone.
                copy_record = self.cf.save(case_id, copy.deepcopy(entry), today=today)
                self.cf.delete_entry(case_id, copy_record.record_id)

        if closed_on is not None:
            profile.status = CaseStatus.AFGESLOTEN.value
            profile.closed_reason = closing_reason
            self.cf.save(case_id, copy.deepcopy(profile), record_id=profile_id, today=today)
        return case_id

    def _done_later(self, note: FollowUpNote, closed_on: dt.date | None, final: bool) -> bool:
        """Whether a note's action gets ticked off later. Old actions are nearly all done; a few
        recent ones are still open or a little overdue, as in a real caseload."""
        # Always draw, so that which kinds and texts a seed gives does not depend on today's date.
        chance = self.rng.random()
        if closed_on is not None:
            return True
        if final:
            return False
        overdue_days = (self.today - (note.due_on or note.occurred_on)).days
        if overdue_days > 14:
            return chance < 0.97
        return overdue_days > 0 and chance < 0.6

    # -- the parts -------------------------------------------------------------------------------

    def _profile(self, young: _Young, referred: dt.date) -> CaseProfile:
        rng, lists = self.rng, self.lists
        source = _weighted_keys(rng, {"school": 35, "clb": 15, "ouder": 12, "welzijnspartner": 15,
                                      "jongere": 8, "politie": 5, "andere": 10}, lists.keys("referral_sources"))
        concern = self.text(young, rng.choice(_CONCERNS.get(source, _CONCERNS["andere"])))
        referred_by = self.text(young, rng.choice(_REFERRED_BY.get(source, ("Andere",))))
        groups = self._target_groups(young.level)
        domains = lists.keys("life_domains")
        chosen = {"school"} & domains if rng.random() < 0.85 else set()
        chosen |= set(rng.sample(sorted(domains), rng.randint(1, 3)))
        return CaseProfile(
            first_name=young.first_name, last_name=young.last_name, birth_date=young.birth_date,
            gender=young.gender, school=young.school, level=young.level, class_name=young.class_name,
            home_language=young.language, address=young.address, contacts=young.contacts,
            network=self.text(young, rng.choice(_NETWORK)),
            referral=Referral(source, referred, referred_by, concern),
            target_groups=groups, life_domains=sorted(chosen),
            status=CaseStatus.AANGEMELD.value, assigned=[self.cf.me], consent=Consent(),
        )

    def _target_groups(self, level: str) -> list[str]:
        rng = self.rng
        chances = {
            "kleuter": {"jongere_at_risk": 0.9, "spijbelaar": 0.2},
            "lager": {"jongere_at_risk": 0.8, "spijbelaar": 0.3},
            "graad1": {"spijbelaar": 0.5, "jongere_at_risk": 0.6, "vsv": 0.05},
            "graad2": {"spijbelaar": 0.55, "jongere_at_risk": 0.5, "vsv": 0.15},
            "graad3": {"spijbelaar": 0.5, "jongere_at_risk": 0.4, "vsv": 0.4},
            "schoolverlater": {"neet": 0.6, "vsv": 0.6, "jongere_at_risk": 0.2},
        }[level]
        allowed = self.lists.keys("target_groups")
        groups = [g for g, p in chances.items() if g in allowed and rng.random() < p]
        if not groups:
            groups = [max((g for g in chances if g in allowed), key=lambda g: chances[g], default="")]
        return [g for g in groups if g]

    def _home_visit(self, young: _Young, on: dt.date, *, first: bool, plan_next: bool) -> HomeVisit:
        rng = self.rng
        referrals = [rng.choice(self.partners)] if rng.random() < 0.15 else []
        # Only the latest visit carries a dated next step: the case list shows the earliest open
        # date as "next action", and earlier visits' next steps have happened since.
        # Drawn whether used or not, so the rest of a seed's data does not depend on today's date.
        wants_step = rng.random() < 0.8
        step = self.text(young, rng.choice(_VISIT_NEXT_STEPS))
        step_days = rng.randint(7, 21)
        return HomeVisit(
            occurred_on=on,
            start_time=rng.choice(("09:30", "10:00", "13:30", "15:45", "16:00", "16:30", "17:00", "17:30",
                                   "18:00", "18:30", "19:00")),
            duration_minutes=rng.choice((30, 45, 60, 60, 75, 90, 120)),
            location=rng.choice(_VISIT_LOCATIONS),
            present=self.text(young, rng.choice(_VISIT_PRESENT)),
            purpose=_VISIT_PURPOSE_FIRST if first else rng.choice(_VISIT_PURPOSES),
            observations=self.text(young, rng.choice(_VISIT_OBSERVATIONS)),
            agreements=self.text(young, rng.choice(_VISIT_AGREEMENTS)),
            next_step=step if wants_step or plan_next else "",
            next_step_on=on + dt.timedelta(days=step_days) if plan_next else None,
            referrals=referrals,
        )

    def _family_contact(self, young: _Young, on: dt.date) -> FamilyContact:
        rng = self.rng
        channel = _weighted_keys(rng, _CONTACT_CHANNEL_WEIGHTS, self.lists.keys("channels"))
        if channel == "op_school":
            with_whom = rng.choice(("{naam}", "{ouder} en de klastitularis", "{naam} en {ouder}"))
        elif channel == "online":
            with_whom = rng.choice(("{naam}", "{ouder}"))
        else:
            with_whom = rng.choice(("{ouder}", "{ouder}", "{ouder} en {naam}"))
        notes = _CONTACT_NOTES.get(channel, _CONTACT_NOTES["telefoon"])
        domains = sorted(self.lists.keys("life_domains"))
        return FamilyContact(
            occurred_on=on, channel=channel, with_whom=self.text(young, with_whom),
            topics=sorted(rng.sample(domains, rng.randint(1, min(3, len(domains))))),
            referrals=[rng.choice(self.partners)] if rng.random() < 0.12 else [],
            notes=self.text(young, rng.choice(notes)),
        )

    def _wellbeing_model(self) -> tuple[float, float, dict[str, float]]:
        rng = self.rng
        baseline = rng.uniform(1.8, 3.3)
        # Most young people feel better as support goes on; some stay put, a few slide.
        trend = rng.choices((0.35, 0.15, 0.0, -0.2), weights=(45, 25, 18, 12))[0]
        offsets = {item: rng.uniform(-0.7, 0.7) for item in self.items}
        return baseline, trend, offsets

    def _scale(self, young: _Young, on: dt.date, model: tuple[float, float, dict[str, float]],
               step: int) -> WellbeingScale:
        rng = self.rng
        baseline, trend, offsets = model
        lo, hi = self.answer_range
        answers = {
            item: max(lo, min(hi, round(baseline + offsets[item] + trend * step + rng.gauss(0, 0.45))))
            for item in self.items
        }
        age = age_on(young.birth_date, on)
        return WellbeingScale(
            occurred_on=on,
            place=_weighted_keys(rng, {"school": 50, "thuis": 35, "buurt": 10, "elders": 5},
                                 self.lists.keys("wellbeing_places")),
            age=age if age is not None and 3 <= age <= 30 else None,
            gender={"m": "m", "v": "v"}.get(young.gender, "a"),
            answers=answers,
            filled_in_by="jongere" if (age or 0) >= 8 else "medewerker",
        )

    def _note(self, young: _Young, on: dt.date, *, open_action: bool) -> FollowUpNote:
        rng = self.rng
        note = FollowUpNote(occurred_on=on, text=self.text(young, rng.choice(_NOTE_TEXTS)))
        if open_action or rng.random() < 0.55:
            note.action = self.text(young, rng.choice(_NOTE_ACTIONS))
            note.action_owner = self.text(young, rng.choice(_NOTE_OWNERS))
            if open_action:
                note.due_on = max(on, self.today) + dt.timedelta(days=rng.randint(3, 21))
            elif rng.random() < 0.9:
                note.due_on = on + dt.timedelta(days=rng.randint(5, 30))
        return note

    def _support(self, young: _Young, on: dt.date) -> SupportMeasure:
        rng = self.rng
        if young.level in ("kleuter", "lager"):
            weights = {"schoolrekening": 45, "ontbijtkar": 30, "soep": 15, "laptop_leen": 5, "andere": 5}
        else:
            weights = _SUPPORT_WEIGHTS
        measure = _weighted_keys(rng, weights, self.lists.keys("support_measures"))
        notes = _SUPPORT_NOTES.get(measure, _SUPPORT_NOTES["andere"])
        level = young.level if young.level in self.lists.keys("levels") else ""
        return SupportMeasure(occurred_on=on, measure=measure, level=level, note=self.text(young, rng.choice(notes)))


def populate(
    case_files: CaseFiles,
    cases: int,
    *,
    entries_per_case: int | None = None,
    seed: int = 0,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Add `cases` fictitious case files to the unlocked `case_files` and return their ids.

    `entries_per_case` fixes the number of visible entries per case (default: 10-40 for running and
    closed cases, 1-4 for fresh referrals). Each chunk of cases is one transaction: if a chunk fails,
    none of it is kept, and the chunks before it stay. `progress` is called with the number of cases
    written after each chunk."""
    if cases < 0:
        raise ValueError("cases must be 0 or more")
    if entries_per_case is not None and entries_per_case < 0:
        raise ValueError("entries_per_case must be 0 or more")
    rng = random.Random(seed)
    writer = _CaseWriter(case_files, rng, today or dt.date.today())
    ids: list[str] = []
    for start in range(0, cases, CHUNK_CASES):
        chunk: list[str] = []
        with case_files.batch():
            for _ in range(start, min(cases, start + CHUNK_CASES)):
                chunk.append(writer.write(entries_per_case))
        ids.extend(chunk)
        if progress is not None:
            progress(len(ids))
    return ids
