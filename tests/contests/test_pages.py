"""The contests' pages: the rules form, entrants with their eligibility and reason, the steps, and the public page
anyone opens without logging in to check the draw."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from stoa import clock
from stoa.contests import actions, draw
from stoa.contests.models import Contest, Randomness
from tests.contests.conftest import seen


@pytest.fixture
def logged_in(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_the_rules_form_makes_a_contest_in_the_workspace_s_time_zone(logged_in, workspace, published):
    response = logged_in.post("/contests/", {
        "workspace": workspace.slug, "title": "Coffee for a year", "kind": "contest", "publications": [published.pk],
        "actions": ["reply", "like"], "hashtag": "#yafo", "friends_to_tag": 1, "opens_at": "2026-12-01T09:00",
        "closes_at": "2026-12-08T21:00", "previous_winners_days": 30, "min_account_age_days": 0, "winners": 2,
        "substitutes": 1, "quiz_mode": "draw", "randomness": "drand", "block_list": "spammer\n  \n"})

    contest = Contest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contests/{contest.pk}/"
    assert contest.actions == ["like", "reply"] and contest.block_list == ["spammer"]
    assert contest.closes_at.isoformat() == "2026-12-08T19:00:00+00:00"  # 21:00 in Jerusalem


def test_a_contest_that_closes_before_it_opens_is_refused_on_the_form(logged_in, workspace, published):
    response = logged_in.post("/contests/", {
        "workspace": workspace.slug, "title": "Backwards", "kind": "contest", "publications": [published.pk],
        "actions": ["reply"], "friends_to_tag": 0, "opens_at": "2026-12-08T09:00", "closes_at": "2026-12-01T09:00",
        "previous_winners_days": 0, "min_account_age_days": 0, "winners": 1, "substitutes": 0, "quiz_mode": "draw",
        "randomness": "seed"})

    assert response.status_code == 422
    assert "The contest must close after it opens." in response.content.decode()
    assert not Contest.objects.exists()


def test_each_entrant_is_shown_with_their_eligibility_and_reason_names_in_their_direction(logged_in, make_contest):
    contest = make_contest(actions=["reply", "like"])
    actions.record_entries(contest, [seen("2", "like", handle="דנה"), seen("3", "like")])
    actions.record_entries(contest, [seen("3", "reply", text="!أنا")])
    actions.judge_entries(contest)

    page = logged_in.get(f"/contests/{contest.pk}/").content.decode()

    assert '<bdi dir="auto">דנה</bdi>' in page
    assert "Did not do everything the rules ask" in page and "Eligible." in page
    assert '<small dir="auto">!أنا</small>' in page


def test_someone_outside_the_workspace_does_not_see_a_contest(make_contest, stranger):
    contest = make_contest()
    client = Client()
    client.force_login(stranger)

    assert client.get(f"/contests/{contest.pk}/").status_code == 404


def test_the_steps_freeze_then_draw_then_draft_the_announcement(logged_in, make_contest):
    contest = make_contest(randomness=Randomness.SEED)
    actions.record_entries(contest, [seen("2"), seen("3")])

    for step in ("freeze", "draw", "announce"):
        assert logged_in.post(f"/contests/{contest.pk}/{step}/").status_code == 302

    contest.refresh_from_db()
    assert contest.state == "drawn" and contest.announcement is not None


def test_the_public_page_needs_no_login_and_its_file_verifies(make_contest):
    contest = make_contest(randomness=Randomness.SEED, winners=1, substitutes=1)
    actions.record_entries(contest, [seen("2"), seen("3"), seen("4")])
    actions.freeze_contest(None, contest)
    actions.draw_contest(None, contest)
    anyone = Client()

    page = anyone.get(f"/c/{contest.public_key}/").content.decode()
    document = json.loads(anyone.get(f"/c/{contest.public_key}/draw.json").content)

    assert contest.frozen_sha256 in page and contest.seed_commitment in page
    assert draw.verify(document, contest.frozen_sha256).ok
    assert document["winners"][0][2] in page


def test_before_the_close_the_public_page_shows_only_the_commitment(make_contest):
    contest = make_contest(closes_at=clock.now() + timedelta(days=1))

    page = Client().get(f"/c/{contest.public_key}/").content.decode()

    assert contest.seed_commitment in page
    assert Client().get(f"/c/{contest.public_key}/draw.json").status_code == 404


def test_the_public_page_names_the_drand_round_and_when_it_comes(make_contest):
    contest = make_contest()
    actions.record_entries(contest, [seen("2")])
    actions.freeze_contest(None, contest)

    page = Client().get(f"/c/{contest.public_key}/").content.decode()

    round_number = contest.frozen["source"]["round"]
    at = datetime.fromtimestamp(draw.drand_round_time(round_number), UTC)
    assert f"drand quicknet round {round_number}" in page and f"{at:%Y-%m-%d %H:%M:%S} UTC" in page
    assert draw.DRAND_CHAIN_HASH in page
