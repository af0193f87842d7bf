"""Opinion leaders: the people in the brand's audience ranked by reach and interaction, as docs/audience.md says."""

import csv
import io
import math

import pytest

from stoa import clock
from stoa.audience.export import csv_lines
from stoa.audience.leaders import Filters, rank, score, with_last_interactions

pytestmark = pytest.mark.django_db


def test_the_score_is_points_times_the_order_of_magnitude_of_followers():
    assert score(3, None) == 3  # followers unknown: interaction alone
    assert score(3, 0) == 3
    assert score(3, 999) == pytest.approx(3 * (1 + 3))
    assert score(1, 1_000_000) == pytest.approx(1 + math.log10(1_000_001))


def test_replies_and_mentions_count_three_reposts_two_likes_one(workspace, audience):
    audience("1", replies=[("positive", "Lovely!")], mentions=[("neutral", "@kafe open today?")], reposts=1, likes=1)

    [dana] = rank(workspace)
    assert dana.counts == {"reply": 1, "mention": 1, "repost": 1, "like": 1}
    assert (dana.points, dana.interactions, dana.score) == (3 + 3 + 2 + 1, 4, 9)


def test_a_regular_who_answers_outranks_a_star_who_only_liked(workspace, audience):
    audience("star", likes=1, followers=1_000_000)
    audience("regular", replies=[("positive", "Best coffee")] * 3, followers=1_000)

    assert [p.account_id for p in rank(workspace)] == ["regular", "star"]  # 9 x 4.0 = 36 against 1 x 7.0 = 7


def test_reach_breaks_an_equal_interaction(workspace, audience):
    audience("small", replies=[("neutral", "hi")], followers=10)
    audience("big", replies=[("neutral", "hi")], followers=10_000)

    assert [p.account_id for p in rank(workspace)] == ["big", "small"]


def test_sentiment_is_counted_and_filters_by_the_persons_leaning(workspace, audience):
    audience("fan", replies=[("positive", "Love it"), ("positive", "Again!")])
    audience("critic", replies=[("negative", "Cold food"), ("negative", "Slow"), ("positive", "ok now")])
    audience("quiet", likes=1)

    critic = rank(workspace, Filters(sentiment="negative"))
    assert [(p.account_id, p.positive, p.negative) for p in critic] == [("critic", 1, 2)]
    assert [p.account_id for p in rank(workspace, Filters(sentiment="positive"))] == ["fan"]
    assert [p.account_id for p in rank(workspace, Filters(sentiment="neutral"))] == ["quiet"]
    assert [p.account_id for p in rank(workspace, Filters(sort="negative"))][0] == "critic"


def test_the_period_and_the_network_filter(workspace, audience):
    audience("old", replies=[("neutral", "long ago")], days_ago=120)
    audience("recent", replies=[("neutral", "now")])

    assert [p.account_id for p in rank(workspace)] == ["recent"]
    assert [p.account_id for p in rank(workspace, Filters(days=365))] == ["recent", "old"]
    assert rank(workspace, Filters(network="bluesky")) == []


def test_direct_messages_are_not_interactions(workspace, brand_channel, audience):
    author = audience("private")
    author.items.create(workspace=workspace, channel=brand_channel, kind="message", text="my order?",
                        remote_id="dm-1", written_at=clock.now())

    assert rank(workspace) == []


def test_sorting_by_followers_puts_the_unknown_last(workspace, audience):
    audience("unknown", replies=[("neutral", "a")] * 5)
    audience("known", likes=1, followers=3)

    assert [p.account_id for p in rank(workspace, Filters(sort="followers"))] == ["known", "unknown"]


def test_each_leader_comes_with_their_last_interactions(workspace, audience):
    audience("1", replies=[("positive", "first")], days_ago=3)
    audience("1", mentions=[("negative", "second")], days_ago=2)
    audience("1", reposts=1, days_ago=1)

    [leader] = with_last_interactions(workspace, rank(workspace))
    assert [(i.action, i.text) for i in leader.last] == [("repost", ""), ("mention", "second"), ("reply", "first")]


def test_other_workspaces_people_are_never_ranked(workspace, other_workspace, audience):
    audience("1", replies=[("positive", "hi")])

    assert rank(other_workspace) == []


def test_the_export_is_utf8_with_a_bom_and_keeps_rtl_names_and_formula_like_text_harmless(workspace, audience):
    audience("7", name="נועה כהן", replies=[("positive", "=HYPERLINK(\"x\") תודה!")], followers=1200)
    audience("8", name="محمد", likes=1)

    data = "".join(csv_lines(with_last_interactions(workspace, rank(workspace)))).encode()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["name"], r["followers"], r["replies"], r["positive"]) for r in rows] == [
        ("נועה כהן", "1200", "1", "1"), ("محمد", "", "0", "0")]
    assert rows[0]["last_interactions"].endswith("reply: =HYPERLINK(\"x\") תודה!")
    assert not rows[0]["last_interactions"].startswith("=")
