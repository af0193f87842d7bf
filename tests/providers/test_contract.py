"""The contract every provider keeps, for every capability it declares (issue 14): finite limits, every failure
said as a ProviderError of the right kind, attempt keys honoured, reconcile() finding what an attempt created and
never another post, validate() agreeing with what publish() sends, and the shapes of what it reads.

It runs over every registered provider (stoa.providers.registry.PROVIDERS, read when the tests are collected), each
against its network faked in-process (tests/providers/contract.py), so it needs no peer. A test's id names the
provider and the capability it holds to, e.g. test_errors_are_mapped_to_a_kind[telegram-Replies.reply-500].
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stoa import clock
from stoa.inbox.models import Kind
from stoa.providers import oauth2
from stoa.providers.base import (
    ACCOUNT_METRICS,
    COUNTERS,
    POST_METRICS,
    Account,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    Incoming,
    Limits,
    MediaFile,
    MetricPoint,
    PeoplePage,
    Person,
    PostCounts,
    Provider,
    ProviderError,
    Published,
)
from stoa.providers.capabilities import (
    CAPABILITIES,
    Authorizes,
    Capability,
    Hides,
    Publishes,
    ReadsEngagement,
    ReadsHashtags,
    ReadsInbox,
    ReadsMessages,
    ReadsMetrics,
    ReadsTrends,
    ReceivesAppPush,
    ReceivesPush,
    RegistersApps,
    Replies,
    Searches,
    Streams,
)
from stoa.providers.registry import PROVIDERS, get_provider_class
from tests.providers.contract import CODE, PUBLIC_BASE, STARTED, Harness, harness_class, refused_grant

NETWORKS = sorted(PROVIDERS)


def declared(*capabilities: type[Capability]) -> list[Any]:
    """(network, capability) for every registered provider declaring one of them, named network-Capability."""
    return [pytest.param(key, capability, id=f"{key}-{capability.__name__}") for key in NETWORKS
            for capability in capabilities if issubclass(get_provider_class(key), capability)]


def harness(key: str) -> Harness:
    found = harness_class(key)
    assert found is not None, (f"{key}: no contract harness. Add one to tests/providers/contract.py (or "
                               f"contract_{key}.py) so the contract suite can hold this provider to it.")
    return found()


def failure(action: Callable[[], Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        action()
    return caught.value


DRAFT = Draft(text="Hello from the contract · שלום · مرحبا 👩🏽‍💻")


def post(h: Harness) -> Draft:
    """DRAFT as the harness's network takes it (with a picture where it publishes no text alone: Harness.draft)."""
    return h.draft(DRAFT.text)


@pytest.fixture(autouse=True)
def public_address(settings):
    """A deployment with a public address, which the networks that fetch media from a URL need."""
    settings.STOA_PUBLIC_BASE_URL = PUBLIC_BASE


# -- Limits ----------------------------------------------------------------------------------------


def positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < math.inf


@pytest.mark.parametrize("key", NETWORKS)
def test_every_provider_has_a_contract_harness(key):
    assert harness_class(key) is not None, f"{key}: add a harness to tests/providers/contract.py"
    assert type(harness(key).provider()) is get_provider_class(key)


@pytest.mark.parametrize("key", NETWORKS)
def test_declared_and_effective_limits_are_finite_and_positive(key):
    for where, limits in (("limits", get_provider_class(key).limits),
                          ("effective_limits()", harness(key).provider().effective_limits())):
        assert isinstance(limits, Limits), f"{key}.{where}"
        assert positive(limits.max_text), f"{key}.{where}.max_text = {limits.max_text!r}"
        assert limits.max_media == 0 or positive(limits.max_media), f"{key}.{where}.max_media"
        assert positive(limits.max_media_bytes), f"{key}.{where}.max_media_bytes = {limits.max_media_bytes!r}"
        assert limits.max_caption is None or positive(limits.max_caption), f"{key}.{where}.max_caption"
        assert limits.counts in COUNTERS, f"{key}.{where}.counts = {limits.counts!r}"
        assert bool(limits.media_types) == bool(limits.max_media), f"{key}.{where}.media_types"
        assert all("/" in t for t in limits.media_types), f"{key}.{where}.media_types"


class CountingBudget:
    """A budget that refuses nothing and notes what each request would spend."""

    def __init__(self) -> None:
        self.costs: list[dict[str, int]] = []

    def spend(self, costs: Any) -> None:
        self.costs.append(dict(costs))

    def rate_limited(self, retry_after: float | None) -> None:
        pass


@pytest.mark.parametrize("key", NETWORKS)
def test_rate_limits_are_finite_and_positive(key):
    for limit in get_provider_class(key).rate_limits:
        assert limit.name and positive(limit.limit) and positive(limit.seconds), f"{key}.rate_limits: {limit}"


# -- Every failure is a ProviderError of the right kind ----------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One call of a capability, as the contract makes it."""

    capability: type[Capability]
    name: str
    call: Callable[[Provider, Harness], Any]
    creates: bool  # it may create something on the network, so a lost answer is an unknown outcome
    reads_answer: bool = True  # it reads the answer's body (a delete may not)
    gone_is_done: bool = False  # a 404 means what it wanted is done (deleting what is already gone)


def stream_once(provider: Any, h: Harness) -> None:
    provider.stream_inbox(lambda page: None, threading.Event())


OPERATIONS = (
    Operation(Publishes, "publish", lambda p, h: p.publish(post(h), h.attempt(1)), creates=True),
    Operation(Publishes, "delete", lambda p, h: p.delete(h.published_post()), creates=False, reads_answer=False,
              gone_is_done=True),
    Operation(ReadsInbox, "fetch_inbox", lambda p, h: p.fetch_inbox(""), creates=False),
    Operation(ReadsMessages, "fetch_messages", lambda p, h: p.fetch_messages(""), creates=False),
    Operation(Searches, "search", lambda p, h: p.search("stoa", ""), creates=False),
    Operation(Streams, "stream_inbox", stream_once, creates=False, reads_answer=False),
    Operation(ReceivesPush, "set_webhook", lambda p, h: p.set_webhook("https://stoa.example/hooks/x/1/", "s3cret"),
              creates=False),
    Operation(Replies, "reply", lambda p, h: p.reply(h.message("comment"), "Thank you · תודה"), creates=True),
    Operation(Replies, "reply to a direct message", lambda p, h: p.reply(h.message("message"), "Yes!"),
              creates=True),
    Operation(Hides, "hide", lambda p, h: p.hide(h.message("comment")), creates=True),
)


def status(code: int, retry_after: int | None = None, native: bool = True):
    def fault(request: httpx.Request, handle: Callable, harness: Harness) -> httpx.Response:
        if native:
            return harness.error_answer(code, retry_after)
        headers = {"content-type": "text/html", **({"Retry-After": str(retry_after)} if retry_after else {})}
        return httpx.Response(code, text=f"<html><body><h1>{code}</h1>nginx</body></html>", headers=headers)

    return fault


def garbage(request: httpx.Request, handle: Callable, harness: Harness) -> httpx.Response:
    return httpx.Response(200, text="<html>Service temporarily unavailable</html>",
                          headers={"content-type": "text/html"})


def refused(request: httpx.Request, handle: Callable, harness: Harness) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def timeout_after_sending(request: httpx.Request, handle: Callable, harness: Harness) -> httpx.Response:
    handle(request)  # the network carries the request out; its answer never comes back
    raise httpx.ReadTimeout("timed out", request=request)


LOST = "unknown if it creates, else transient"
# A 403 is credentials refused, or (OAuth 2.0 networks) a permission the grant lacks.
FORBIDDEN = (ErrorKind.AUTHORIZATION, *(kind for kind in ErrorKind if kind.value == "permission"))
FAULTS: dict[str, tuple[Callable, str]] = {
    "400": (status(400), ErrorKind.PERMANENT),
    "401": (status(401), ErrorKind.AUTHORIZATION),
    "403": (status(403), FORBIDDEN),
    "404": (status(404), ErrorKind.PERMANENT),
    "408": (status(408), LOST),
    "413": (status(413), ErrorKind.PERMANENT),
    "429-retry-after": (status(429, retry_after=30), ErrorKind.RATE_LIMITED),
    "429": (status(429), ErrorKind.RATE_LIMITED),
    "500": (status(500), LOST),
    "502": (status(502), LOST),
    "503": (status(503), LOST),
    "proxy-401": (status(401, native=False), ErrorKind.AUTHORIZATION),
    "proxy-429-retry-after": (status(429, retry_after=30, native=False), ErrorKind.RATE_LIMITED),
    "proxy-502": (status(502, native=False), LOST),
    "proxy-413": (status(413, native=False), ErrorKind.PERMANENT),
    "garbage": (garbage, LOST),
    "connection-refused": (refused, ErrorKind.TRANSIENT),
    "timeout-after-sending": (timeout_after_sending, LOST),
}


def operations() -> list[Any]:
    return [pytest.param(key, op, name, id=f"{key}-{op.capability.__name__}.{op.name}-{name}")
            for key in NETWORKS for op in OPERATIONS if issubclass(get_provider_class(key), op.capability)
            for name in FAULTS]


@pytest.mark.parametrize(("key", "operation", "fault"), operations())
def test_errors_are_mapped_to_a_kind(key, operation, fault):
    h = harness(key)
    if operation.name == "delete" and not h.deletes:
        pytest.skip(f"{key}'s API cannot delete a post (test_a_network_that_cannot_delete_says_so_sending_nothing)")
    answer, expected = FAULTS[fault]
    if expected == LOST:
        expected = ErrorKind.UNKNOWN_OUTCOME if operation.creates else ErrorKind.TRANSIENT
    expected = expected if isinstance(expected, tuple) else (expected,)
    h.inject(answer, on_creating=operation.creates)
    where = f"{key} {operation.capability.__name__}.{operation.name} answered {fault}"
    try:
        operation.call(h.provider(), h)
    except ProviderError as error:
        assert h.faulty.fired, f"{where}: failed before the fault ({error.message})"
        assert error.kind in expected, f"{where}: {error.kind} ({error.message}), expected {expected}"
        assert error.message.strip(), f"{where}: an error without words"
        if fault.endswith("retry-after"):
            assert error.retry_after == 30, f"{where}: retry_after {error.retry_after}, the network said 30"
        return
    # Not an error: only where the answer's body was not needed, or a deletion of what is gone.
    assert h.faulty.fired, f"{where}: the operation never reached the network"
    tolerated = (fault == "garbage" and not operation.reads_answer) or (
        fault in ("404", "proxy-404") and operation.gone_is_done) or (
        operation.capability is Streams and fault in ("garbage", "timeout-after-sending"))
    assert tolerated, f"{where}: no ProviderError, expected {expected}"


@pytest.mark.parametrize(("key", "operation"), [
    pytest.param(key, op, id=f"{key}-{op.capability.__name__}.{op.name}") for key in NETWORKS
    for op in OPERATIONS if issubclass(get_provider_class(key), op.capability)])
def test_each_operation_works_against_the_fake_network_and_fits_in_the_rate_limits(key, operation):
    """The error tests mean something only if the same call succeeds when the network answers well. What its
    requests spend names only the network's declared limits, and fits in one window of each."""
    h = harness(key)
    if operation.name == "delete" and not h.deletes:
        pytest.skip(f"{key}'s API cannot delete a post (test_a_network_that_cannot_delete_says_so_sending_nothing)")
    provider = h.provider()
    provider.budget = budget = CountingBudget()
    operation.call(provider, h)
    limits = {limit.name: limit.limit for limit in get_provider_class(key).rate_limits}
    where = f"{key} {operation.capability.__name__}.{operation.name}"
    for cost in budget.costs:
        assert set(cost) <= set(limits), f"{where} spends {set(cost) - set(limits)}, which it does not declare"
        assert all(isinstance(points, int) and points >= 0 for points in cost.values()), f"{where}: {cost}"
    for name, limit in limits.items():
        assert sum(cost.get(name, 0) for cost in budget.costs) <= limit, f"{where} needs more {name} than a window"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_what_the_engine_prepays_for_a_post_is_what_the_request_that_creates_it_spends(key, capability):
    """The engine takes post_cost from the budget when it claims a publication; the request that creates the post
    spends it from there. A post_cost that differs from that request's cost would leave it spending from the
    database after all, or take points no request uses."""
    network = get_provider_class(key)
    if not network.post_cost:
        pytest.skip(f"{key} prepays nothing: its post spends when it is made")
    h = harness(key)
    provider = h.provider()
    provider.budget = budget = CountingBudget()
    provider.publish(post(h), h.attempt(1))
    assert set(network.post_cost) <= {limit.name for limit in network.rate_limits}
    assert dict(network.post_cost) == budget.costs[-1], f"{key}: the post's request spent {budget.costs[-1]}"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_a_network_that_cannot_delete_says_so_sending_nothing(key, capability):
    h = harness(key)
    if h.deletes:
        pytest.skip(f"{key} deletes; the error and operation tests hold it to that")
    h.inject(status(500), on_creating=False)
    error = failure(lambda: h.provider().delete(h.published_post()))
    assert error.kind == ErrorKind.PERMANENT and error.message.strip() and not h.faulty.fired


# -- Attempt keys and reconcile ----------------------------------------------------------------------


def reconciles(key: str) -> bool:
    return get_provider_class(key).reconcile is not Publishes.reconcile


SOON, LATE = timedelta(minutes=3), timedelta(minutes=75)  # within and past Mastodon's idempotency hour


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_a_network_that_cannot_look_up_posts_says_so_instead_of_guessing(key, capability):
    if reconciles(key):
        pytest.skip(f"{key} reconciles; the tests below hold it to that")
    h = harness(key)
    h.inject(timeout_after_sending, on_creating=True)
    assert failure(lambda: h.provider().publish(post(h), h.attempt(1))).kind == ErrorKind.UNKNOWN_OUTCOME
    assert failure(lambda: h.provider().reconcile(post(h), h.attempt(1))).kind == ErrorKind.UNKNOWN_OUTCOME


def reconciling(key: str) -> Harness:
    if not reconciles(key):
        pytest.skip(f"{key} cannot look up what an attempt published (reconcile raises UNKNOWN_OUTCOME)")
    return harness(key)


@pytest.mark.parametrize("later", [SOON, LATE], ids=["soon", "late"])
@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_reconcile_finds_what_an_attempt_created_when_its_answer_was_lost(key, capability, later):
    h = reconciling(key)
    attempt = h.attempt(1)
    h.inject(timeout_after_sending, on_creating=True)
    assert failure(lambda: h.provider().publish(post(h), attempt)).kind == ErrorKind.UNKNOWN_OUTCOME
    [created] = h.posts()
    h.at(STARTED + later)
    found = h.provider().reconcile(post(h), attempt)
    assert isinstance(found, Published), f"{key} Publishes.reconcile did not find the attempt's post"
    assert found.remote_id == created
    assert h.posts() == [created], f"{key} Publishes.reconcile published the attempt twice"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_the_same_attempt_publishes_at_most_once(key, capability):
    h = reconciling(key)
    attempt = h.attempt(1)
    first = h.provider().publish(post(h), attempt)
    try:
        again = h.provider().publish(post(h), attempt)
    except ProviderError:
        again = None
    assert h.posts() == [first.remote_id], f"{key} Publishes.publish posted one attempt twice"
    assert again is None or again.remote_id == first.remote_id


@pytest.mark.parametrize("later", [SOON, LATE], ids=["soon", "late"])
@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_reconcile_never_takes_another_attempts_post_with_the_same_text(key, capability, later):
    h = reconciling(key)
    lost = h.attempt(1)  # its request never reached the network
    h.inject(refused, on_creating=True)
    assert failure(lambda: h.provider().publish(post(h), lost)).kind == ErrorKind.TRANSIENT
    h.at(STARTED + timedelta(minutes=30))
    other = h.provider().publish(post(h), h.attempt(2, minutes=30))  # another publication half an hour on, same text
    h.at(STARTED + later)
    found = h.provider().reconcile(post(h), lost)
    assert found is None or found.remote_id != other.remote_id, (
        f"{key} Publishes.reconcile took another attempt's post for this attempt's")


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_reconcile_of_an_attempt_that_never_reached_the_network_finds_nothing_or_only_its_own(key, capability):
    h = reconciling(key)
    attempt = h.attempt(1)
    h.inject(refused, on_creating=True)
    failure(lambda: h.provider().publish(post(h), attempt))
    h.at(STARTED + SOON)
    found = h.provider().reconcile(post(h), attempt)  # nothing, or (re-sent under its key) its own one post
    assert len(h.posts()) == (0 if found is None else 1)


# -- validate() agrees with what publish() sends -------------------------------------------------------


PIECES = ("ש", "ל", "ו", "ם", " ", "م", "ر", "ح", "ب", "ا", "👩🏽‍💻", "é", "🎉", "ׁ")  # a shin dot: a mark


def text_of_length(provider: Provider, length: int) -> str:
    """Hebrew, Arabic, emoji and combining marks, exactly `length` long as the provider counts."""
    text = ""
    for piece in (PIECES[i % len(PIECES)] for i in range(length * 2)):
        if provider.text_length(text + piece) <= length and not (piece == "ׁ" and not text.endswith("ש")):
            text += piece
        if provider.text_length(text) == length:
            return text
    while provider.text_length(text) < length:
        text += "a"
    return text


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_a_draft_at_exactly_the_limit_is_accepted_and_sent_as_checked(key, capability):
    h = harness(key)
    provider = h.provider()
    limit = provider.effective_limits().max_text
    text = text_of_length(provider, limit)
    assert COUNTERS[provider.effective_limits().counts](text) == limit, f"{key} counts otherwise than it declares"
    draft = h.draft(text)
    assert provider.validate(draft) == [], f"{key} Publishes.validate refused a text of exactly {limit}"
    provider.publish(draft, h.attempt(1))
    assert [sent.text for sent in h.sent()] == [text], f"{key} Publishes.publish sent another text"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_a_draft_one_over_the_limit_is_refused_and_never_sent(key, capability):
    h = harness(key)
    provider = h.provider()
    limit = provider.effective_limits().max_text
    draft = h.draft(text_of_length(provider, limit) + "ש")
    assert [p.field for p in provider.validate(draft)] == ["text"], f"{key} Publishes.validate"
    assert failure(lambda: provider.publish(draft, h.attempt(1))).kind == ErrorKind.PERMANENT
    assert h.sent() == [], f"{key} Publishes.publish sent a draft validate refuses"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_a_draft_with_media_is_sent_with_the_text_and_media_validate_checked(key, capability):
    h = harness(key)
    provider = h.provider()
    if not provider.effective_limits().max_media:
        pytest.skip(f"{key} takes no media")
    draft = Draft(text="With a picture · עם תמונה", media=(h.image(),))
    assert provider.validate(draft) == []
    provider.publish(draft, h.attempt(1))
    [sent] = h.sent()
    assert sent.text == draft.text
    assert len(sent.alt_texts) == 1
    assert sent.alt_texts[0] in (None, draft.media[0].alt_text), f"{key} lost the image's description"


@pytest.mark.parametrize(("key", "capability"), declared(Publishes))
def test_media_validate_refuses_is_never_sent(key, capability):
    h = harness(key)
    provider = h.provider()
    limits = provider.effective_limits()
    too_many = Draft(text="Too many", media=tuple(h.image() for _ in range(limits.max_media + 1)))
    too_big = Draft(text="Too big", media=(MediaFile("big.png", "image/png", limits.max_media_bytes + 1, "",
                                                     lambda: b""),))
    for draft in (too_many, too_big):
        assert any(p.field == "media" for p in provider.validate(draft)), f"{key} Publishes.validate"
        assert failure(lambda d=draft: provider.publish(d, h.attempt(1))).kind == ErrorKind.PERMANENT
    assert h.sent() == []


# -- Shapes of what providers read ---------------------------------------------------------------------


KINDS = set(Kind.values)
READS = {ReadsInbox: lambda p, position: p.fetch_inbox(position),
         ReadsMessages: lambda p, position: p.fetch_messages(position),
         Searches: lambda p, position: p.search("stoa", position),
         ReadsHashtags: lambda p, position: p.hashtag_timeline("stoa", position)}


def check_incoming(item: Any, where: str) -> None:
    assert isinstance(item, Incoming), f"{where}: {item!r} is not an Incoming"
    assert isinstance(item.remote_id, str) and item.remote_id, f"{where}: remote_id {item.remote_id!r}"
    assert item.kind in KINDS, f"{where}: kind {item.kind!r} is not one of the inbox's {sorted(KINDS)}"
    assert isinstance(item.text, str), f"{where}: text"
    assert isinstance(item.author, Person) and item.author.remote_id, f"{where}: author {item.author!r}"
    assert item.written_at.tzinfo is not None and item.written_at.utcoffset() is not None, (
        f"{where}: written_at {item.written_at!r} is naive")
    for name in ("url", "parent_remote_id", "root_remote_id"):
        assert isinstance(getattr(item, name), str), f"{where}: {name}"


def check_page(page: Any, where: str) -> None:
    assert isinstance(page, InboxPage), f"{where}: {page!r} is not an InboxPage"
    assert isinstance(page.cursor, str), f"{where}: cursor {page.cursor!r} is not a str"
    assert isinstance(page.more, bool), f"{where}: more"
    assert isinstance(page.items, tuple), f"{where}: items is not a tuple"
    for item in page.items:
        check_incoming(item, where)
    assert isinstance(page.counts, tuple), f"{where}: counts is not a tuple"
    for found in page.counts:
        assert isinstance(found, PostCounts) and isinstance(found.remote_id, str) and found.remote_id, where
        for point in found.metrics:
            assert isinstance(point, MetricPoint) and point.name in POST_METRICS, f"{where}: counts {point!r}"
            assert point.measured_at.tzinfo is not None, f"{where}: naive measured_at"


@pytest.mark.parametrize(("key", "capability"), declared(*READS))
def test_inbox_pages_hold_incoming_messages_with_aware_times_and_a_cursor(key, capability):
    h = harness(key)
    where = f"{key} {capability.__name__}"
    page = READS[capability](h.provider(), "")
    check_page(page, where)
    assert page.items, f"{where}: the fake network holds a message, the page none"
    check_page(READS[capability](h.provider(), page.cursor), f"{where} (from its cursor)")


@pytest.mark.parametrize(("key", "capability"), declared(Streams))
def test_streamed_pages_have_the_shape_of_inbox_pages(key, capability):
    h = harness(key)
    pages: list[InboxPage] = []
    h.provider().stream_inbox(pages.append, threading.Event())
    assert pages, f"{key} Streams: nothing was handed over"
    for page in pages:
        check_page(page, f"{key} Streams")


@pytest.mark.parametrize(("key", "capability"), declared(ReceivesPush))
def test_pushed_calls_become_incoming_messages(key, capability):
    h = harness(key)
    page = h.provider().pushed(h.push_body())
    check_page(page, f"{key} ReceivesPush")
    assert page.items and page.cursor == "", f"{key} ReceivesPush.pushed"


@pytest.mark.parametrize(("key", "capability"), declared(ReceivesAppPush))
def test_app_pushes_are_signed_split_by_account_and_become_incoming_messages(key, capability):
    h = harness(key)
    provider = h.provider()
    headers, body = h.app_push("app-secret")
    provider_class = type(provider)
    assert provider_class.signature_valid(headers, body, "app-secret"), f"{key}: its own signature refused"
    assert not provider_class.signature_valid(headers, body, "another-secret"), f"{key}: a wrong secret accepted"
    assert not provider_class.signature_valid(headers, body + b" ", "app-secret"), f"{key}: a changed body accepted"
    assert not provider_class.signature_valid({}, body, "app-secret"), f"{key}: an unsigned call accepted"
    parts = provider_class.accounts_in(json.loads(body))
    account = h.connected()[0]["account_id"]
    assert list(parts) == [account], f"{key}: accounts_in should name the connected account"
    page = provider.pushed(parts[account])
    check_page(page, f"{key} ReceivesAppPush")
    assert page.items and page.cursor == "", f"{key} ReceivesAppPush.pushed"
    assert failure(lambda: provider_class.accounts_in({"something": "else"})).kind == ErrorKind.PERMANENT


@pytest.mark.parametrize(("key", "capability"), declared(ReceivesAppPush))
def test_the_subscription_check_is_answered_only_with_the_verify_token(key, capability):
    provider_class = get_provider_class(key)
    assert issubclass(provider_class, ReceivesAppPush)
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert provider_class.subscription_challenge(query, "verify-me") == "1158201444"
    assert provider_class.subscription_challenge(query, "another") is None
    assert provider_class.subscription_challenge({}, "verify-me") is None


@pytest.mark.parametrize(("key", "capability"), declared(ReadsMetrics))
def test_metrics_are_named_counts_at_an_aware_time(key, capability):
    h = harness(key)
    provider = h.provider()
    assert isinstance(provider, ReadsMetrics)
    for read, declared_names in ((lambda: provider.metrics(h.published_post()), provider.post_metrics),
                                 (provider.account_counts, provider.account_metrics)):
        points = read()
        assert [point.name for point in points] == list(declared_names), f"{key} ReadsMetrics: not what it declares"
        for point in points:
            assert isinstance(point, MetricPoint) and isinstance(point.value, int) and point.value >= 0
            assert point.measured_at.tzinfo is not None, f"{key} ReadsMetrics: naive measured_at"
    assert set(provider.post_metrics) <= set(POST_METRICS) and set(provider.account_metrics) <= set(ACCOUNT_METRICS)
    # Counts it sends unasked come with the inbox's pages (check_page), and never alongside counts it is asked for:
    # each snapshot holds every count the network gives.
    assert set(provider.pushed_post_metrics) <= set(POST_METRICS)
    assert not (provider.post_metrics and provider.pushed_post_metrics), f"{key}: post counts asked for and pushed"
    post = h.published_post()
    batch = provider.posts_metrics([post])
    assert list(batch) == [post.remote_id] and provider.metrics_per_request >= 1, f"{key} ReadsMetrics.posts_metrics"
    assert [point.name for point in batch[post.remote_id]] == list(provider.post_metrics)


@pytest.mark.parametrize(("key", "capability"), declared(ReadsEngagement))
def test_engagement_pages_list_people_with_a_cursor(key, capability):
    h = harness(key)
    for action in ("reply", "repost", "like"):
        page = h.provider().engaged(h.published_post(), action, "")
        assert isinstance(page, PeoplePage) and isinstance(page.cursor, str), f"{key} ReadsEngagement {action}"
        assert all(isinstance(person, Person) and person.remote_id for person in page.people)


# -- Authorizes: OAuth 2.0 authorization code with PKCE -----------------------------------------------------


APP = oauth2.ClientApp("contract-app", "contract-secret")  # the app Stoa acts as (the deployment's or a server's)
REDIRECT = "https://stoa.example/channels/oauth/callback/"
VERIFIER = "v" * 43 + "-._~verifier"  # RFC 7636: 43 to 128 of [A-Za-z0-9-._~]
CHALLENGE = oauth2.pkce_challenge(VERIFIER)


def asked(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    assert all(len(values) == 1 for values in query.values()), f"a parameter given twice in {url}"
    return {name: values[0] for name, values in query.items()}


def exchanged(h: Harness) -> tuple[Any, Grant]:
    provider = h.acting_as(APP)
    return provider, provider.exchange(CODE, REDIRECT, VERIFIER)


def refreshing(h: Harness) -> tuple[Any, Grant]:
    provider, grant = exchanged(h)
    if not grant.refresh:
        pytest.skip(f"{h.key} gives no refresh token: its access tokens live until revoked, nothing to refresh")
    return provider, grant


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_authorize_url_asks_for_a_code_for_the_app_with_the_pkce_challenge_as_given(key, capability):
    state = "state-Zx9_-"
    url = harness(key).acting_as(APP).authorize_url(REDIRECT, state, CHALLENGE)
    assert urlsplit(url).scheme == "https", f"{key} Authorizes.authorize_url: {url}"
    assert asked(url) | {"scope": ""} == {
        "response_type": "code", "client_id": APP.client_id, "redirect_uri": REDIRECT, "state": state,
        "code_challenge": CHALLENGE, "code_challenge_method": "S256", "scope": ""}, f"{key}: {url}"


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_exchange_sends_the_code_and_verifier_and_returns_a_grant_with_an_aware_expiry_or_none(key, capability):
    h = harness(key)
    _provider, grant = exchanged(h)
    [sent] = h.tokens.requests
    assert {name: sent.get(name) for name in ("grant_type", "code", "redirect_uri", "code_verifier", "client_id")} == {
        "grant_type": "authorization_code", "code": CODE, "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
        "client_id": APP.client_id}, f"{key} Authorizes.exchange sent {sent}"
    assert isinstance(grant, Grant) and isinstance(grant.access, str) and grant.access, f"{key}: {grant}"
    assert isinstance(grant.refresh, str) and all(isinstance(scope, str) for scope in grant.scopes)
    assert grant.expires_at is None or (grant.expires_at.utcoffset() is not None and grant.expires_at > clock.now()), (
        f"{key} Authorizes.exchange: expires_at {grant.expires_at!r} is naive or past")


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_a_code_used_already_is_refused_as_authorization(key, capability):
    h = harness(key)
    exchanged(h)
    error = failure(lambda: exchanged(h))
    assert error.kind == ErrorKind.AUTHORIZATION and not error.access_refused, f"{key}: {error.kind} {error.message}"


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(key, capability):
    h = harness(key)
    h.tokens.rotates = False
    provider, grant = refreshing(h)
    renewed = provider.refresh(grant)
    assert h.tokens.requests[-1].get("grant_type") == "refresh_token"
    assert h.tokens.requests[-1].get("refresh_token") == grant.refresh
    assert renewed.access and renewed.refresh == grant.refresh, f"{key} Authorizes.refresh lost the refresh token"
    assert renewed.expires_at is None or renewed.expires_at.utcoffset() is not None


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_a_refresh_that_rotates_the_refresh_token_takes_the_new_one(key, capability):
    h = harness(key)
    provider, grant = refreshing(h)
    renewed = provider.refresh(grant)
    assert renewed.refresh and renewed.refresh != grant.refresh, f"{key} Authorizes.refresh kept a used token"
    assert renewed.refresh in h.tokens.live
    assert provider.refresh(renewed).access, f"{key}: the rotated refresh token does not refresh"


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_a_refused_refresh_is_authorization_and_not_a_refused_access_token(key, capability):
    """stoa.channels.credentials marks the channel needs-reconnect on AUTHORIZATION from a refresh."""
    h = harness(key)
    provider, grant = refreshing(h)
    provider.refresh(grant)  # the network rotated it: the old refresh token is spent
    error = failure(lambda: provider.refresh(grant))
    assert error.kind == ErrorKind.AUTHORIZATION and not error.access_refused, f"{key}: {error.kind} {error.message}"


def refused_refresh(request: httpx.Request, handle: Callable, harness: Harness) -> httpx.Response:
    return refused_grant("The refresh token was revoked.")


TOKEN_FAULTS = {  # a token endpoint's failures: only a refused grant needs the person; the rest pass
    "invalid_grant": ErrorKind.AUTHORIZATION, "429-retry-after": ErrorKind.RATE_LIMITED,
    **{name: ErrorKind.TRANSIENT for name in ("500", "502", "503", "proxy-502", "garbage", "connection-refused",
                                              "timeout-after-sending")}}
TOKEN_CALLS = {"exchange": lambda provider, grant: provider.exchange(CODE, REDIRECT, VERIFIER),
               "refresh": lambda provider, grant: provider.refresh(grant)}


@pytest.mark.parametrize("fault", TOKEN_FAULTS)
@pytest.mark.parametrize("call", TOKEN_CALLS)
@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_token_endpoint_failures_are_mapped_and_only_a_refused_grant_asks_for_reconnecting(key, capability, call,
                                                                                           fault):
    h = harness(key)
    provider, grant = h.acting_as(APP), Grant("", "")
    if call == "refresh":
        provider, grant = refreshing(h)
    h.inject(refused_refresh if fault == "invalid_grant" else FAULTS[fault][0], on_creating=False)
    error = failure(lambda: TOKEN_CALLS[call](provider, grant))
    where = f"{key} Authorizes.{call} answered {fault}"
    assert h.faulty.fired, f"{where}: failed before the fault ({error.message})"
    assert error.kind == TOKEN_FAULTS[fault], f"{where}: {error.kind} ({error.message})"
    assert not error.access_refused and error.message.strip(), where


@pytest.mark.parametrize(("key", "capability"), declared(Authorizes))
def test_targets_are_accounts_with_an_id_and_a_name(key, capability):
    h = harness(key)
    provider, grant = exchanged(h)
    targets = provider.targets(grant)
    assert isinstance(targets, tuple) and targets, f"{key} Authorizes.targets: {targets!r}"
    for target in targets:
        assert isinstance(target, Account), f"{key} Authorizes.targets: {target!r}"
        assert isinstance(target.remote_id, str) and target.remote_id.strip(), f"{key}: remote_id {target.remote_id!r}"
        assert isinstance(target.name, str) and target.name.strip(), f"{key}: name {target.name!r}"
        assert oauth2.ACCESS not in target.settings and oauth2.CLIENT_SECRET not in target.settings, (
            f"{key}: a secret in a target's settings (they become the channel's config; see TARGET_CREDENTIALS)")


# -- RegistersApps: Stoa registers itself on the server a person names --------------------------------------


@pytest.mark.parametrize(("key", "capability"), declared(RegistersApps))
def test_registering_gives_an_app_that_authorizes_with_its_own_client_id(key, capability):
    h = harness(key)
    provider = h.naming_server(h.acting_as(APP).server_address())
    assert isinstance(provider, RegistersApps)
    server = provider.server_address()
    app = provider.register_app(REDIRECT, "Stoa", "https://stoa.example")
    assert isinstance(app, oauth2.ClientApp) and app.client_id and app.client_secret, f"{key}: {app}"
    assert h.registrations[-1].get("redirect_uris") == REDIRECT, f"{key} RegistersApps.register_app"
    authorizing = h.acting_as(app)
    assert isinstance(authorizing, RegistersApps) and authorizing.server_address() == server
    assert asked(authorizing.authorize_url(REDIRECT, "s", CHALLENGE))["client_id"] == app.client_id


@pytest.mark.parametrize("server", ["", "   ", "not a server", "ftp://files.example", "https://"])
@pytest.mark.parametrize(("key", "capability"), declared(RegistersApps))
def test_a_server_that_is_no_address_is_refused_before_any_request(key, capability, server):
    h = harness(key)
    provider = h.naming_server(server)
    assert isinstance(provider, RegistersApps)
    failure(provider.server_address)
    failure(lambda: provider.register_app(REDIRECT, "Stoa", "https://stoa.example"))
    assert not h.registrations, f"{key} RegistersApps sent a registration to {server!r}"


@pytest.mark.parametrize("fault", ["500", "502", "proxy-502", "garbage", "connection-refused"])
@pytest.mark.parametrize(("key", "capability"), declared(RegistersApps))
def test_a_failed_registration_is_transient(key, capability, fault):
    h = harness(key)
    provider = h.acting_as(APP)
    assert isinstance(provider, RegistersApps)
    h.inject(FAULTS[fault][0], on_creating=False)
    error = failure(lambda: provider.register_app(REDIRECT, "Stoa", "https://stoa.example"))
    assert h.faulty.fired and error.kind == ErrorKind.TRANSIENT, f"{key} answered {fault}: {error.kind}"


def test_every_capability_is_covered_by_the_contract():
    covered = {op.capability for op in OPERATIONS} | set(READS) | {ReadsMetrics, ReadsEngagement, Authorizes,
                                                                   RegistersApps, ReceivesAppPush, ReadsTrends}
    assert set(CAPABILITIES) <= covered
