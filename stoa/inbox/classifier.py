"""What a message to a brand is: its language, its sentiment and its intent, worked out offline.

The built-in classifier is multinomial naive Bayes over words, word pairs, negated words, words of
praise and blame (a short list of stems per language), letter trigrams and a few signs of tone; a
sentiment model and an intent model are averaged with a model of the two together. It is trained
when first used from the labelled messages in eval/inbox/train_*.jsonl (about 10,000, written for
Stoa in English, Russian, Hebrew, Arabic, Persian and Greek, with their slang, sarcasm, emoji and
Latin spellings, under the label guide of eval/inbox/independent/README.md). Training takes about
three seconds, so nothing is downloaded and no model file is kept. `make eval-inbox` measures it on
the held-out sets (eval/inbox/README.md). A discriminative model (logistic regression over the same
features) scored no better in cross-validation and trains twenty times slower: the labelled messages,
not the model, were what held it back.

The language comes first from the script (Hebrew, Greek, Cyrillic; Persian tells itself from
Arabic by its own letters: stoa/languages.py, which posts use too), and for Latin-script text from
the same n-gram model, since Greeklish, Arabizi and transliterated Russian are common under brands' posts.
"""

from __future__ import annotations

import functools
import json
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import regex

from stoa.languages import LATIN, MENTION, URL, script_language

DATA_DIR = Path(__file__).resolve().parents[2] / "eval" / "inbox"
LANGUAGES = ("en", "ru", "he", "ar", "fa", "el")
SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("question", "complaint", "praise", "lead", "spam", "other")

WORD = regex.compile(r"[\p{L}\p{M}\p{N}'’]+|\p{Extended_Pictographic}|[?؟;!]")
REPEATS = regex.compile(r"(\p{L})\1{2,}")  # "soooo" and "ооочень" count like "soo" and "оочень"
ARABIC_MARKS = regex.compile(r"[\u064B-\u065F\u0670\u0640]")  # harakat and tatweel
WORD_WEIGHT = 3


@dataclass(frozen=True)
class Labelled:
    text: str
    language: str
    sentiment: str
    intent: str


@dataclass(frozen=True)
class Verdict:
    language: str
    sentiment: str
    intent: str
    confidence: float  # of the intent, 0..1


class Classifies(Protocol):
    """What the inbox asks of a classifier: the built-in one below, or an endpoint (endpoint_classifier)."""

    def classify(self, text: str) -> Verdict: ...


# -- Features -------------------------------------------------------------------------------

def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = URL.sub(" urlx ", text)
    text = MENTION.sub(" userx ", text)
    text = ARABIC_MARKS.sub("", text)
    text = text.replace("ي", "ی").replace("ك", "ک")  # Arabic and Persian spellings of the same letters
    return REPEATS.sub(r"\1\1", text)


# Words that turn the meaning of the next words around, in each language and its usual Latin spelling
# ("not good" is not praise). Persian and Hebrew verbs often carry it as a prefix, which the letter n-grams see.
NEGATIONS = frozenset(word for line in (
    "not no never dont don't didn't doesn't isn't wasn't aren't won't can't cant cannot wont didnt doesnt isnt",
    "nothing nobody nope",
    "не нет ни никогда ничего никто ne net nikogda nichego",
    "לא אין אף בלי מעולם lo ein af bli",
    "لا لم لن ما مش مو ليس ماكو بدون ولا mish msh mesh mush mafi",
    "نه نمی نیست نبود هیچ بدون هرگز na nemi nist hich",
    "δεν μην όχι ποτέ τίποτα κανείς χωρίς den min oxi ohi pote tipota",
) for word in line.split())
NEGATION_REACH = 3  # the words after a negation that it colours
POSITIVE_EMOJI = frozenset("😍🥰😘❤️💕💖💯🔥👏🙏😊😁😀😃😄🤩👍💪🎉🥳✨🌟⭐☺️😎🤗💙💚💜🧡🫶🥹😋")
SARCASTIC_EMOJI = frozenset("🙄🙃😒👏🤡")
NEGATIVE_EMOJI = frozenset("😡🤬😤😠👎💩🤮🤢😞😔😢😭😩😫🙄😒🤡😑😐🤦💔😖😣😕🙃")


# Beginnings of words that praise or blame, per language and its Latin spellings: they let a word never seen in
# training still say something, and a negation in front turns them over ("not bad", "не плохо", "לא רע").
# Hebrew, Arabic and Persian glue prefixes (ו, ה, ב, ال) to words, so there a stem may sit anywhere in the word.
PRAISE = (
    "good great love lov amazing awesome best perfect excellent thank thx fantastic wonderful brilliant delicious "
    "tasty recommend impress fast friendly helpful kind nice beautiful gorgeous stunning legend gem smooth comfy cozy "
    "superb happy glad enjoy favourite favorite wow 10/10 "
    "хорош отлич супер класс спасиб благодар лучш обожа люблю любим вкусн рекоменд быстр вежлив приятн идеальн "
    "шикарн огонь кайф топ восторг прекрасн молодц удобн довольн уважени чудо круто kruto spasibo super "
    "תודה מעולה אחלה מושלם מדהים טוב טעים ממליצ אוהב מהמם פצצה תותח מקסים נהדר יפה כיף מרוצ "
    "شکر شكر ممتاز رائع حلو لذيذ أحب احب أفضل افضل جميل روعة خيال تجنن مبسوط كفو يعطيكم "
    "ممنون مرسی عالی خوب خوشمزه محشر دمتون ایول بهترین راضی عاشق قشنگ "
    "ευχαριστ τέλει τελει υπέροχ καλύτερ άψογ λατρεύ φοβερ νόστιμ πεντανόστιμ εξαιρετικ ευγεν μπράβο "
    "σπάτε θεοί συστήνω προτείν teleio bravo eyxarist efxarist"
)
BLAME = (
    "bad worst terrible awful horrible rude broke broken refund cold dirty disgust disappoint useless "
    "scam rip waste joke ridiculous unacceptable overpriced crash wrong missing lost stuck slow hate annoy angry "
    "ugh smh meh trash garbage incompetent delay "
    "плох ужас отврат хам грязн холодн сломал верните возврат обман развод позор разочар кошмар отстой бесполезн "
    "никогда опять снова надоел жесть капец кринж мерзк барахл хуж некомпетент опозда задерж uzhas kapec "
    "גרוע נורא מגעיל בושה חרפה מאכזב אכזב שבור מלוכלך נמאס זבל חצוף עקיצה באסה פדיחה רע קר איחור עיכוב "
    "سيء سيئ زفت قرف مقرف خربان بارد وسخ نصب خسارة زبالة تعبان مخيب ناشف تأخر تأخير "
    "افتضاح داغون کثیف سرد خراب کلاهبردار آشغال ناامید بی‌ادب حیف چندش کلافه بد تاخیر دیر "
    "χάλια απαράδεκτ ντροπή αηδία απογοήτευ αγεν βρώμ κρύ σπασμέν κοροϊδ σκουπίδ άχρηστ ανίκαν καθυστέρ "
    "xalia apaisio aisxos"
)
GLUED_SCRIPTS = regex.compile(r"[\p{Hebrew}\p{Arabic}]")


def stems_pattern(stems: str, anywhere: bool) -> regex.Pattern:
    """Stems of three letters or more match a word's start (or anywhere inside it); shorter ones only a whole word."""
    longer = sorted((regex.escape(s) for s in stems.split() if len(s) > 2), key=len, reverse=True)
    if anywhere:
        return regex.compile("|".join(longer))
    short = [regex.escape(s) for s in stems.split() if len(s) <= 2]
    return regex.compile(f"^(?:{'|'.join(longer)})" + (f"|^(?:{'|'.join(short)})$" if short else ""))


POLARITIES = tuple((name, stems_pattern(stems, False), stems_pattern(stems, True))
                   for name, stems in (("praise", PRAISE), ("blame", BLAME)))


@functools.lru_cache(maxsize=65536)
def polarity(word: str) -> str | None:
    """'praise', 'blame' or None for one word, by the stems above."""
    glued = bool(GLUED_SCRIPTS.match(word))
    for name, at_start, anywhere in POLARITIES:
        if at_start.match(word) or (glued and anywhere.search(word)):
            return name
    return None


def lexicon(words: list[str]) -> list[str]:
    found, reach = [], 0
    for word in words:
        if word in NEGATIONS:
            reach = NEGATION_REACH
            continue
        tone_of_word = polarity(word) if len(word) > 1 else None
        if tone_of_word:
            found.append(f"l:{'not_' if reach else ''}{tone_of_word}")
        reach = max(reach - 1, 0)
    if "l:praise" in found and ("l:blame" in found or any(w in SARCASTIC_EMOJI for w in words)):
        found.append("l:mixed")  # praise words beside blame or an eye-roll: often sarcasm
    return found


def features(text: str) -> list[str]:
    """Words, word pairs, negated words, praise and blame, letter trigrams within and across words, signs of tone."""
    normal = normalise(text)
    words = WORD.findall(normal)
    # Whole words and pairs weigh as much as a word's letter n-grams together (measured by make eval-inbox).
    found = [f"w:{w}" for w in words] * WORD_WEIGHT
    found += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)] * WORD_WEIGHT
    found += negated(words) * WORD_WEIGHT
    found += lexicon(words) * WORD_WEIGHT
    for word in words:
        if len(word) > 2:  # trigrams only: with four-letter grams too, long messages outweighed short ones
            padded = f"<{word}>"
            found += [f"c:{padded[i:i + 3]}" for i in range(len(padded) - 2)]
    found += [f"x:{pair}" for pair in letters_across_words(words)]
    found += tone(text, words)
    return found


def negated(words: list[str]) -> list[str]:
    marked, reach = [], 0
    for word in words:
        if word in NEGATIONS:
            reach = NEGATION_REACH
        elif reach:
            marked.append(f"n:{word}")
            reach = 0 if word in "?؟;!" else reach - 1
    return marked


def letters_across_words(words: list[str]) -> list[str]:
    """The end of one word with the start of the next: catches split spellings and short phrases."""
    return [f"{a[-2:]} {b[:2]}" for a, b in zip(words, words[1:], strict=False)]


# A word or three in quotes is how people mock a promise: the "express" delivery, «свежая» выпечка.
# Straight apostrophes are left out: "it's" and "don't" would open and close a quote.
SCARE_QUOTES = regex.compile(r'["“„«][\p{L}\p{N}][^"“”«»\n]{0,30}["”»]')
AGAIN = frozenset(["again", "anymore", "опять", "снова", "שוב", "πάλι", "ξανά", "مجددا", "تاني", "باز", "دوباره"])


def tone(text: str, words: list[str]) -> list[str]:
    found = []
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        found.append("s:shouting")
    if text.count("!") >= 2:
        found.append("s:exclaiming")
    if text.count("?") + text.count("؟") >= 2:
        found.append("s:insisting")
    if SCARE_QUOTES.search(text):
        found += ["s:scare_quotes"] * WORD_WEIGHT
    if AGAIN.intersection(words):
        found.append("s:again")
    found += ["s:happy_emoji" for w in words if w in POSITIVE_EMOJI]
    found += ["s:unhappy_emoji" for w in words if w in NEGATIVE_EMOJI]
    return found


# -- Naive Bayes ----------------------------------------------------------------------------

class NaiveBayes:
    """Multinomial naive Bayes with Laplace smoothing; classes scored by summed log-probabilities."""

    def __init__(self, alpha: float = 0.2):
        self.alpha = alpha
        self.classes: tuple[str, ...] = ()
        self.log_prior: list[float] = []
        self.log_likelihood: dict[str, list[float]] = {}
        self.unseen: list[float] = []

    def fit(self, samples: Iterable[tuple[list[str], str]]) -> NaiveBayes:
        counts: dict[str, Counter] = defaultdict(Counter)
        docs: Counter = Counter()
        for feats, label in samples:
            docs[label] += 1
            counts[label].update(feats)
        self.classes = tuple(sorted(docs))
        vocabulary = set().union(*counts.values())
        total_docs = sum(docs.values())
        self.log_prior = [math.log(docs[c] / total_docs) for c in self.classes]
        totals = [sum(counts[c].values()) + self.alpha * (len(vocabulary) + 1) for c in self.classes]
        self.unseen = [math.log(self.alpha / t) for t in totals]
        # A feature starts as unseen in every class; only the classes it occurs in are filled in, which keeps
        # training fast with many classes (the joint model has one per sentiment and intent pair).
        self.log_likelihood = {f: list(self.unseen) for f in vocabulary}
        for i, (label, total) in enumerate(zip(self.classes, totals, strict=True)):
            for f, n in counts[label].items():
                self.log_likelihood[f][i] = math.log((n + self.alpha) / total)
        return self

    def scores(self, feats: list[str]) -> list[float]:
        scores = list(self.log_prior)
        n = len(scores)
        for f in feats:
            row = self.log_likelihood.get(f)
            if row is not None:  # a feature never seen in training says nothing
                for i in range(n):
                    scores[i] += row[i]
        return scores

    def predict(self, feats: list[str]) -> tuple[str, float]:
        chances = self.probabilities(feats)
        best = max(chances, key=chances.__getitem__)
        return best, chances[best]

    def probabilities(self, feats: list[str]) -> dict[str, float]:
        scores = self.scores(feats)
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        return {label: w / total for label, w in zip(self.classes, weights, strict=True)}


# -- The classifier -------------------------------------------------------------------------

class Classifier:
    """Sentiment and intent each from their own model, averaged with a model of the two together.

    The joint model knows that a complaint is seldom positive and praise seldom negative, so a sarcastic
    "thanks" that reads as a complaint is not also read as happy; averaging it with the separate models,
    which see more examples per label, scored best on the held-out messages and in cross-validation.
    """

    def __init__(self, examples: list[Labelled]):
        prepared = [(features(e.text), e) for e in examples]
        self.sentiment = NaiveBayes().fit((f, e.sentiment) for f, e in prepared)
        self.intent = NaiveBayes().fit((f, e.intent) for f, e in prepared)
        self.joint = NaiveBayes().fit((f, f"{e.sentiment}|{e.intent}") for f, e in prepared)
        latin = [(f, e.language) for f, e in prepared if script_language(e.text) is None]
        self.latin_language = NaiveBayes().fit(latin) if len({lang for _f, lang in latin}) > 1 else None

    def language(self, text: str, feats: list[str] | None = None) -> str:
        found = script_language(text)
        if found:
            return found
        if self.latin_language is None or not LATIN.search(text):
            return "en"
        return self.latin_language.predict(feats if feats is not None else features(text))[0]

    def classify(self, text: str) -> Verdict:
        feats = features(text)
        sentiments, intents = self.sentiment.probabilities(feats), self.intent.probabilities(feats)
        for pair, chance in self.joint.probabilities(feats).items():
            sentiment, intent = pair.split("|")
            sentiments[sentiment] += chance
            intents[intent] += chance
        sentiment = max(sentiments, key=sentiments.__getitem__)
        intent = max(intents, key=intents.__getitem__)
        return Verdict(self.language(text, feats), sentiment, intent, round(intents[intent] / 2, 3))


def load_examples(kind: str = "train", folder: Path = DATA_DIR) -> list[Labelled]:
    examples = []
    for path in sorted(folder.glob(f"{kind}_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(Labelled(row["text"], row["language"], row["sentiment"], row["intent"]))
    return examples


_builtin: Classifier | None = None
_lock = threading.Lock()


def builtin() -> Classifier:
    """The built-in classifier, trained once per process on first use."""
    global _builtin
    with _lock:
        if _builtin is None:
            _builtin = Classifier(load_examples("train"))
    return _builtin
