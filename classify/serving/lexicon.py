"""The lexicon baseline (model name "lexicon"): CLiPS Pattern's Dutch adjectives plus rules.

preprocess: truncate, normalize. forward: Pattern's polarity, domain cue counts, defender cues,
signals. postprocess: evidence -> logits -> softmax per head, in numpy. No training, no weights:
it is the floor any trained model must beat, and a fallback that needs nothing but the wheel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from textblob_nl import PatternAnalyzer  # type: ignore[import-untyped, unused-ignore]

from classify.serving.labels import SENTIMENTS, STANCES
from classify.serving.model import Classification, Post
from classify.serving.signals import ABUSE, ABUSE_BLOCKERS, compile_terms, find_signals, normalize

MAX_CHARS: Final = 5_000
CUE_WEIGHT: Final = 0.7  # one domain cue moves the tone as much as a clear Pattern adjective
MAX_CUES: Final = 3  # "top top top top" is not four times as positive
MARGIN: Final = 0.3  # |tone| below this reads as neutral
SHARPNESS: Final = 3.0
QUESTION_BONUS: Final = 1.0  # a question leans neutral unless its tone is clear

# What Pattern misses: it scores adjectives only ("extra" is +0.4, "slechtste" unknown).
NEGATIVE_CUES: Final = compile_terms((
    "te laat", "{uur,uren,dagen,weken} te laat", "nog {steeds,altijd} {niet,geen,niks,niets}",
    "nog niet {binnen,geleverd,bezorgd,ontvangen,aangekomen,opgelost,terugbetaald}",
    "geen {reactie,antwoord,bericht,excuus,excuses,idee waar}", "zonder {excuus,excuses,bericht}",
    "{niks,niets} gehoord", "niemand neemt op", "niet bereikbaar", "onbereikbaar", "in de wacht",
    "wacht al", "{niet,nooit} {geleverd,bezorgd,aangekomen}", "is zoek", "zoekgeraakt",
    "kapot", "stuk geleverd", "is stuk", "{kwam,komt} stuk aan", "defect", "beschadigd", "deuk",
    "bagger", "slechtste", "slechte service", "klantonvriendelijk", "lamlendig", "frustrerend",
    "helaas", "balen", "baal", "schande", "oplichters", "oplichting", "afzetters", "ellende",
    "drama", "fail", "faal", "wtf", "kut", "tering", "godverdomme", "nooit meer", "weer niet",
    "alweer", "derde keer", "het zat", "geld terug", "wanprestatie", "prutsers", "gepruts",
    "amateurs", "bedankt voor {niks,niets}", "dank je de koekoek",
    "😡", "🤬", "😠", "👎", "💩", "🙄", "😤", "😭", "😢", "🤮", "😒", "😞", "😩", "🤦", "💔",
))
POSITIVE_CUES: Final = compile_terms((
    "top", "toppie", "topper", "toppers", "{super,razend,bliksem} snel", "snel {geleverd,bezorgd}",
    "{netjes,keurig} {geleverd,bezorgd,geholpen}", "warme douche", "bedankt", "dank je",
    "dankjewel", "dank u", "dankuwel", "merci", "thanks", "chapeau", "pluim", "compliment",
    "complimenten", "klasse", "held", "helden", "{goed,top,prima,fijn,super} geholpen",
    "binnen een {uur,dag}", "{de volgende,dezelfde} dag", "{geen,zonder} gedoe",
    "{meteen,snel,netjes,zo} opgelost", "blij mee", "tevreden klant", "nooit {problemen,klachten}",
    "{word,worden,wordt,werd} {altijd ,}{zo ,echt ,}verwend", "verwend {door,met}",
    "👍", "😍", "🙏", "❤", "💙", "🥰", "😊", "🙂", "👌", "💪", "🎉", "🤩", "😀", "😁", "⭐",
))
# Each insult darkens the tone: Pattern reads "ga lekker huilen" as positive ("lekker").
INSULTS: Final = compile_terms(ABUSE)
NOT_INSULTS: Final = compile_terms(ABUSE_BLOCKERS)
# Sarcasm that would otherwise count as thanks.
POSITIVE_BLOCKERS: Final = compile_terms(("bedankt voor {niks,niets}", "dank je de koekoek"))
NEGATED: Final = re.compile(r"(?<!\w)(?:niet|geen|nooit)\s+$")

# A defender answers the complainer: he mocks the whining or waves it away. These read that
# way even in a post of their own ("wie over 40 minuten klaagt is verwend").
DEFENDER_CUES: Final = compile_terms((
    "zeurpiet", "zeurpieten", "zeurkous", "zeiker", "zeikerd", "zageman", "zeveraar", "janker",
    "jankerd", "huilebalk", "aansteller", "aanstellers", "boehoe", "huilie huilie",
    "ga {maar ,lekker ,}{huilen,janken}", "get a life", "verwend", "verwende",
    "geef {ze,hun,die mensen} {eerst ,nou ,nu ,toch ,even ,}{de,een} kans",
    "eerste wereldprobleem", "eerstewereldprobleem", "first world problem", "first world problems",
    "fwp", "{stel je,stel je toch} niet aan", "niet zo aanstellen", "niks beters te doen",
    "altijd wat te klagen", "altijd klagen", "{stop,hou op} met {klagen,zeuren,janken}",
    "niemand dwingt je",
), raw=(r"(?<!\w)\d+\s*(?:min\w*|uur\w*)\s*(?:\?+!|!\?)",))  # "40 minuten?!"
# The complainer's own "ik wil niet zeuren, maar ..." and being spoiled by the brand.
DEFENDER_BLOCKERS: Final = compile_terms((
    "{ik wil,wil} niet {zeuren,klagen,zeiken}", "niet om te {zeuren,klagen}",
    "{zeur,klaag} niet graag", "{word,worden,wordt,werd} {altijd ,}{zo ,echt ,}verwend",
    "verwend {door,met}",
))
# A defense only when answering a complaint. On their own they are a complaint ("wat een
# gezeur met de garantie", "Coolblue, doe normaal", "ze overdrijven met de kosten") or praise
# ("nooit problemen gehad").
REPLY_DEFENDER_CUES: Final = compile_terms((
    "overdrijven", "overdrijf", "overdrijft", "{beetje,wel erg,nogal} overdreven", "kom op zeg",
    "wat een gezeur", "gezeur", "gezeik", "gezaag", "{zeur,zeik,zaag,klaag} niet",
    "niet {zo ,}zeuren", "zeuren", "zo erg is het niet", "valt {wel,best} mee", "eigen schuld",
    "ook maar mensen", "doen hun best", "doet {zijn,haar} best", "rustig aan",
    "doe {eens ,}normaal", "mensen tegenwoordig", "klager", "klagers", "jammer dan", "boeien",
    "{ga,bestel} dan {toch ,}ergens anders", "ze doen het altijd goed", "altijd goed geholpen",
    "nooit {problemen,klachten,een probleem}", "{niks,niets} mis met", "prima bedrijf",
    "altijd top",
))
QUESTION: Final = compile_terms((
    "weet iemand", "heeft iemand", "iemand ervaring", "kan iemand", "kent iemand", "hoe lang",
    "hoe laat", "wanneer", "klopt het", "vraagje", "is het normaal", "is er iemand",
), raw=(r"\?(?!\s*!)",))
ESCALATION: Final = ("legal", "media", "churn")


@dataclass(frozen=True)
class Evidence:
    """What the rules read off one text, before any label is chosen."""

    tone: float  # Pattern polarity plus cues, roughly -3 .. 3
    defender_cues: int
    reply_defender_cues: int
    question: bool
    signals: tuple[str, ...]

    @property
    def reads_as_complaint(self) -> bool:
        return self.tone < -MARGIN or any(s in ESCALATION for s in self.signals)


def count(pattern: re.Pattern[str], text: str, negatable: bool = False) -> int:
    """Matches of `pattern` (overlapping ones too); a negated cue counts minus one."""
    total, position = 0, 0
    while (match := pattern.search(text, position)) is not None:
        negated = negatable and NEGATED.search(text, max(0, match.start() - 12), match.start())
        total += -1 if negated else 1
        if abs(total) >= MAX_CUES:  # capped anyway; stop scanning a long text early
            break
        position = match.start() + 1
    return total


def softmax(logits: Sequence[float], labels: Sequence[str]) -> dict[str, float]:
    values = np.asarray(logits, dtype=np.float64)
    exp = np.exp(values - values.max())
    return {label: float(p) for label, p in zip(labels, exp / exp.sum(), strict=True)}


class LexiconClassifier:
    """Rules over Pattern's Dutch sentiment lexicon; see the module docstring."""

    name = "lexicon"
    version = "1.0"

    def __init__(self) -> None:
        self._analyzer = PatternAnalyzer()
        self._polarity("goed")  # Pattern loads its XML lexicon lazily: load it now, once.

    def classify(self, posts: Sequence[Post]) -> list[Classification]:
        return [self._classify_one(post) for post in posts]

    def _classify_one(self, post: Post) -> Classification:
        own = self.read(post.text)
        parent = self.read(post.parent_text) if post.parent_text is not None else None
        sentiment = softmax(sentiment_logits(own), SENTIMENTS)
        stance = softmax(stance_logits(own, parent), STANCES)
        notes = ("truncated",) if len(post.text) > MAX_CHARS else ()
        return Classification(
            stance=max(stance, key=stance.__getitem__),
            sentiment=max(sentiment, key=sentiment.__getitem__),
            scores={"stance": stance, "sentiment": sentiment},
            signals=own.signals,
            model=self.name,
            model_version=self.version,
            notes=notes,
        )

    def read(self, text: str) -> Evidence:
        text = text[:MAX_CHARS]
        normalized = normalize(text)
        signals = find_signals(text)
        positive = count(POSITIVE_CUES, POSITIVE_BLOCKERS.sub(" ", normalized), negatable=True)
        negative = count(NEGATIVE_CUES, normalized)
        insults = count(INSULTS, NOT_INSULTS.sub(" ", normalized))
        tone = self._polarity(text) + CUE_WEIGHT * (positive - negative - insults)
        defensive = DEFENDER_BLOCKERS.sub(" ", normalized)
        return Evidence(
            tone=tone,
            defender_cues=count(DEFENDER_CUES, defensive),
            reply_defender_cues=count(REPLY_DEFENDER_CUES, defensive),
            question=QUESTION.search(normalized) is not None,
            signals=signals,
        )

    def _polarity(self, text: str) -> float:
        try:
            polarity, _subjectivity = self._analyzer.analyze(text)
            return float(polarity)
        except Exception:  # Pattern is old code with odd corners; a bad string must not stop us.
            return 0.0


def sentiment_logits(own: Evidence) -> list[float]:
    """negative, neutral, positive: polar only once |tone| clears MARGIN."""
    neutral = QUESTION_BONUS if own.question else 0.0  # "hoe laat": Pattern reads "laat" as -0.3
    return [SHARPNESS * (-own.tone - MARGIN), neutral, SHARPNESS * (own.tone - MARGIN)]


def stance_logits(own: Evidence, parent: Evidence | None) -> list[float]:
    """complaint, defense, praise, neutral (the order of labels.STANCES)."""
    defending = own.defender_cues
    if parent is not None:
        defending += own.reply_defender_cues
        if "abuse" in own.signals and parent.reads_as_complaint:
            defending += 1  # an insult aimed at a complainer
    weight = 3.0 if parent is not None else 2.0  # a defender is clearest as a reply
    # Tone in a defense is about the complainer, not the brand: mostly discount it.
    tone = own.tone * (0.3 if defending > 0 else 1.0)
    escalation = sum(1.0 for s in own.signals if s in ESCALATION)
    complaint = SHARPNESS * (-tone - MARGIN) + (escalation if defending == 0 else 0.0)
    defense = weight * min(defending, 2) - 1.5
    praise = SHARPNESS * (tone - MARGIN)
    neutral = QUESTION_BONUS if own.question else 0.0
    return [complaint, defense, praise, neutral]
