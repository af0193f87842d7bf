"""Posts the networks give become hits: matched again, classified, kept once, counted by day."""

import threading

import pytest
from django.db import connection

from stoa.errors import ActionError
from stoa.inbox.classifier import builtin
from stoa.listening.actions import save_query
from stoa.listening.models import DayCount, Hit
from stoa.listening.store import Found, Listener
from tests.listening.conftest import post


def keep(workspace, *posts, network="mastodon", channel_id=None):
    return Listener(workspace, builtin()).keep([Found(network, p, channel_id) for p in posts])


def test_a_matching_post_is_kept_once_however_often_it_is_found(workspace, brand_query):
    first = keep(workspace, post("1", "Kafe Yafo has the worst service, terrible"), post("1", "Kafe Yafo again"))
    again = keep(workspace, post("1", "Kafe Yafo has the worst service, terrible"))

    assert (first.new, first.duplicates, again.new, again.duplicates) == (1, 1, 0, 1)
    [hit] = Hit.objects.all()
    assert (hit.query, hit.network, hit.author_handle, hit.language) == (brand_query, "mastodon", "dana", "en")
    assert hit.sentiment in ("negative", "neutral", "positive") and hit.intent
    assert list(DayCount.objects.values_list("hits", flat=True)) == [1]


def test_what_the_network_found_but_the_query_does_not_name_is_dropped(workspace, brand_query):
    kept = keep(workspace, post("1", "Yafo is a city"), post("2", "Kafe Yafo on Yafo Street"))
    assert (kept.new, kept.not_matched) == (0, 2)


def test_the_same_post_on_another_network_or_in_another_workspace_is_its_own_hit(workspace, other_workspace,
                                                                                  brand_query, stranger):
    save_query(stranger, other_workspace, {"name": "Also Yafo", "terms": "Kafe Yafo"})
    keep(workspace, post("1", "Kafe Yafo"))
    keep(workspace, post("1", "Kafe Yafo"), network="bluesky")
    keep(other_workspace, post("1", "Kafe Yafo"))
    assert Hit.objects.count() == 3


def test_a_post_naming_the_brand_and_a_competitor_is_the_brands_hit_and_the_competitors_too(
        workspace, brand_query, competitor_query):
    keep(workspace, post("1", "Bean There or Kafe Yafo?"))
    [hit] = Hit.objects.all()
    assert (hit.query, hit.also_matched) == (brand_query, [competitor_query.pk])


def test_a_query_for_some_languages_keeps_only_hits_in_them(owner, workspace):
    save_query(owner, workspace, {"name": "Hebrew only", "terms": "Kafe Yafo\nקפה יפו", "languages": ["he"]})
    keep(workspace, post("1", "The flat white at Kafe Yafo was great this morning, thank you"),
         post("2", "קפה יפו מעולה"))
    assert list(Hit.objects.values_list("language", flat=True)) == ["he"]


def test_a_query_needs_something_to_listen_for(owner, workspace):
    try:
        save_query(owner, workspace, {"name": "Empty", "terms": "  \n!!!"})
    except ActionError as error:
        assert "terms" in error.errors
    else:
        raise AssertionError("a query of no words was saved")


def test_the_day_counts_add_up_across_reads(workspace, brand_query):
    keep(workspace, post("1", "Kafe Yafo"), post("2", "Kafe Yafo"))
    keep(workspace, post("3", "Kafe Yafo"), post("2", "Kafe Yafo"))
    assert sum(DayCount.objects.values_list("hits", flat=True)) == Hit.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_finding_the_same_posts_at_once_keep_and_count_each_once(workspace, brand_query):
    posts = [post(str(n), f"Kafe Yafo {n}") for n in range(60)]
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        try:
            keep(workspace, *posts)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Hit.objects.count() == sum(DayCount.objects.values_list("hits", flat=True)) == 60
