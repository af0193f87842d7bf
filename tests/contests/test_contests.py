"""Contests on the brand's posts: rules, entries once per person with their eligibility, freeze, draw, announce."""

import hashlib
from datetime import timedelta

import httpx
import pytest
import time_machine

from stoa import clock
from stoa.contests import actions, draw
from stoa.contests.models import Entry, Kind, QuizMode, Randomness, State
from stoa.errors import ActionError
from stoa.posts.models import State as PublicationState
from tests.contests.conftest import seen


def test_a_contest_publishes_its_seeds_sha256_from_the_start(make_contest):
    contest = make_contest()

    assert contest.seed_commitment == draw.commitment(contest.seed)
    assert contest.state == State.OPEN


def test_a_contest_is_held_only_on_published_posts(make_contest, published):
    published.state = PublicationState.SCHEDULED
    published.save()

    with pytest.raises(ActionError) as refused:
        make_contest()

    assert "publication_ids" in refused.value.errors


def test_each_person_is_kept_once_with_every_action_they_took(make_contest):
    contest = make_contest()

    actions.record_entries(contest, [seen("7", "like"), seen("7", "reply", text="Me! #yafo"), seen("8", "like")])
    actions.record_entries(contest, [seen("7", "repost", hours_ago=30)])

    entry = contest.entries.get(account_id="7")
    assert contest.entries.count() == 2
    assert entry.actions == ["like", "reply", "repost"]
    assert entry.text == "Me! #yafo"
    assert entry.first_at < clock.now() - timedelta(hours=29)


def reasons(contest) -> dict[str, str]:
    actions.judge_entries(contest)
    return dict(contest.entries.values_list("account_id", "reason"))


def test_each_entrant_s_eligibility_has_its_reason(make_contest):
    contest = make_contest(actions=["reply", "like"], hashtag="#Yafo", friends_to_tag=1,
                           block_list=["@User5@mastodon.example"])
    old = clock.now() - timedelta(days=400)
    actions.record_entries(contest, [
        seen("1", text="#yafo @a"), seen("1", "like"),  # the brand's own account
        seen("2", text="#yafo @a"), seen("2", "like"),
        seen("3", text="#yafo @a"),  # no like
        seen("4", text="@a only"), seen("4", "like"),
        seen("5", text="#yafo @a"), seen("5", "like"),
        seen("6", text="#YAFO"), seen("6", "like"),
        seen("9", text="#yafo @a", hours_ago=0), seen("9", "like", hours_ago=0),
        seen("10", text="#yafo @b", account_created_at=old), seen("10", "like"),
    ])

    assert reasons(contest) == {"1": "team", "2": "eligible", "3": "missing_action", "4": "no_hashtag",
                                "5": "blocked", "6": "too_few_tags", "9": "too_late", "10": "eligible"}


def test_following_and_account_age_are_only_met_when_the_network_said_so(make_contest):
    contest = make_contest(must_follow=True, min_account_age_days=30)
    actions.record_entries(contest, [
        seen("2"), seen("3", follows_brand=True),
        seen("4", follows_brand=True, account_created_at=clock.now() - timedelta(days=3)),
        seen("5", follows_brand=True, account_created_at=clock.now() - timedelta(days=300)),
    ])

    assert reasons(contest) == {"2": "not_following", "3": "account_age_unknown", "4": "account_too_young",
                                "5": "eligible"}


def test_a_previous_winner_within_the_days_set_is_excluded(make_contest):
    earlier = make_contest(randomness=Randomness.SEED)
    actions.record_entries(earlier, [seen("2")])
    actions.freeze_contest(None, earlier)
    actions.draw_contest(None, earlier)
    contest = make_contest(previous_winners_days=30)
    actions.record_entries(contest, [seen("2"), seen("3")])

    assert reasons(contest) == {"2": "recent_winner", "3": "eligible"}


def test_a_quiz_answer_counts_whatever_its_case_and_accents(make_contest):
    contest = make_contest(kind=Kind.QUIZ, answers=["Αθήνα"])
    actions.record_entries(contest, [seen("2", text="Η απάντηση: ΑΘΗΝΑ!"), seen("3", text="Σπάρτη")])

    assert reasons(contest) == {"2": "eligible", "3": "wrong_answer"}


def test_entries_are_frozen_only_after_the_close(make_contest):
    contest = make_contest(closes_at=clock.now() + timedelta(hours=1))

    with pytest.raises(ActionError):
        actions.freeze_contest(None, contest)


def test_a_seed_draw_publishes_a_file_that_verifies_and_marks_the_winners(make_contest):
    contest = make_contest(randomness=Randomness.SEED, winners=2, substitutes=1)
    actions.record_entries(contest, [seen(str(n)) for n in range(2, 12)])

    actions.freeze_contest(None, contest)
    hash_before_the_draw = contest.frozen_sha256
    assert actions.draw_contest(None, contest)

    checked = draw.verify(contest.published, hash_before_the_draw)
    assert checked.ok
    assert [entry.account_id for entry in actions.winners_of(contest)] == [e.account_id for e in checked.winners]
    assert Entry.objects.filter(contest=contest, substitute=True).count() == 1


def test_the_announcement_is_a_draft_post_naming_the_winners(make_contest, brand_channel):
    contest = make_contest(randomness=Randomness.SEED)
    actions.record_entries(contest, [seen("2")])
    actions.freeze_contest(None, contest)
    actions.draw_contest(None, contest)

    actions.announce(None, contest)

    publication = contest.announcement.variants.get().publication
    assert publication.state == PublicationState.DRAFT
    assert publication.channel == brand_channel
    assert "@user2@mastodon.example" in publication.variant.text


# The chain information as GET /{chain-hash}/info answers it (docs.drand.love/docs/dev-guide/3-4-dev-guide-http-api:
# public_key, period, genesis_time, hash), with quicknet's values.
QUICKNET_INFO = {"_doc": "https://docs.drand.love/docs/dev-guide/3-4-dev-guide-http-api", "public_key": "83cf0f28",
                 "period": 3, "genesis_time": 1692803367, "hash": draw.DRAND_CHAIN_HASH}


def drand_relay(answers: dict[int, dict], info: dict = QUICKNET_INFO, down: tuple[str, ...] = ()):
    """The drand HTTP API as documented: GET /{chain-hash}/info and GET /{chain-hash}/public/{round}; the relays in
    `down` do not answer at all."""

    def answer(request: httpx.Request) -> httpx.Response:
        if f"{request.url.scheme}://{request.url.host}" in down:
            raise httpx.ConnectError("connection refused", request=request)
        assert request.method == "GET"
        parts = request.url.path.split("/")
        assert parts[1] == draw.DRAND_CHAIN_HASH
        if parts[2:] == ["info"]:
            return httpx.Response(200, json=info)
        assert parts[2] == "public"
        found = answers.get(int(parts[3]))
        return httpx.Response(200, json=found) if found else httpx.Response(404, text="round not found")

    return httpx.Client(transport=httpx.MockTransport(answer))


def signed_round(round_number: int) -> dict:
    signature = "8d" * 48
    return {"round": round_number, "signature": signature,
            "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest()}


def test_when_a_drand_relay_is_down_the_next_one_gives_the_round(make_contest):
    contest = make_contest()
    actions.record_entries(contest, [seen("2"), seen("3")])
    actions.freeze_contest(None, contest)
    round_number = contest.frozen["source"]["round"]
    relay = drand_relay({round_number: signed_round(round_number)}, down=("https://api.drand.sh",))

    with time_machine.travel(clock.now() + timedelta(seconds=draw.DRAND_MARGIN + 10)):
        assert actions.draw_contest(None, contest, relay)

    assert contest.published["revealed"]["url"].startswith("https://api2.drand.sh/")


def test_a_chain_whose_timing_is_not_the_one_fixed_refuses_the_draw(make_contest):
    contest = make_contest()
    actions.record_entries(contest, [seen("2")])
    actions.freeze_contest(None, contest)
    round_number = contest.frozen["source"]["round"]
    relay = drand_relay({round_number: signed_round(round_number)}, info={**QUICKNET_INFO, "period": 30})

    later = clock.now() + timedelta(seconds=draw.DRAND_MARGIN + 10)
    with time_machine.travel(later), pytest.raises(ActionError, match="genesis time and period"):
        actions.draw_contest(None, contest, relay)

    assert contest.state == State.FROZEN


def test_a_drand_draw_waits_for_the_round_fixed_at_the_freeze_then_verifies(make_contest):
    contest = make_contest(winners=1, substitutes=1)
    actions.record_entries(contest, [seen(str(n)) for n in range(2, 6)])
    actions.freeze_contest(None, contest)
    round_number = contest.frozen["source"]["round"]
    relay = drand_relay({round_number: signed_round(round_number)})

    assert not actions.draw_contest(None, contest, relay)  # the round does not exist yet
    with time_machine.travel(clock.now() + timedelta(seconds=draw.DRAND_MARGIN + 10)):
        assert actions.draw_contest(None, contest, relay)

    assert contest.state == State.DRAWN
    assert draw.verify(contest.published).ok


def test_a_quiz_won_by_the_first_correct_answers_takes_the_earliest(make_contest):
    contest = make_contest(kind=Kind.QUIZ, answers=["blue"], quiz_mode=QuizMode.FIRST, winners=2)
    actions.record_entries(contest, [seen("2", text="blue", hours_ago=5), seen("3", text="Blue!", hours_ago=9),
                                     seen("4", text="red", hours_ago=20), seen("5", text="blue", hours_ago=2)])
    actions.freeze_contest(None, contest)

    actions.pick_first_correct(None, contest)

    assert [entry.account_id for entry in actions.winners_of(contest)] == ["3", "2"]


def test_the_freeze_puts_the_list_s_hash_in_a_post_scheduled_at_once(make_contest, brand_channel):
    contest = make_contest(winners=1)
    actions.record_entries(contest, [seen("2"), seen("3")])

    actions.freeze_contest(None, contest)

    publication = contest.freeze_post.variants.get().publication
    assert publication.channel == brand_channel and publication.state == PublicationState.SCHEDULED
    assert publication.scheduled_at <= clock.now()
    assert contest.frozen_sha256 in publication.variant.text
    assert f"drand round {contest.frozen['source']['round']}" in publication.variant.text
    assert f"/c/{contest.public_key}/" in publication.variant.text


def test_in_a_first_correct_quiz_the_answer_s_time_counts_not_an_earlier_like(make_contest):
    contest = make_contest(kind=Kind.QUIZ, answers=["blue"], quiz_mode=QuizMode.FIRST, actions=[], winners=1)
    actions.record_entries(contest, [seen("2", "like", hours_ago=30), seen("2", text="blue", hours_ago=2),
                                     seen("3", text="blue", hours_ago=5)])
    actions.freeze_contest(None, contest)

    actions.pick_first_correct(None, contest)

    assert [entry.account_id for entry in actions.winners_of(contest)] == ["3"]
