"""Compose the labelled Dutch stance corpus from the hand-written phrasings in source/*.yaml.

Run: .venv/bin/python classify/corpus/build.py [--out DIR]   (default DIR: classify/corpus)

Deterministic: a fixed seed and hash-based splits, so two runs write byte-identical CSVs.
Each hand-written phrasing belongs to exactly one split (by the rank of its SHA-1 within its
group, 70/15/15), and a thread is composed from the phrasings of one split only: test threads are
never train sentences with another brand name swapped in.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import hashlib
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
TRAIN_ONLY = HERE / "source_train"  # phrasings written later, for training only: never dev or test
SEED = 20240611
COLUMNS = ["thread_id", "post_id", "parent_id", "split", "brand", "sector", "text", "parent_text", "stance",
           "sentiment", "abuse", "hard_case"]
SPLITS = ("train", "dev", "test")
SPLIT_CUTS = (0.70, 0.85)  # train below the first, dev below the second, test above
STANCES = ("complaint", "defense", "praise", "neutral")
SENTIMENTS = ("negative", "neutral", "positive")
HARD_CASES = ("flemish", "typo", "emoji", "hashtag", "handle", "url", "english_mix", "brand_as_word", "very_short",
              "quote", "sarcasm", "polite_complaint", "angry_defense")
SECTORS = ("webshop", "courier", "telecom", "energy", "airline", "supermarket", "rail")

# Threads per type over the whole corpus: (count, (min replies, max replies)); split by SPLIT_CUTS.
THREAD_PLAN: dict[str, tuple[int, tuple[int, int]]] = {
    "complaint": (300, (2, 12)),
    "complaint_alone": (250, (0, 0)),
    "praise": (115, (2, 6)),
    "praise_alone": (170, (0, 0)),
    "question": (95, (2, 6)),
    "news": (70, (2, 6)),
    "news_alone": (40, (0, 0)),
    "joke": (35, (2, 4)),
    "word": (95, (0, 0)),
}
# Extra threads composed after the plan's, from train phrasings only (ids x00001...): more rows for
# the model to learn from, while dev and test keep exactly the threads (and ids) of the plan.
TRAIN_EXTRA_PLAN: dict[str, int] = {"complaint": 220, "complaint_alone": 150, "praise": 80, "praise_alone": 110,
                                    "question": 70, "news": 50, "news_alone": 25, "joke": 20, "word": 40}
# A train-only phrasing this close to a dev or test phrasing (difflib ratio, slots and case ignored)
# would leak the evaluation: the builder refuses it.
NEAR_COPY = 0.8
# How replies under each root type are drawn: category -> weight. Webcare is added separately.
REPLY_MIX: dict[str, dict[str, int]] = {
    "complaint": {"support": 25, "defense": 42, "neutral": 11, "short": 14, "quote": 8},
    "praise": {"praise": 55, "contra": 20, "neutral": 25},
    "question": {"neutral": 45, "praise": 30, "contra": 25},
    "news": {"contra": 35, "defense": 30, "neutral": 35},
    "joke": {"neutral": 65, "short": 35},
}
WEBCARE_CHANCE = {"complaint": 0.45, "praise": 0.3, "question": 0.3}
REPLY_COUNT_WEIGHTS = [14, 14, 13, 12, 10, 8, 7, 6, 5, 5, 6]  # for 2..12 replies
NOISE = [("typo", 0.05), ("emoji", 0.045), ("hashtag", 0.04), ("handle", 0.04), ("url", 0.05)]

# A phrasing written for any sector is only used where its words make sense.
SECTOR_WORDS: list[tuple[str, set[str]]] = [
    (r"\b(pakket|pakje|doos|bezorg|levering|geleverd|lever|chauffeur|bestel|retour|ordernummer|track|verzend|"
     r"afhaalpunt|depot|cadeau)", {"webshop", "courier", "supermarket"}),
    (r"\b(personeel)", {"supermarket", "telecom", "airline"}),
    (r"\b(trein|perron|conducteur|spoor|coupé|intercity|sprinter)", {"rail"}),
    (r"\b(vlucht|koffer|gate|vliegtuig|vlieg|schiphol|stoelen)", {"airline"}),
    (r"\b(storing|storingspagina)", {"telecom", "energy", "rail"}),
    (r"\b(monteur|technieker)", {"telecom", "energy", "webshop"}),
    (r"\b(internet|modem|wifi|bereik)", {"telecom"}),
    (r"\b(termijnbedrag|jaarafrekening|meter|tarie[fv])", {"energy", "telecom"}),
    (r"\b(kassa|schap|boodschappen)", {"supermarket"}),
    (r"\b(abonnement|opzeg)", {"telecom", "energy", "rail"}),
    (r"\b(winkel|model|installatie)", {"webshop", "supermarket"}),
]
EMOJI = {"negative": ["😡", "🙄", "😤", "🤬", "😩", "👎", "😠"], "neutral": ["🤔", "👀", "🤷", "📦"],
         "positive": ["😊", "👍", "🙏", "❤️", "👏", "😍", "💯"]}
HASHTAGS = {"negative": ["#fail", "#klantenservice", "#nietnormaal", "#boos", "#klantbeleving"],
            "neutral": ["#vraag", "#klantenservice", "#nieuws", "#benieuwd"],
            "positive": ["#top", "#klantbeleving", "#service", "#tevreden"]}
TYPOS = {"niet": "nie", "echt": "egt", "gewoon": "gwn", "even": "ff", "helemaal": "helemaa", "service": "servis",
         "eigenlijk": "eigk", "precies": "presies", "natuurlijk": "natuurluk", "wachten": "wachte", "dagen": "dage",
         "weer": "wer", "ook": "ok", "nog": "nogg", "zelfde": "zelfe", "gebeld": "gebelt", "klantenservice":
         "klantenservise", "ongelofelijk": "ongeloofelijk", "misschien": "miscchien", "wordt": "word"}
EMOJI_RE = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
ARTICLE_PREPOSITIONS = ("bij ", "van ", "naar ", "met ", "in ", "over ", "tegen ", "aan ", "voor ")


@dataclass
class Phrasing:
    text: str
    group: dict[str, Any]
    split: str
    sectors: frozenset[str] = field(default_factory=frozenset)
    train_only: bool = False

    @property
    def flemish(self) -> bool:
        return bool(self.group.get("region") == "be")


def sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def allowed_sectors(text: str, declared: list[str]) -> frozenset[str]:
    sectors = set(SECTORS) if declared == ["any"] else set(declared)
    if len(sectors) > 1:
        for pattern, fits in SECTOR_WORDS:
            if re.search(pattern, text, flags=re.IGNORECASE):
                sectors &= fits
    return frozenset(sectors)


def read_groups(path: Path) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return groups


def load_source(source: Path, train_only: Path | None = TRAIN_ONLY) -> tuple[dict[str, Any], list[Phrasing]]:
    config = yaml.safe_load((source / "brands.yaml").read_text(encoding="utf-8"))
    phrasings: list[Phrasing] = []
    seen: dict[str, str] = {}
    files = [(path, False) for path in sorted(source.glob("*.yaml")) if path.name != "brands.yaml"]
    files += [(path, True) for path in sorted(train_only.glob("*.yaml"))] if train_only else []
    for path, pinned in files:
        for group in read_groups(path):
            texts = [line.strip() for line in group["texts"].splitlines() if line.strip()]
            for text in texts:
                if text in seen:
                    raise SystemExit(f"phrasing in two groups ({seen[text]}, {group['id']}): {text}")
                seen[text] = group["id"]
            ranked = sorted(texts, key=sha)
            cut1, cut2 = int(len(ranked) * SPLIT_CUTS[0]), int(len(ranked) * SPLIT_CUTS[1])
            for index, text in enumerate(ranked):
                split = "train" if pinned or index < cut1 else "dev" if index < cut2 else "test"
                declared = group.get("sectors", ["any"])
                sectors = (frozenset([config["brands"][group["brand"]]["sector"]]) if "brand" in group
                           else allowed_sectors(text, declared))
                if not sectors:
                    raise SystemExit(f"phrasing fits no sector (see SECTOR_WORDS): {text}")
                phrasings.append(Phrasing(text, group, split, sectors, pinned))
    refuse_near_copies(phrasings)
    return config, phrasings


def comparable(text: str) -> str:
    return " ".join(re.sub(r"\{\w+\}", " ", text.lower()).split())


def refuse_near_copies(phrasings: list[Phrasing]) -> None:
    """A train-only phrasing may not paraphrase a dev or test phrasing closely: that would leak them."""
    held = [comparable(p.text) for p in phrasings if p.split != "train"]
    for phrasing in phrasings:
        if not phrasing.train_only:
            continue
        mine = comparable(phrasing.text)
        for other in held:
            matcher = difflib.SequenceMatcher(None, mine, other, autojunk=False)
            if matcher.real_quick_ratio() >= NEAR_COPY and matcher.quick_ratio() >= NEAR_COPY \
                    and matcher.ratio() >= NEAR_COPY:
                raise SystemExit(f"train-only phrasing too close to a dev/test phrasing: {phrasing.text!r}")


class Composer:
    def __init__(self, config: dict[str, Any], phrasings: list[Phrasing], split: str, rng: random.Random) -> None:
        self.brands: dict[str, dict[str, Any]] = config["brands"]
        self.sector_slots: dict[str, dict[str, list[str]]] = config["sector_slots"]
        self.slots: dict[str, list[str]] = {k: [str(v) for v in vs] for k, vs in config["slots"].items()}
        self.rng = rng
        self.split = split
        mine = [p for p in phrasings if p.split == split]
        self.roots: dict[str, list[Phrasing]] = {}
        self.replies: dict[tuple[str, str], list[Phrasing]] = {}
        self.webcare: dict[str, list[Phrasing]] = {}
        self.decks: dict[str, list[Phrasing]] = {}
        for phrasing in mine:
            group = phrasing.group
            if group["role"] == "root":
                self.roots.setdefault(group["thread"], []).append(phrasing)
            elif group.get("webcare"):
                for under in group["under"]:
                    self.webcare.setdefault(under, []).append(phrasing)
            else:
                for under in group["under"]:
                    self.replies.setdefault((under, group["category"]), []).append(phrasing)

    # -- brands and slots -------------------------------------------------------------------
    def pick_brand(self, phrasing: Phrasing) -> tuple[str, str]:
        group = phrasing.group
        if "brand" in group:
            slug = group["brand"]
            return slug, self.brands[slug]["sector"]
        regions = ("be", "both") if phrasing.flemish else ("nl", "be", "both")
        sectors = sorted(s for s in phrasing.sectors
                         if any(b["sector"] == s and b["region"] in regions for b in self.brands.values()))
        sector = self.rng.choice(sectors)
        slugs = sorted(slug for slug, b in self.brands.items() if b["sector"] == sector and b["region"] in regions)
        return self.rng.choice(slugs), sector

    def fill(self, template: str, slug: str, sector: str, mode: str) -> tuple[str, bool]:
        """Fill the slots; `mode` may turn the first brand mention into a handle, hashtag or url."""
        brand = self.brands[slug]
        out: list[str] = []
        used_mode = False
        position = 0
        for match in re.finditer(r"\{(\w+)\}", template):
            out.append(template[position:match.start()])
            key = match.group(1)
            before = "".join(out)
            if key == "b":
                if mode in ("handle", "hashtag", "url") and not used_mode:
                    value = {"handle": brand["handle"], "hashtag": brand["tag"], "url": brand["url"]}[mode]
                    used_mode = True
                else:
                    value = self.rng.choice(brand["name"])
                    if value.startswith(("de ", "den ")) and not before.lower().endswith(ARTICLE_PREPOSITIONS):
                        value = value.split(" ", 1)[1]
            elif key == "p":
                value = self.rng.choice(self.sector_slots[sector]["p"])
            else:
                value = self.rng.choice(self.slots[key])
            out.append(value)
            position = match.end()
        out.append(template[position:])
        text = "".join(out)
        if template.startswith("{") and text[:1].islower() and not text.startswith(("bol", "@", "#")):
            text = text[0].upper() + text[1:]
        return text, used_mode

    # -- noise ------------------------------------------------------------------------------
    def noise_mode(self) -> str:
        roll = self.rng.random()
        for mode, chance in NOISE:
            if roll < chance:
                return mode
            roll -= chance
        return ""

    def typo(self, text: str) -> str:
        words = text.lower().rstrip(".").split(" ")
        changed = False
        for index, word in enumerate(words):
            core = word.strip(".,!?")
            if core in TYPOS and self.rng.random() < 0.7:
                words[index] = word.replace(core, TYPOS[core])
                changed = True
        if not changed:
            long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
            if long_words:
                index = self.rng.choice(long_words)
                word = words[index]
                cut = self.rng.randrange(1, len(word) - 2)
                words[index] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2:]
        return " ".join(words)

    def render(self, phrasing: Phrasing, slug: str, sector: str, role: str) -> tuple[str, str]:
        """The final text of a phrasing and its hard-case tag."""
        tag = phrasing.group.get("tag", "")
        mode = "" if tag else self.noise_mode()
        text, used = self.fill(phrasing.text, slug, sector, mode)
        sentiment = phrasing.group["sentiment"]
        if mode == "typo":
            text = self.typo(text)
        elif mode == "emoji":
            text = text + " " + self.rng.choice(EMOJI[sentiment]) * self.rng.choice((1, 1, 2, 3))
        elif mode == "hashtag" and not used:
            text = text + " " + self.rng.choice(HASHTAGS[sentiment])
        elif mode == "handle" and not used:
            text = ("@" + self.rng.choice(self.slots["user"]) + " " + text if role == "reply"
                    else text + " " + self.brands[slug]["handle"])
        elif mode == "url" and not used:
            link = (f"https://nos.nl/artikel/{self.rng.randrange(2_400_000, 2_600_000)}"
                    if phrasing.group.get("thread") == "news"
                    else f"https://imgur.com/a/{sha(text)[:7]}")
            text = text + " " + link
        if not tag:
            tag = mode
        if not tag:
            if "http" in text:
                tag = "url"
            elif "#" in text:
                tag = "hashtag"
            elif "@" in text:
                tag = "handle"
            elif EMOJI_RE.search(text):
                tag = "emoji"
        return text, tag

    # -- threads ----------------------------------------------------------------------------
    def row(self, phrasing: Phrasing, text: str, tag: str, slug: str, sector: str, parent: str) -> dict[str, str]:
        group = phrasing.group
        return {"split": self.split, "brand": slug, "sector": sector, "text": text, "parent_text": parent,
                "stance": group["stance"], "sentiment": group["sentiment"], "abuse": str(group.get("abuse", 0)),
                "hard_case": tag, "phrasing": phrasing.text}

    def fits(self, phrasing: Phrasing, slug: str, sector: str) -> float:
        """Weight of a reply phrasing in a thread about this brand: 0 where it does not fit."""
        if sector not in phrasing.sectors:
            return 0.0
        region = self.brands[slug]["region"]
        if phrasing.flemish:
            return {"be": 4.0, "both": 0.8, "nl": 0.0}[region]
        return 0.35 if region == "be" else 1.0

    def choose_reply(self, thread: str, slug: str, sector: str, used: set[str]) -> Phrasing | None:
        mix = REPLY_MIX[thread]
        categories = [c for c in sorted(mix) if self.replies.get((thread, c))]
        for _ in range(6):
            category = self.rng.choices(categories, weights=[mix[c] for c in categories])[0]
            pool = [p for p in self.replies[(thread, category)] if p.text not in used]
            weights = [self.fits(p, slug, sector) for p in pool]
            if sum(weights) > 0:
                return self.rng.choices(pool, weights=weights)[0]
        return None

    def quote(self, root_text: str, retort: str) -> str:
        first = re.split(r"(?<=[.!?])\s", root_text.strip())[0].rstrip(".!?")
        words = first.split(" ")
        fragment = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        style = self.rng.randrange(3)
        if style == 0:
            return f"'{fragment}' — {retort}"
        if style == 1:
            return f"\u201c{fragment}\u201d {retort[0].upper() + retort[1:]}"
        return f"\"{fragment}\"... {retort}"

    def draw_root(self, thread_type: str) -> Phrasing:
        """Roots are dealt from a shuffled deck (Flemish ones twice), so that every phrasing gets used."""
        deck = self.decks.setdefault(thread_type, [])
        if not deck:
            for phrasing in self.roots[thread_type]:
                deck += [phrasing] * (2 if phrasing.flemish else 1)
            self.rng.shuffle(deck)
        return deck.pop()

    def thread(self, kind: str) -> list[dict[str, str]]:
        thread_type = kind.removesuffix("_alone")
        low, high = THREAD_PLAN[kind][1]
        root = self.draw_root(thread_type)
        slug, sector = self.pick_brand(root)
        root_text, root_tag = self.render(root, slug, sector, "root")
        rows = [self.row(root, root_text, root_tag, slug, sector, "")]
        if high == 0:
            return rows
        if thread_type == "complaint":
            count = self.rng.choices(range(2, 13), weights=REPLY_COUNT_WEIGHTS)[0]
        else:
            count = self.rng.randint(low, high)
        used = {root.text}
        replies: list[dict[str, str]] = []
        for _ in range(count):
            reply = self.choose_reply(thread_type, slug, sector, used)
            if reply is None:
                continue
            used.add(reply.text)
            text, tag = self.render(reply, slug, sector, "reply")
            if reply.group["category"] == "quote":
                text = self.quote(root_text, text)
            replies.append(self.row(reply, text, tag, slug, sector, root_text))
        chance = WEBCARE_CHANCE.get(thread_type, 0.0)
        if chance and self.rng.random() < chance:
            pool = [p for p in self.webcare.get(thread_type, []) if self.fits(p, slug, sector) > 0]
            if thread_type == "praise":
                pool = [p for p in pool if p.group["sentiment"] == "positive"]
            if pool:
                weights = [self.fits(p, slug, sector) for p in pool]
                care = self.rng.choices(pool, weights=weights)[0]
                text, tag = self.render(care, slug, sector, "reply")
                replies.insert(self.rng.randint(min(1, len(replies)), len(replies)),
                               self.row(care, text, tag, slug, sector, root_text))
        return rows + replies


def compose(source: Path = SOURCE) -> tuple[list[dict[str, str]], list[Phrasing]]:
    config, phrasings = load_source(source)
    threads: list[list[dict[str, str]]] = []
    for index, split in enumerate(SPLITS):
        rng = random.Random(f"{SEED}-{split}")
        composer = Composer(config, phrasings, split, rng)
        share = (SPLIT_CUTS[0], SPLIT_CUTS[1] - SPLIT_CUTS[0], 1 - SPLIT_CUTS[1])[index]
        for kind, (count, _) in THREAD_PLAN.items():
            for _ in range(round(count * share)):
                threads.append(composer.thread(kind))
    random.Random(SEED).shuffle(threads)
    extra_rng = random.Random(f"{SEED}-train-extra")
    extra = Composer(config, phrasings, "train", extra_rng)
    extra_threads = [extra.thread(kind) for kind, count in TRAIN_EXTRA_PLAN.items() for _ in range(count)]
    extra_rng.shuffle(extra_threads)
    rows: list[dict[str, str]] = []
    for prefix, group in (("t", threads), ("x", extra_threads)):
        for number, thread in enumerate(group, start=1):
            thread_id = f"{prefix}{number:05d}"
            for position, row in enumerate(thread):
                row["thread_id"] = thread_id
                row["post_id"] = f"{thread_id}-{position:02d}"
                row["parent_id"] = f"{thread_id}-00" if position else ""
                rows.append(row)
    return rows, phrasings


def check(rows: list[dict[str, str]]) -> None:
    texts = {split: {r["text"] for r in rows if r["split"] == split} for split in SPLITS}
    leaks = (texts["test"] | texts["dev"]) & texts["train"]
    if leaks:
        raise SystemExit(f"texts in train and dev/test: {sorted(leaks)[:5]}")
    for row in rows:
        assert row["stance"] in STANCES and row["sentiment"] in SENTIMENTS, row
        assert row["hard_case"] in ("", *HARD_CASES), row


def write(rows: list[dict[str, str]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, selected in [("corpus", rows)] + [(s, [r for r in rows if r["split"] == s]) for s in SPLITS]:
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as sink:
            writer = csv.DictWriter(sink, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(selected)


def report(rows: list[dict[str, str]], phrasings: list[Phrasing]) -> str:
    lines = ["| split | stance | negative | neutral | positive | total |", "|---|---|---|---|---|---|"]
    cells = Counter((r["split"], r["stance"], r["sentiment"]) for r in rows)
    for split in (*SPLITS, "all"):
        for stance in (*STANCES, "all"):
            counts = [sum(v for (sp, st, se), v in cells.items() if split in (sp, "all") and stance in (st, "all")
                          and se == sentiment) for sentiment in SENTIMENTS]
            lines.append(f"| {split} | {stance} | " + " | ".join(map(str, counts)) + f" | {sum(counts)} |")
    hard = Counter(r["hard_case"] for r in rows if r["hard_case"])
    threads = Counter(r["split"] for r in rows if not r["parent_id"])
    used = {r["phrasing"] for r in rows}
    lines += ["", "hard cases: " + ", ".join(f"{tag} {hard[tag]}" for tag in HARD_CASES),
              f"abuse: {sum(r['abuse'] == '1' for r in rows)}",
              "threads: " + ", ".join(f"{s} {threads[s]}" for s in SPLITS) + f"; rows {len(rows)}",
              f"hand-written phrasings: {len(phrasings)} ({len(used)} used)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: classify/corpus)")
    parser.add_argument("--quiet", action="store_true", help="do not print the counts")
    args = parser.parse_args(argv)
    rows, phrasings = compose()
    check(rows)
    write(rows, args.out)
    if not args.quiet:
        print(report(rows, phrasings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
