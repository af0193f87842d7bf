"""Measure the built-in classifier on held-out messages: macro-F1 per language, for sentiment and intent.

Run with `make eval-inbox`. Trained on eval/inbox/train_*.jsonl, measured on each folder of held-out messages:
eval/inbox/eval_*.jsonl (the first, written beside the first training messages) and the two sets written apart
from all training messages, eval/inbox/independent and eval/inbox/independent-2 (`--held-out FOLDER`, as often as
wanted, measures on those instead). `--folds 4` also cross-validates on the training messages, a steadier figure
than 80 held-out messages a language, where one message moves F1 by about 0.02.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from stoa.inbox.classifier import DATA_DIR, INTENTS, LANGUAGES, SENTIMENTS, Classifier, Labelled, load_examples


def macro_f1(pairs: list[tuple[str, str]], labels: tuple[str, ...]) -> float:
    """The mean F1 over the labels that occur in the truth or the predictions."""
    present = [label for label in labels if any(label in pair for pair in pairs)]
    scores = []
    for label in present:
        tp = sum(1 for truth, guess in pairs if truth == guess == label)
        fp = sum(1 for truth, guess in pairs if guess == label != truth)
        fn = sum(1 for truth, guess in pairs if truth == label != guess)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


@dataclass(frozen=True)
class LanguageScore:
    language: str
    messages: int
    language_accuracy: float
    sentiment_f1: float
    intent_f1: float
    intent_confusions: list[tuple[tuple[str, str], int]]


def evaluate(classifier: Classifier, examples: list[Labelled]) -> list[LanguageScore]:
    results = []
    for language in LANGUAGES:
        mine = [e for e in examples if e.language == language]
        if not mine:
            continue
        verdicts = [classifier.classify(e.text) for e in mine]
        intents = [(e.intent, v.intent) for e, v in zip(mine, verdicts, strict=True)]
        results.append(LanguageScore(
            language, len(mine),
            sum(v.language == language for v in verdicts) / len(mine),
            macro_f1([(e.sentiment, v.sentiment) for e, v in zip(mine, verdicts, strict=True)], SENTIMENTS),
            macro_f1(intents, INTENTS),
            Counter(p for p in intents if p[0] != p[1]).most_common(3)))
    return results


def cross_validate(examples: list[Labelled], folds: int, seed: int = 17) -> dict[str, tuple[float, float]]:
    """Mean sentiment and intent F1 per language over `folds` splits of the training messages."""
    shuffled = list(examples)
    random.Random(seed).shuffle(shuffled)
    totals: dict[str, list[float]] = {}
    for fold in range(folds):
        held = shuffled[fold::folds]
        rest = [e for i, e in enumerate(shuffled) if i % folds != fold]
        for s in evaluate(Classifier(rest), held):
            total = totals.setdefault(s.language, [0.0, 0.0])
            total[0] += s.sentiment_f1 / folds
            total[1] += s.intent_f1 / folds
    return {language: (sentiment, intent) for language, (sentiment, intent) in totals.items()}


HELD_OUT = (DATA_DIR, DATA_DIR / "independent", DATA_DIR / "independent-2")
REPOSITORY = DATA_DIR.parents[1]


def held_out_examples(folder: Path) -> list[Labelled]:
    """eval_*.jsonl in the folder, or every *_*.jsonl there when it names its files otherwise."""
    return load_examples("eval", folder) or load_examples("*", folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", type=Path, action="append", help="a folder of held-out messages")
    parser.add_argument("--folds", type=int, default=0, help="also cross-validate on the training messages")
    options = parser.parse_args(argv)
    train = load_examples("train")
    classifier = Classifier(train)
    print(f"Trained on {len(train)} messages.")
    for folder in options.held_out or HELD_OUT:
        held_out = held_out_examples(folder)
        shown = folder.relative_to(REPOSITORY) if folder.is_relative_to(REPOSITORY) else folder
        print(f"\nMeasured on {len(held_out)} held-out messages in {shown}:")
        print(f"{'language':<9}{'messages':>9}{'lang acc':>10}{'sentiment F1':>14}{'intent F1':>11}"
              "  most confused intents")
        for s in evaluate(classifier, held_out):
            confused = ", ".join(f"{truth}->{guess} x{n}" for (truth, guess), n in s.intent_confusions)
            print(f"{s.language:<9}{s.messages:>9}{s.language_accuracy:>10.2f}{s.sentiment_f1:>14.2f}"
                  f"{s.intent_f1:>11.2f}  {confused}")
    if options.folds > 1:
        print(f"\n{options.folds}-fold cross-validation on the training messages:")
        for language, (sentiment, intent) in cross_validate(train, options.folds).items():
            print(f"{language:<9}{'':>19}{sentiment:>14.2f}{intent:>11.2f}")


if __name__ == "__main__":
    main()
