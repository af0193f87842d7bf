"""The built-in classifier: language from the script, sentiment and intent from what it learned, offline."""

import pytest

from stoa.inbox.classifier import LANGUAGES, Classifier, builtin, features, load_examples, script_language
from stoa.inbox.evaluation import evaluate, macro_f1


@pytest.mark.parametrize(("text", "language"), [
    ("ההזמנה שלי לא הגיעה", "he"), ("Η παραγγελία μου δεν ήρθε", "el"), ("Мой заказ не пришёл", "ru"),
    ("طلبي لم يصل بعد", "ar"), ("سفارشم هنوز نرسیده", "fa"), ("چرا پشتیبانی جواب نمیده؟", "fa"),
    ("My order from @kafe did not arrive", "en"), ("🙄🙄", "en"),
])
def test_the_language_comes_from_the_script(text, language):
    assert builtin().classify(text).language == language


def test_persian_and_arabic_are_told_apart_by_their_own_letters():
    assert script_language("كيف يمكنني الطلب؟") == "ar"
    assert script_language("چطور می‌تونم سفارش بدم؟") == "fa"


def test_links_mentions_and_stretched_letters_are_read_as_people_mean_them():
    assert "w:urlx" in features("see https://phish.example/win") and "w:userx" in features("@kafe_yafo hi")
    assert features("soooo good") == features("soo good")


def test_macro_f1_averages_over_the_labels_present():
    assert macro_f1([("a", "a"), ("b", "b")], ("a", "b", "c")) == 1.0
    assert macro_f1([("a", "b"), ("b", "b")], ("a", "b")) == pytest.approx((0 + 2 / 3) / 2)


@pytest.fixture(scope="module")
def scores():
    return {s.language: s for s in evaluate(Classifier(load_examples("train")), load_examples("eval"))}


def test_every_language_has_held_out_messages_to_measure(scores):
    assert all(scores[lang].messages >= 50 for lang in scores) and {"en", "ru", "he", "ar"} <= set(scores)
    assert set(scores) <= set(LANGUAGES)


def test_held_out_messages_are_classified_well_above_chance_in_every_language(scores):
    # Chance is about 0.33 for sentiment and 0.17 for intent; these floors catch a broken model or data.
    for language, s in scores.items():
        assert s.language_accuracy >= 0.95, language
        assert s.sentiment_f1 >= 0.5 and s.intent_f1 >= 0.5, (language, s.sentiment_f1, s.intent_f1)


def test_training_and_held_out_messages_do_not_overlap():
    train = {e.text.casefold().strip() for e in load_examples("train")}
    assert not [e.text for e in load_examples("eval") if e.text.casefold().strip() in train]
