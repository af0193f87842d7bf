"""Messages into the inbox: kept once whatever the network repeats, threaded, classified, routed, timed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from stoa import clock
from stoa.inbox.actions import ingest
from stoa.inbox.classifier import Verdict
from stoa.inbox.models import Item, Kind, ResponseTarget, RoutingRule, Team
from stoa.inbox.routing import Policy
from stoa.posts.models import Publication, State
from stoa.providers.base import Incoming, Person
from tests.core.helpers import schedule

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday, for clocks counted from a fixed moment


class ByFirstWord:
    """Verdicts named by the message itself ("complaint: ..."), so routing is tested on its own."""

    def classify(self, text: str) -> Verdict:
        intent = text.split(":", 1)[0]
        sentiment = "negative" if intent == "complaint" else "neutral"
        return Verdict("he", sentiment, intent, 1.0)


def message(n: int, text: str = "question: מתי אתם פתוחים?", kind: str = Kind.COMMENT, **fields) -> Incoming:
    author = fields.pop("author", Person(f"did:plc:author{n % 3}", handle=f"author{n % 3}.test"))
    return Incoming(remote_id=f"at://did:plc:author{n % 3}/app.bsky.feed.post/{n}", kind=kind, text=text,
                    author=author, written_at=fields.pop("written_at", just_now(n)), **fields)


def just_now(n: int) -> datetime:
    """A moment of the last half hour, later for a later n: messages arrive as the real clock runs."""
    return clock.now() - timedelta(minutes=30) + timedelta(seconds=n)


@pytest.fixture
def bluesky(workspace):
    from tests.web.test_journey import bluesky_channel

    return bluesky_channel(workspace)


def test_a_message_sent_twice_is_kept_once(bluesky):
    first = ingest(bluesky, [message(1), message(2), message(1)], ByFirstWord())
    again = ingest(bluesky, [message(2), message(3)], ByFirstWord())
    assert (first.new, first.duplicates, again.new, again.duplicates) == (2, 0, 1, 1)
    assert Item.objects.count() == 3


def test_pages_out_of_order_lose_nothing(bluesky):
    pages = [[message(n) for n in range(20, 30)], [message(n) for n in range(0, 10)],
             [message(n) for n in range(5, 25)]]
    for page in pages:
        ingest(bluesky, page, ByFirstWord())
    assert sorted(int(i.remote_id.rsplit("/", 1)[1]) for i in Item.objects.all()) == list(range(30))


def test_a_message_its_author_deleted_is_marked_and_kept(bluesky):
    ingest(bluesky, [message(1, "complaint: הקפה היה קר")], ByFirstWord())
    report = ingest(bluesky, [message(1, "", deleted=True)], ByFirstWord())
    item = Item.objects.get()
    assert report.deleted == 1 and item.deleted_on_network and item.text == "complaint: הקפה היה קר"


def test_a_comment_is_threaded_under_the_brands_post(owner, workspace, bluesky):
    publication = schedule(owner, workspace, [bluesky])[0]
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED, remote_id="at://brand/post/1")
    ingest(bluesky, [message(1, root_remote_id="at://brand/post/1", parent_remote_id="at://brand/post/1"),
                     message(2, kind=Kind.MENTION)], ByFirstWord())
    comment, mention = Item.objects.order_by("written_at")
    assert comment.publication_id == publication.pk and mention.publication_id is None


def test_the_first_matching_rule_routes_and_the_rest_stay_with_the_whole_team(workspace, bluesky, member):
    support = Team.objects.create(workspace=workspace, name="Support")
    sales = member("community_manager")
    RoutingRule.objects.create(workspace=workspace, position=1, name="Complaints to support",
                               intents=["complaint"], team=support)
    RoutingRule.objects.create(workspace=workspace, position=2, name="Leads to sales", intents=["lead"],
                               assign_to=sales)
    RoutingRule.objects.create(workspace=workspace, position=3, name="Never reached", intents=["lead"])
    ingest(bluesky, [message(1, "complaint: ההזמנה לא הגיעה"), message(2, "lead: אני רוצה 20 קופסאות"),
                     message(3, "praise: תודה!")], ByFirstWord())
    routed = {i.intent: (i.team_id, i.assigned_to_id, i.routed_by) for i in Item.objects.all()}
    assert routed == {"complaint": (support.pk, None, "Complaints to support"),
                      "lead": (None, sales.pk, "Leads to sales"), "praise": (None, None, "")}


def test_keywords_match_whole_words_in_any_script(workspace, bluesky):
    user = get_user_model().objects.create_user("refunds")
    RoutingRule.objects.create(workspace=workspace, name="Refunds", keywords=["החזר", "Refund"], assign_to=user)
    ingest(bluesky, [message(1, "other: אני רוצה החזר כספי"), message(2, "other: REFUND please"),
                     message(3, "other: refunds are slow"), message(4, "other: בהחזרה")], ByFirstWord())
    assert sorted(i.remote_id[-1] for i in Item.objects.filter(assigned_to=user)) == ["1", "2"]


def test_each_intent_gets_its_response_clock_and_spam_none(workspace, bluesky):
    ResponseTarget.objects.create(workspace=workspace, intent="complaint", first_response_minutes=10)
    ingest(bluesky, [message(0, "complaint: x", written_at=NOW), message(1, "question: y", written_at=NOW),
                     message(2, "spam: z", written_at=NOW)], ByFirstWord())
    due = {i.intent: i.first_response_due for i in Item.objects.all()}
    assert due == {"complaint": NOW + timedelta(minutes=10), "question": NOW + timedelta(minutes=120), "spam": None}


def test_authors_are_kept_once_with_whether_they_follow_the_brand(bluesky):
    stranger = Person("did:plc:stranger", handle="stranger.test", name="Dana", follows_brand=False)
    ingest(bluesky, [message(1, author=stranger), message(2, author=stranger)], ByFirstWord())
    assert {i.author_id for i in Item.objects.all()} == {Item.objects.first().author_id}
    assert Item.objects.first().author.follows_brand is False


def test_the_builtin_classifier_reads_an_angry_hebrew_comment(bluesky):
    ingest(bluesky, [message(1, "ההזמנה שלי לא הגיעה כבר שבוע, שירות גרוע!!! אף אחד לא עונה")])
    item = Item.objects.get()
    assert (item.language, item.sentiment, item.intent) == ("he", "negative", "complaint")


def test_queries_do_not_grow_with_the_messages_of_a_batch(workspace, bluesky):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policy = Policy.of(workspace)
    counts = []
    for first, count in ((0, 20), (1000, 400)):
        with CaptureQueriesContext(connection) as queries:
            ingest(bluesky, [message(n) for n in range(first, first + count)], ByFirstWord(), policy)
        counts.append(len(queries))
    # Never a query per message: only bulk inserts grow, split by SQLite's limit on variables per query.
    assert counts[1] - counts[0] <= 380 / 20


def test_a_message_with_text_no_database_takes_is_kept_with_the_broken_character_replaced(bluesky):
    author = Person("did:plc:odd", handle="odd.test", name="Na\x00me")
    ingest(bluesky, [message(1, "question: bad \ud800 x", author=author), message(2)], ByFirstWord())
    kept = Item.objects.get(remote_id__endswith="/1")
    assert kept.text == "question: bad \ufffd x" and kept.author.name == "Na\ufffdme"
    assert Item.objects.count() == 2, "the rest of the read is kept too"


@pytest.mark.parametrize(("setting", "read"), [(True, True), ("true", True), (False, False), ("false", False),
                                               ("off", False), ("0", False)])
def test_direct_messages_are_read_unless_turned_off_also_as_text_from_the_command_line(bluesky, setting, read):
    from stoa.inbox.polling import streams

    bluesky.config["read_direct_messages"] = setting
    assert ("messages" in [name for name, _read in streams(bluesky, bluesky.provider())]) is read
