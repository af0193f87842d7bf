"""Publishing to a local Mastodon (mastodon-mock, tests/providers/mastodon_peer.py): the idempotency key, media,
rate limits and the server's failures as Stoa sees them over real HTTP. The documented cases the mock does not
imitate (media still processing, X-RateLimit-Reset as ISO 8601) stay in test_mastodon.py's documentation fixtures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from stoa import clock
from stoa.providers.base import Attempt, Draft, ErrorKind, MediaFile, ProviderError
from tests.providers.mastodon_peer import FAN_TOKEN, MastodonPeer, running_peer

pytestmark = pytest.mark.mastodon_peer


def attempt(key: str = "attempt-1") -> Attempt:
    return Attempt(key=key, started_at=clock.now())


def png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(image, "PNG")
    return image.getvalue()


def failure(call) -> ProviderError:
    with pytest.raises(ProviderError) as failed:
        call()
    return failed.value


def test_the_same_attempt_sent_twice_makes_one_status(mastodon_peer: MastodonPeer):
    brand = mastodon_peer.brand()
    draft = Draft(text="Winter menu at Kafe Yafo ☕ תפריט חורף", language="he")
    first, again = brand.publish(draft, attempt()), brand.publish(draft, attempt())
    assert first == again
    statuses = mastodon_peer.statuses_of_brand()
    assert [s["id"] for s in statuses] == [first.remote_id] and statuses[0]["language"] == "he"


def test_a_thread_is_a_reply_chain_and_resending_it_repeats_nothing(mastodon_peer: MastodonPeer):
    brand = mastodon_peer.brand()
    draft = Draft(text="1/ Our new roastery", options={"thread": ["2/ opens Sunday", "3/ in Jaffa"]})
    published = brand.publish(draft, attempt())
    assert brand.reconcile(draft, attempt()) == published
    statuses = {s["id"]: s for s in mastodon_peer.statuses_of_brand()}
    first, second, third = published.parts
    assert len(statuses) == 3 and statuses[third]["in_reply_to_id"] == second
    assert statuses[second]["in_reply_to_id"] == first


def test_an_image_is_uploaded_with_its_description(mastodon_peer: MastodonPeer):
    # The mock processes uploads at once (200); a real server answers 202 while processing, which
    # test_mastodon.py's documentation fixtures cover.
    data = png()
    image = MediaFile("menu.png", "image/png", len(data), "The winter menu on a chalkboard", lambda: data)
    published = mastodon_peer.brand().publish(Draft(text="Menu", media=(image,)), attempt())
    status = mastodon_peer.as_fan("GET", f"/api/v1/statuses/{published.remote_id}")
    assert [(m["type"], m["description"]) for m in status["media_attachments"]] == [
        ("image", "The winter menu on a chalkboard")]


def test_the_limits_and_stream_come_from_the_server_when_connecting(mastodon_peer: MastodonPeer):
    account = mastodon_peer.brand().connect()
    assert account.remote_id == mastodon_peer.brand_id and account.name.startswith("@kafeyafo@")
    assert account.settings["max_characters"] == 500 and account.settings["max_media_attachments"] == 4
    assert account.settings["streaming_url"] == mastodon_peer.url  # announced as ws://, read over HTTP


def test_a_server_error_while_posting_is_an_unknown_outcome_and_reconcile_posts_once(mastodon_peer: MastodonPeer):
    brand, draft = mastodon_peer.brand(), Draft(text="Shakshuka Sunday")
    mastodon_peer.fault({"type": "status", "status": 503})
    assert failure(lambda: brand.publish(draft, attempt())).kind == ErrorKind.UNKNOWN_OUTCOME
    published = brand.reconcile(draft, attempt())
    assert [s["id"] for s in mastodon_peer.statuses_of_brand()] == [published.remote_id]


def test_a_garbled_answer_while_posting_is_an_unknown_outcome(mastodon_peer: MastodonPeer):
    brand, draft = mastodon_peer.brand(), Draft(text="Shakshuka Sunday")
    mastodon_peer.fault({"type": "malformed"})
    error = failure(lambda: brand.publish(draft, attempt()))
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME and "not JSON" in error.message
    brand.reconcile(draft, attempt())
    assert len(mastodon_peer.statuses_of_brand()) == 1


def test_a_timeout_while_posting_is_an_unknown_outcome_that_reconcile_resolves():
    # A server of its own: the mock holds a timed-out request for 30 seconds, then creates the status, which
    # must not land in another test's account.
    with running_peer() as peer:
        brand, draft = peer.brand(), Draft(text="Shakshuka Sunday")
        peer.fault({"type": "timeout"})
        assert failure(lambda: brand.publish(draft, attempt())).kind == ErrorKind.UNKNOWN_OUTCOME
        published = brand.reconcile(draft, attempt())
        assert [s["id"] for s in peer.statuses_of_brand()] == [published.remote_id]


@pytest.mark.parametrize(("status", "kind"), [(401, ErrorKind.AUTHORIZATION), (403, ErrorKind.AUTHORIZATION),
                                              (422, ErrorKind.PERMANENT), (500, ErrorKind.UNKNOWN_OUTCOME)])
def test_each_refusal_while_posting_has_its_kind(mastodon_peer: MastodonPeer, status: int, kind: ErrorKind):
    mastodon_peer.fault({"type": "status", "status": status})
    assert failure(lambda: mastodon_peer.brand().publish(Draft(text="Hi"), attempt())).kind == kind


def test_a_server_error_while_reading_is_transient(mastodon_peer: MastodonPeer):
    brand = mastodon_peer.brand()
    mastodon_peer.fault({"type": "status", "status": 502}, method="GET", path="/api/v1/notifications")
    assert failure(lambda: brand.fetch_inbox("")).kind == ErrorKind.TRANSIENT
    mastodon_peer.fault({"type": "malformed"}, method="GET", path="/api/v1/notifications")
    assert failure(lambda: brand.fetch_inbox("")).kind == ErrorKind.TRANSIENT


def test_an_injected_rate_limit_says_when_to_try_again(mastodon_peer: MastodonPeer):
    mastodon_peer.fault({"type": "ratelimit"})  # X-RateLimit-Reset in 300 s as Unix seconds, Retry-After: 300
    error = failure(lambda: mastodon_peer.brand().publish(Draft(text="Hi"), attempt()))
    assert error.kind == ErrorKind.RATE_LIMITED and 290 <= error.retry_after <= 301
    assert mastodon_peer.statuses_of_brand() == []


def test_the_servers_own_rate_limit_stops_posting_until_its_window_ends():
    with running_peer(enabled=True, limit=5, window_seconds=60) as peer:
        brand, published, error = peer.brand(), [], None
        for number in range(6):  # five requests per token and window, connecting included
            try:
                published.append(brand.publish(Draft(text=f"Post {number}"), attempt(f"a-{number}")).remote_id)
            except ProviderError as refused:
                error = refused
                break
        # Measured from the Date header, which uvicorn refreshes once a second: up to a second more than the window.
        assert error and error.kind == ErrorKind.RATE_LIMITED and 0 < error.retry_after <= 61, error
        assert published and {s["id"] for s in peer.call("GET", f"/api/v1/accounts/{peer.brand_id}/statuses",
                                                          FAN_TOKEN)} == set(published)
