"""The draw: a frozen list with a published hash, a random value fixed in advance, and winners anyone reproduces."""

import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from stoa.contests import draw

SEED = "00" * 31 + "01"
PEOPLE = [draw.Entrant("bluesky", f"did:plc:{i:04d}", f"p{i}.bsky.social") for i in range(10)]


def frozen_with_seed(entrants=PEOPLE, seed=SEED, winners=2, substitutes=1):
    return draw.freeze("42", "Reply to win", entrants, winners, substitutes,
                       draw.commit_reveal_source(draw.commitment(seed)))


def published_with_seed(entrants=PEOPLE, seed=SEED):
    frozen = frozen_with_seed(entrants, seed)
    return draw.published(frozen, {"seed": seed}, draw.draw(frozen, draw.seed_bytes(seed)))


def test_the_known_vector_gives_the_same_hash_and_winners_on_every_machine():
    frozen = frozen_with_seed()

    result = draw.draw(frozen, draw.seed_bytes(SEED))

    assert draw.frozen_hash(frozen) == "7b727faf7d8a15304a08c36b2f8e8a8e60ed9f63399a6e9e642f58475effb6aa"
    assert [entrant.account_id for entrant in result.winners] == ["did:plc:0007", "did:plc:0004"]
    assert [entrant.account_id for entrant in result.substitutes] == ["did:plc:0006"]


def test_the_first_pick_is_the_first_hmac_block_of_the_documented_stream():
    frozen = frozen_with_seed()
    list_hash = draw.frozen_hash(frozen)
    message = b"stoa-contest-draw/1\x00" + bytes.fromhex(list_hash) + (0).to_bytes(8, "big")
    block = int.from_bytes(hmac.new(bytes.fromhex(SEED), message, hashlib.sha256).digest(), "big")

    assert block < draw.rejection_threshold(10)
    assert draw.draw(frozen, draw.seed_bytes(SEED)).winners[0] == draw.Entrant(*frozen["entrants"][block % 10])


def test_the_frozen_list_is_sorted_by_network_then_account_id_whatever_order_it_came_in():
    shuffled = [PEOPLE[3], draw.Entrant("mastodon", "1"), PEOPLE[0], draw.Entrant("bluesky", "did:plc:0010")]

    rows = draw.freeze("1", "", shuffled, 1, 0, draw.commit_reveal_source("x"))["entrants"]

    assert rows == [["bluesky", "did:plc:0000", "p0.bsky.social"], ["bluesky", "did:plc:0003", "p3.bsky.social"],
                    ["bluesky", "did:plc:0010", ""], ["mastodon", "1", ""]]


def test_the_same_person_twice_is_refused_rather_than_silently_dropped():
    with pytest.raises(draw.DrawError, match="twice"):
        draw.freeze("1", "", [PEOPLE[0], PEOPLE[0]], 1, 0, draw.commit_reveal_source("x"))


def test_no_modulo_bias_blocks_at_or_above_the_rejection_threshold_are_thrown_away():
    threshold = draw.rejection_threshold(3)

    assert threshold % 3 == 0 and draw.SPACE - threshold < 3  # the largest multiple of 3 within 2**256
    assert draw.index_below(3, iter([threshold, draw.SPACE - 1, 7])) == 7 % 3


def test_every_index_is_equally_likely_below_the_threshold():
    # Over one whole run of n consecutive blocks below the threshold each index appears exactly once.
    n = 7
    start = draw.rejection_threshold(n) - n
    assert sorted(draw.index_below(n, iter([block])) for block in range(start, start + n)) == list(range(n))


def test_winners_and_substitutes_are_distinct_people():
    frozen = frozen_with_seed(winners=5, substitutes=5)

    result = draw.draw(frozen, draw.seed_bytes(SEED))

    assert len(set(result.winners + result.substitutes)) == 10


def test_a_changed_entrant_changes_the_hash_and_verify_says_so():
    document = published_with_seed()
    document["frozen"]["entrants"][0][2] = "someone.else"

    checked = draw.verify(document)

    assert not checked.ok
    assert any("SHA-256" in problem for problem in checked.problems)


def test_a_changed_seed_is_not_the_commitment_published_at_the_start():
    document = published_with_seed()
    document["revealed"]["seed"] = "00" * 31 + "02"

    assert draw.verify(document).problems == (
        "The revealed seed's SHA-256 is not the commitment published at the start.",)


def test_winners_that_the_procedure_does_not_give_are_detected():
    document = published_with_seed()
    document["winners"][0] = ["bluesky", "did:plc:0001", "p1.bsky.social"]

    assert draw.verify(document).problems == ("The published winners are not the ones the procedure gives.",)


def test_a_hash_published_before_the_draw_must_be_the_lists():
    document = published_with_seed()

    assert draw.verify(document, document["frozen_sha256"]).ok
    assert not draw.verify(document, "0" * 64).ok


def test_hebrew_arabic_and_greek_handles_sort_and_hash_the_same_in_any_composition():
    names = [("mastodon", "3", "קפה_יפו"), ("mastodon", "1", "مقهى"), ("bluesky", "did:plc:ά", "καφές.gr")]
    composed = [draw.Entrant(*name) for name in names]
    decomposed = [draw.Entrant(*(unicodedata.normalize("NFD", part) for part in name)) for name in reversed(names)]

    one = draw.freeze("7", "Σχόλιο", composed, 1, 0, draw.commit_reveal_source("x"))
    other = draw.freeze("7", unicodedata.normalize("NFD", "Σχόλιο"), decomposed, 1, 0, draw.commit_reveal_source("x"))

    assert draw.frozen_hash(one) == draw.frozen_hash(other)
    assert [row[1] for row in one["entrants"]] == ["did:plc:ά", "1", "3"]


def test_the_drand_round_is_fixed_after_the_freeze_from_the_chain_s_genesis_and_period():
    genesis = datetime.fromtimestamp(draw.DRAND_GENESIS, UTC)
    frozen_at = datetime.fromtimestamp(draw.DRAND_GENESIS + 3000, UTC)

    source = draw.drand_source(frozen_at)

    assert draw.drand_round_at(genesis) == 1
    assert draw.drand_round_time(source["round"]) >= frozen_at.timestamp() + draw.DRAND_MARGIN
    assert source["chain_hash"] == draw.DRAND_CHAIN_HASH


def drand_document(signature="ab" * 48):
    frozen = draw.freeze("9", "Like to win", PEOPLE, 1, 1, {**draw.drand_source(datetime(2026, 12, 1, tzinfo=UTC))})
    revealed = {"chain_hash": draw.DRAND_CHAIN_HASH, "round": frozen["source"]["round"], "signature": signature,
                "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest()}
    return draw.published(frozen, revealed, draw.draw(frozen, bytes.fromhex(revealed["randomness"])))


def test_a_drand_draw_verifies_and_says_the_bls_signature_is_not_checked_offline():
    checked = draw.verify(drand_document())

    assert checked.ok
    assert "BLS signature is not verified here" in checked.unchecked[0]


def test_drand_randomness_that_is_not_the_signatures_hash_is_detected():
    document = drand_document()
    document["revealed"]["randomness"] = "00" * 32

    assert "The drand randomness is not the SHA-256 of the round's signature." in draw.verify(document).problems


def test_stoa_contest_verify_reproduces_the_winners_from_the_file_alone(tmp_path, capsys):
    path = tmp_path / "draw.json"
    path.write_bytes(draw.published_bytes(published_with_seed()))

    call_command("contest", "verify", str(path))

    said = capsys.readouterr().out
    assert "The draw verifies" in said
    assert "Winner 1: bluesky did:plc:0007 p7.bsky.social" in said
    assert "Substitute 1: bluesky did:plc:0006 p6.bsky.social" in said


def test_stoa_contest_verify_says_clearly_when_the_list_was_changed(tmp_path):
    document = published_with_seed()
    document["frozen"]["entrants"].pop()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError, match="does NOT verify"):
        call_command("contest", "verify", str(path))


def test_with_fewer_eligible_people_than_places_all_of_them_are_drawn_winners_first():
    frozen = frozen_with_seed(entrants=PEOPLE[:2], winners=3, substitutes=2)

    result = draw.draw(frozen, draw.seed_bytes(SEED))

    assert len(result.winners) == 2 and result.substitutes == ()
    assert draw.draw(frozen_with_seed(entrants=[]), draw.seed_bytes(SEED)) == draw.Result((), ())
