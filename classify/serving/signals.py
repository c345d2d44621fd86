"""Signal flags (docs/contracts.md, Labels): Dutch and Flemish word lists, matched robustly.

Matching works on `normalize(text)`: accents folded, lowercased, runs of one character capped at
two, CamelCase hashtags split. Every plain term is made elastic (each run of a letter may repeat:
"zeurpiet" also matches "zeeeurpiet") and matched on word boundaries, with spaces and hyphens in
a term optional, so "#nooitmeer", "nooit-meer" and "nooit meer" all match "nooit meer".
`{a,b}` in a term expands to both alternatives. Each signal also has blockers: idioms removed
from the text before its terms are searched ("advocaat van de duivel" is not legal).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from classify.serving.labels import SIGNALS

LEGAL: Final = (
    "advocaat", "advocaten", "advokaat", "advocate", "advocatenkantoor", "jurist", "juristen",
    "juridisch", "juridische", "rechtszaak", "rechtzaak", "rechtszaken",
    # Bare "rechter" is also "right-hand" ("de rechter speaker"), so only the court phrases.
    "{naar,voor,bij} de rechter", "de rechter {inschakelen,laten beslissen}", "rechters",
    "kantonrechter", "vrederechter", "rechtbank",
    "kort geding", "dagvaarding", "dagvaarden", "gedagvaard", "deurwaarder", "ingebrekestelling",
    "in gebreke {stellen,gesteld}", "sommatie", "sommatiebrief", "aansprakelijk",
    "aansprakelijkheid", "wettelijke garantie", "wettelijk garantie",
    "conformiteit", "conformiteitsgarantie", "non-conform", "niet conform",
    "consumentenrecht", "consumentenrechten", "geschillencommissie", "geschillen commissie", "acm",
    "consuwijzer", "juridisch loket", "rechtsbijstand", "rechtsbijstandverzekering",
    "ombudsman", "ombudsdienst", "fod economie", "economische inspectie", "aangifte doen",
    "aangifte gedaan", "{aangetekende brief,aangetekend schrijven}", "schadevergoeding",
    "burgerlijk wetboek", "artikel 7:17", "7:17 bw",
    # Consumer organisations: a complainer who names them is escalating a dispute (both give
    # members legal help and run claims), so they count as legal, not media.
    "consumentenbond", "test-aankoop", "testachats",
)
LEGAL_BLOCKERS: Final = ("advocaat van de duivel", "duivels advocaat")

MEDIA: Final = (
    # "de krant" alone is also a subscriber's undelivered paper: only the escalation phrases.
    "{naar,in,bij,haalt,halen,bel,tip,mail} de krant", "de krant {in,bellen,inschakelen}",
    "de kranten", "journalist", "journalisten", "journaliste", "verslaggever", "redactie",
    "pers", "persbureau", "anp", "de media", "telegraaf", "volkskrant", "nrc", "parool",
    "het ad", "ad.nl", "@adnl", "nos", "rtl nieuws", "rtl boulevard", "editie nl",
    "hart van nederland", "sbs6", "at5", "omroep brabant", "nieuwsuur", "eenvandaag", "zembla",
    "reporter", "opgelicht?!", "naar opgelicht", "bij opgelicht",
    "tros radar", "avrotros", "radar tv", "@radartv", "{naar ,bij ,tip ,mail ,@,#}radar",
    "{naar ,bij ,tip ,mail ,@,#}kassa", "bnnvara", "tim hofman", "{naar,bij} boos",
    # Flemish press
    "hln", "het laatste nieuws", "vrt", "vtm", "pano", "nieuwsblad", "de standaard",
    "gazet van antwerpen", "het belang van limburg", "knack",
    # A retailer's customers write "televisie" and "op tv" about the product, not the press.
    "tv-programma", "{dit moet,dit komt,komen} op tv", "ga dit delen", "dit ga ik delen",
    "deel dit", "iedereen moet dit weten", "viraal", "viral", "retweet",
)
MEDIA_BLOCKERS: Final = ("ik pers", "pers ik", "onder de radar")
# Case matters for names that are also common words: "het AD" is a paper, "ad" nothing much;
# "naar Kassa" is a programme, "de kassa" a till; "Radar" vs "onder de radar".
MEDIA_CASED: Final = (
    r"(?<![\w.])AD(?![\w.])",
    r"(?<![Dd]e )(?<![Ee]en )\bRadar\b",
    r"(?<![Dd]e )(?<![Ee]en )\bKassa\b(?!\s*\d)",
)

CHURN: Final = (
    "nooit meer", "nooit weer", "opzeggen", "opgezegd", "opzegging", "zeg ik op", "ik zeg op",
    "zeg {mijn,m'n,het} {abonnement,contract} op", "overstappen", "overstap", "ik stap over",
    "stap ik over", "ga ik weg", "ik ga weg bij", "ik ben weg bij", "klant af", "klant kwijt",
    "een klant armer", "ex-klant", "oud-klant", "ben ik klaar mee", "ik ben er klaar mee",
    "ik ben er helemaal klaar mee", "ik ben klaar met jullie",
    # "de laatste keer dat ik bestelde ging het goed" is no farewell; these are.
    "{dit was,dat was,was dit} {de ,echt de ,}laatste keer", "voor de laatste keer",
    "voor het laatst besteld",
    "{ik bestel,bestel ik,ik koop,koop ik} {hier ,daar ,er ,}{niet meer,niks meer}",
    "{bestel,koop} nooit meer", "naar de concurrent", "adios", "adieu",
    "vaarwel", "bye bye", "boycot", "boycotten", "account verwijderd", "verwijder mijn account",
    "contract beeindigen", "ik heb het gehad met",
)

EMERGENCY: Final = (
    "medicijnen", "medicijn", "medicatie", "insuline", "insulinepen", "rolstoel", "scootmobiel",
    "rollator", "zuurstof", "zuurstofapparaat", "beademing", "dialyse", "ziekenhuis", "chemo",
    "chemokuur", "diabeet", "diabetes", "epilepsie", "hartpatient", "pacemaker", "hoorapparaat",
    "gehoorapparaat", "medisch alarm", "personenalarm", "alarmknop", "noodknop", "thuiszorg",
    "spoedgeval", "noodgeval", "levensbedreigend", "bruiloft", "trouwerij", "trouwdag",
    "trouwjurk", "trouwpak", "trouwringen", "trouwen", "ik trouw", "begrafenis",
    "uitvaart", "crematie", "baby", "babyvoeding", "flesvoeding", "pasgeboren", "pasgeborene",
    "kraamweek", "zwanger", "hoogzwanger", "bevalling", "geen verwarming", "zonder verwarming",
    "verwarming {kapot,stuk}", "{cv,cv-ketel} {kapot,stuk}", "geen warm water",
    "ijskoud in huis", "zonder stroom", "{stroom,gas} afgesloten", "geen drinkwater",
    "zonder drinkwater", "zelfmoord", "suicidaal", "ik zie het niet meer zitten",
)

ABUSE: Final = (
    "zeurpiet", "zeurpieten", "zeurkous", "zeurkont", "zeurzak", "zeurneus", "zeurmuts",
    "zeiker", "zeikerd", "zeikerds", "zeikwijf", "zeiksnor", "zageman", "zagevent", "zeveraar",
    "janker", "jankerd", "jankerds", "jankbalk", "huilebalk", "huilebalken", "huilie huilie",
    "ga {maar ,lekker ,}{huilen,janken}", "boehoe", "get a life", "aansteller", "aanstellers",
    "aanstelster", "sukkel", "sukkels", "sukkeltje", "idioot", "idioten", "debiel", "debielen",
    "randdebiel", "mongool", "mongolen", "mongooltje", "klootzak", "klootzakken", "eikel",
    "eikels", "lul", "lulhannes", "hufter", "hufters", "etterbak", "trut", "tokkie", "tokkies",
    "onnozelaar", "stommerik", "stomkop", "dombo", "dommerik", "malloot", "mafkees", "loser",
    "kankerlijer", "teringlijer", "klaploper", "{zielig,triest} {mannetje,ventje,figuur}",
    "kut{wijf,vent,kerel,jong,joch,mens,kind,kop}",
    "verwend{ nest, kind, kreng, prinsesje, volk,e kinderen,e mensen,e klant,e klanten}",
    "verwende {generatie,nederlanders,hollanders,belgen,trut}",
    "{jij bent,je bent,jullie zijn,wat ben jij,wat ben je,wat zijn jullie} {zo ,echt ,}verwend",
)
ABUSE_BLOCKERS: Final = ("lul niet", "ik ben een sukkel", "ik voel me een sukkel")


def normalize(text: str) -> str:
    """The form every term list is matched against; never raises on a str."""
    text = re.sub(r"[#@]\w+", lambda m: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", m.group()), text)
    # Capping runs bounds the work on "aaaa...": a 1 MB run becomes two characters.
    return re.sub(r"(.)\1{2,}", r"\1\1", fold_accents(text).casefold())


def fold_accents(text: str) -> str:
    """"één" -> "een", "café" -> "cafe": NFKD, then drop the combining marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def expand(term: str) -> list[str]:
    """Brace expansion, not nested: "{a,b} c{,s}" -> ["a c", "a cs", "b c", "b cs"]."""
    match = re.search(r"\{([^{}]*)\}", term)
    if match is None:
        return [" ".join(term.split())]
    head, tail = term[: match.start()], term[match.end() :]
    return [t for alt in match.group(1).split(",") for t in expand(head + alt + tail)]


def term_pattern(term: str) -> str:
    """An elastic regex for one plain term, its tail bounded; the head boundary is shared."""
    parts: list[str] = []
    for run in re.finditer(r"([a-z])\1*|[\s_-]+|.", term, flags=re.DOTALL):
        chunk = run.group()
        if chunk[0] in "abcdefghijklmnopqrstuvwxyz":
            # "oo*" rather than "o+": a branch that opens with a literal is skipped in one
            # step by the regex engine, which keeps a 150-term alternation fast.
            parts.append(f"{chunk}{chunk[0]}*")
        elif chunk.isspace() or chunk[0] in "_-":
            parts.append(r"[\s_-]*")
        else:
            parts.append(re.escape(chunk))
    return "".join(parts) + (r"(?!\w)" if term[-1].isalnum() else "")


def compile_terms(terms: Iterable[str], raw: Iterable[str] = ()) -> re.Pattern[str]:
    """One alternation for a term list (plus raw regexes); never matches if both are empty."""
    plain = sorted({t for term in terms for t in expand(term)}, key=len, reverse=True)
    words = "|".join(term_pattern(t) for t in plain if t[0].isalnum())
    others = [term_pattern(t) for t in plain if not t[0].isalnum()] + list(raw)
    branches = ([rf"(?<!\w)(?:{words})"] if words else []) + others
    return re.compile("|".join(branches) or r"(?!)")


class _Signal:
    def __init__(
        self, terms: Iterable[str], blockers: Iterable[str] = (), cased: Iterable[str] = ()
    ) -> None:
        self.terms = compile_terms(terms)
        self.blockers = compile_terms(blockers)
        self.cased = compile_terms((), cased)

    def found(self, normalized: str, folded: str) -> bool:
        unblocked = self.blockers.sub(" ", normalized)
        return bool(self.terms.search(unblocked) or self.cased.search(folded))


_SIGNALS: Final = {
    "legal": _Signal(LEGAL, LEGAL_BLOCKERS),
    "media": _Signal(MEDIA, MEDIA_BLOCKERS, MEDIA_CASED),
    "churn": _Signal(CHURN),
    "emergency": _Signal(EMERGENCY),
    "abuse": _Signal(ABUSE, ABUSE_BLOCKERS),
}
assert tuple(_SIGNALS) == SIGNALS


def find_signals(text: str) -> tuple[str, ...]:
    """The signals present in `text`, in the fixed order of labels.SIGNALS."""
    normalized, folded = normalize(text), fold_accents(text)
    return tuple(name for name, signal in _SIGNALS.items() if signal.found(normalized, folded))
