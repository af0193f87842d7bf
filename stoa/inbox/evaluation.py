"""Measure the built-in classifier on held-out messages: macro-F1 per language, for sentiment and intent.

Run with `make eval-inbox`. Trained on eval/inbox/train_*.jsonl, measured on eval/inbox/eval_*.jsonl, or on
another folder of held-out messages (`--held-out eval/inbox/independent`). `--folds 4` also cross-validates on
the training messages, a steadier figure than 70 held-out messages a language, where one message moves F1 by
about 0.02.
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


def held_out_examples(folder: Path) -> list[Labelled]:
    """eval_*.jsonl in the folder, or every *_*.jsonl there when it names its files otherwise."""
    return load_examples("eval", folder) or load_examples("*", folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", type=Path, default=DATA_DIR, help="folder of held-out messages")
    parser.add_argument("--folds", type=int, default=0, help="also cross-validate on the training messages")
    options = parser.parse_args(argv)
    train, held_out = load_examples("train"), held_out_examples(options.held_out)
    classifier = Classifier(train)
    print(f"Trained on {len(train)} messages, measured on {len(held_out)} held-out messages.")
    print(f"{'language':<9}{'messages':>9}{'lang acc':>10}{'sentiment F1':>14}{'intent F1':>11}  most confused intents")
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
