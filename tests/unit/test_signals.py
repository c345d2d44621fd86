"""Signal flags on realistic Dutch and Flemish posts, and on the near misses they must ignore."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classify.serving.labels import SIGNALS
from classify.serving.signals import compile_terms, expand, find_signals, normalize

FOUND = [
    # legal
    ("Als dit niet wordt opgelost stap ik naar de rechter.", "legal"),
    ("Mijn advocaat neemt contact met jullie op.", "legal"),
    ("Mijn advokaat gaat dit regelen.", "legal"),
    ("Ik heb recht op de wettelijke garantie, ook na twee jaar!", "legal"),
    ("Dit product is non-conform, dus ik wil een nieuwe.", "legal"),
    ("Klacht ingediend bij de Geschillencommissie.", "legal"),
    ("Melding gedaan bij de ACM.", "legal"),
    ("Jullie krijgen een ingebrekestelling van mij.", "legal"),
    ("Het Juridisch Loket zegt dat ik gelijk heb.", "legal"),
    ("Ik zie je in de rechtbank, Coolblue!", "legal"),
    ("Test-Aankoop zegt dat dit niet mag.", "legal"),
    ("Ik heb de Consumentenbond gebeld.", "legal"),
    ("Dan stap ik naar de vrederechter.", "legal"),
    ("Ik stel jullie aansprakelijk voor de waterschade.", "legal"),
    ("#rechtszaak", "legal"),
    # media
    ("Dit gaat naar Radar!", "media"),
    ("Radar moet dit echt eens zien.", "media"),
    ("Ik mail Kassa hierover.", "media"),
    ("Tip voor @radar en #kassa", "media"),
    ("Ik heb een journalist van het AD gesproken.", "media"),
    ("Stond gisteren in de krant.", "media"),
    ("Ik ga hiermee naar de pers.", "media"),
    ("Hier moet De Telegraaf maar eens over schrijven.", "media"),
    ("RTL Nieuws heeft er een item over gemaakt.", "media"),
    ("Dit moet op tv!", "media"),
    ("Ga dit delen zodat iedereen het weet!", "media"),
    ("Dit gaat viraal.", "media"),
    ("Ik stuur dit naar Opgelicht?!", "media"),
    ("Stond vandaag in Het Laatste Nieuws.", "media"),
    # churn
    ("Nooit meer Coolblue.", "churn"),
    ("#nooitmeer", "churn"),
    ("#NooitMeerCoolblue", "churn"),
    ("Nooooit meeeer!", "churn"),
    ("Ik ga mijn abonnement opzeggen.", "churn"),
    ("Ik zeg m'n abonnement óp.", "churn"),
    ("Zeg ik op, klaar.", "churn"),
    ("Ik stap over naar de concurrent.", "churn"),
    ("Dit was de laatste keer dat ik bij jullie bestelde.", "churn"),
    ("Jullie zijn een klant kwijt.", "churn"),
    ("Daar ben ik klaar mee.", "churn"),
    ("Ik bestel hier niet meer.", "churn"),
    ("Adios Coolblue!", "churn"),
    # emergency
    ("Mijn moeder heeft insuline nodig en de koelkast is kapot.", "emergency"),
    ("De rolstoel is nog steeds niet geleverd.", "emergency"),
    ("Morgen is onze bruiloft en het pak is er nog niet.", "emergency"),
    ("We trouwen zaterdag!", "emergency"),
    ("De begrafenis is morgen en de bloemen zijn niet bezorgd.", "emergency"),
    ("Met een baby van drie weken al vier dagen geen verwarming.", "emergency"),
    ("We zitten al twee dagen zonder stroom.", "emergency"),
    ("Het medisch alarm van mijn vader werkt via die internetaansluiting.", "emergency"),
    ("Ik lig in het ziekenhuis en kan het pakket niet ophalen.", "emergency"),
    # abuse
    ("Wat een zeurpiet ben jij.", "abuse"),
    ("Zeeeeeurpiet!", "abuse"),
    ("Verwend nest.", "abuse"),
    ("Jij bent echt verwend.", "abuse"),
    ("Ga lekker huilen.", "abuse"),
    ("Boehoe, 40 minuten.", "abuse"),
    ("Get a life.", "abuse"),
    ("Wat een sukkel.", "abuse"),
    ("Aansteller!", "abuse"),
    ("Wat een zageman.", "abuse"),
    ("Zielig mannetje.", "abuse"),
    ("Wat een eikel ben jij.", "abuse"),
]

NOT_FOUND = [
    ("Ik ben advocaat van de duivel, maar ze waren maar 40 minuten te laat.", "legal"),
    ("Mijn adviseur in de winkel was erg behulpzaam.", "legal"),
    ("De rechter speaker van mijn soundbar doet het niet.", "legal"),
    ("De radarkast op de A2 flitste me.", "media"),
    ("Dat bleef lekker onder de radar.", "media"),
    ("Persoonlijk vind ik Coolblue prima.", "media"),
    ("Ik moest lang wachten bij de kassa.", "media"),
    ("Aan de Kassa in de winkel was het druk.", "media"),
    ("Ik zag een ad van Coolblue op Instagram.", "media"),
    ("Ik zag het op social media.", "media"),
    ("Mijn televisie is kapot.", "media"),
    ("De krant lag vanochtend niet op de mat.", "media"),
    ("Ik pers elke ochtend sinaasappels.", "media"),
    ("De laatste keer dat ik bestelde ging alles goed.", "churn"),
    ("Ik kan niet meer bij mijn account.", "churn"),
    ("Daar ben ik snel klaar mee.", "churn"),
    ("Ik ben weg van deze tv!", "churn"),
    ("Nooit gedacht dat het zo snel zou gaan.", "churn"),
    ("Ik ben al tien jaar trouwe klant.", "emergency"),
    ("Mijn babyfoon doet het niet.", "emergency"),
    ("Uitgerekend vandaag komt de bezorger niet.", "emergency"),
    ("Jullie laten ons gewoon in de kou staan.", "emergency"),
    ("De vaatwasser pompt geen water.", "emergency"),
    ("Ik word altijd verwend door Coolblue.", "abuse"),
    ("Ik voel me een sukkel dat ik dit niet eerder zag.", "abuse"),
    ("Wat een kutservice.", "abuse"),  # aimed at the brand, not at a person
    ("Lullig dat het zo liep.", "abuse"),
    ("Mijn eikenhouten kast kwam beschadigd aan.", "abuse"),
]


@pytest.mark.parametrize(("text", "signal"), FOUND)
def test_signal_is_found(text: str, signal: str) -> None:
    assert signal in find_signals(text)


@pytest.mark.parametrize(("text", "signal"), NOT_FOUND)
def test_near_miss_is_not_a_signal(text: str, signal: str) -> None:
    assert signal not in find_signals(text)


def test_plain_post_has_no_signals() -> None:
    assert find_signals("Mijn pakket is vandaag bezorgd, mooie wasmachine.") == ()


def test_signals_come_in_the_fixed_order() -> None:
    text = "Verwend nest! Mijn baby... ik zeg op, bel de pers en mijn advocaat."
    assert find_signals(text) == SIGNALS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Één café", "een cafe"),
        ("ZEEEEEURPIET!!!!", "zeeurpiet!!"),
        ("#NooitMeerCoolblue", "#nooit meer coolblue"),
        ("@ADnl", "@adnl"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_expand_multiplies_brace_groups() -> None:
    assert expand("{a,b} c{,s}") == ["a c", "a cs", "b c", "b cs"]


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("nooit meer", True),
        ("nooit-meer", True),
        ("nooit_meer", True),
        ("nooitmeer", True),
        ("nooooit meeer", True),
        ("noit meer", False),  # elastic means longer, never shorter
        ("nooit meerdere", False),
        ("bijnanooit meer", False),
    ],
)
def test_terms_are_elastic_and_bounded(text: str, matches: bool) -> None:
    assert (compile_terms(["nooit meer"]).search(text) is not None) is matches


def test_empty_term_list_matches_nothing() -> None:
    assert compile_terms([]).search("anything at all") is None


@given(st.text())
def test_find_signals_never_raises(text: str) -> None:
    found = find_signals(text)
    assert list(found) == [s for s in SIGNALS if s in found]
