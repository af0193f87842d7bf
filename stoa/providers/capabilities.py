"""What a provider can do, declared by inheriting one class per capability.

A provider lists its capabilities in its class statement (`class BlueskyProvider(Provider, Publishes, Searches)`);
callers ask `stoa.providers.registry.supports()` or `providers_with()`, or narrow an instance with `isinstance`,
never by looking for a method. Each capability is an abstract base class rather than a runtime-checkable Protocol:
a Protocol's isinstance check is structural (a method of the same name passes it, declared or not), while an ABC is
only what a provider says it is, and a declared capability whose methods are missing cannot be instantiated.

Engagement sketches the methods later work fills in; no provider declares it until it implements it.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from stoa.providers.base import (
    Account,
    Attempt,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    MetricPoint,
    PeoplePage,
    ProviderError,
    Published,
    RecentPost,
    ReplyTo,
    TrendingTag,
)
from stoa.providers.oauth2 import ClientApp

if TYPE_CHECKING:  # a string, or a lazy translation (gettext_lazy) written in the reader's language
    from django_stubs_ext import StrOrPromise


class Capability(abc.ABC):  # noqa: B024 - a marker: the capabilities below hold the methods
    """Something a provider can do on its network."""

    name: ClassVar[str]  # the network's name, from the provider


class Publishes(Capability):
    """Posts as the brand, and takes them down."""

    # What the request that creates a one-part post spends of the rate limits (Provider.request_cost): the engine
    # takes it from the channel's budget when it claims the publication (stoa.channels.budget.prepay). Empty: that
    # request spends when it is made, as any other does.
    post_cost: ClassVar[Mapping[str, int]] = {}

    @abc.abstractmethod
    def publish(self, draft: Draft, attempt: Attempt) -> Published: ...

    @abc.abstractmethod
    def delete(self, published: Published) -> None: ...

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        """After an unknown outcome: what the attempt published, or None if it published nothing.
        Raises ProviderError(UNKNOWN_OUTCOME) when the network cannot tell, as this default does."""
        raise ProviderError(
            f"{self.name} offers no way to check whether this was published. "
            "Look at the channel, then mark it published or publish it again.",
            ErrorKind.UNKNOWN_OUTCOME,
        )


class ReadsInbox(Capability):
    """Reads the account's notifications: comments and mentions, from a cursor."""

    @abc.abstractmethod
    def fetch_inbox(self, position: str) -> InboxPage: ...


class ReadsMessages(Capability):
    """Reads direct messages to the brand, from a cursor."""

    @abc.abstractmethod
    def fetch_messages(self, position: str) -> InboxPage: ...


class Searches(Capability):
    """Finds public posts that name the brand, from a cursor per query."""

    @abc.abstractmethod
    def search(self, query: str, position: str) -> InboxPage: ...


class ReadsHashtags(Capability):
    """Reads a hashtag's public timeline newer than `position`, without the brand's own posts."""

    @abc.abstractmethod
    def hashtag_timeline(self, tag: str, position: str) -> InboxPage: ...


class ReadsTrends(Capability):
    """The hashtags trending on the network (on Mastodon: on the account's server)."""

    @abc.abstractmethod
    def trending_tags(self) -> tuple[TrendingTag, ...]: ...


class Streams(Capability):
    """Hands over messages as they happen, over a connection kept open until `stop` is set."""

    @abc.abstractmethod
    def stream_inbox(self, handle: Callable[[InboxPage], None], stop: threading.Event) -> None: ...


class ReceivesPush(Capability):
    """The network calls Stoa with each new message, carrying a secret Stoa chose (stoa.channels.push).

    Where the secret travels is the network's: an HTTP header (`push_secret_header`, Telegram's), or a field of the
    JSON body (`push_secret_field`, VK's Callback API). A network that checks the address before it sends anything
    (VK's confirmation) is answered by `handshake`, and one that wants a word back for each call (VK: "ok") names it
    in `push_acknowledgement`."""

    push_secret_header: ClassVar[str] = "X-Stoa-Push-Secret"  # the HTTP header in which the network sends it
    push_secret_field: ClassVar[str] = ""  # or the field of the JSON body that carries it, when the network says so
    push_acknowledgement: ClassVar[str] = ""  # the plain text each call is answered with; "" answers {"ok": true}
    push_secret_bytes: ClassVar[int] = 48  # the secret's randomness (secrets.token_urlsafe); fewer for a short field

    @abc.abstractmethod
    def set_webhook(self, url: str, secret: str) -> None:
        """Have the network send its messages to `url`, each with `secret`."""

    @abc.abstractmethod
    def pushed(self, body: dict[str, Any]) -> InboxPage:
        """What one call the network made (whose secret has been checked) carries: messages, and counts of the
        account's posts where the network sends them (InboxPage.counts); its cursor is "". ProviderError(PERMANENT)
        for a body that is none of the network's calls."""

    def handshake(self, body: dict[str, Any]) -> str | None:
        """What to answer, as plain text, when the call (whose secret has been checked) is the network checking the
        address rather than carrying messages; None for every other call, as for every network without one."""
        return None


class ReceivesAppPush(Capability):
    """The network calls one address per network, /hooks/<network>/, for the deployment's app, with what happened on any
    of the accounts connected through that app (Meta's webhooks: Facebook Pages, Instagram, Threads). The call is
    signed with the app's secret; Stoa checks the signature (`signature_valid`) before it reads anything, splits the
    call by account (`accounts_in`) and gives each part to the channel whose config's account_id it names (`pushed`).
    The endpoint is stoa/inbox/app_push.py."""

    @classmethod
    @abc.abstractmethod
    def signature_valid(cls, headers: Mapping[str, str], body: bytes, app_secret: str) -> bool:
        """Whether the call carries the app's signature of exactly this body (Meta: X-Hub-Signature-256)."""

    @classmethod
    @abc.abstractmethod
    def subscription_challenge(cls, query: Mapping[str, str], verify_token: str) -> str | None:
        """The network checking the address when the app's webhook is set up (Meta: GET with hub.mode=subscribe,
        hub.verify_token and hub.challenge): what to answer, or None when the query is not that or its token is not
        `verify_token`."""

    @classmethod
    @abc.abstractmethod
    def accounts_in(cls, body: Any) -> dict[str, Any]:
        """The call's parts by the account they concern (the id a channel keeps as config["account_id"]); raises
        ProviderError(PERMANENT) for a body that is none of the network's calls."""

    @abc.abstractmethod
    def pushed(self, part: Any) -> InboxPage:
        """One account's part of a call, as messages and counts (InboxPage; cursor "")."""

    def subscribe(self) -> None:
        """Have the network send this account's events to the app's webhook, where it must be asked per account (a
        Facebook Page: subscribed_apps); called when the channel is connected. By default nothing: the app's own
        subscription covers every account."""


class Replies(Capability):
    """Answers a message where it was written, as the brand."""

    @abc.abstractmethod
    def reply(self, to: ReplyTo, text: str) -> Published: ...


class Hides(Capability):
    """Hides a reply under the brand's post from other readers (it stays on the network)."""

    @abc.abstractmethod
    def hide(self, to: ReplyTo) -> None: ...


class ReadsMetrics(Capability):
    """Counts for a published post (likes, reposts, replies...) and for the account (followers...) as the network
    gives them now.

    A provider names the counts its network gives (`post_metrics`, `account_metrics`, from base.POST_METRICS and
    base.ACCOUNT_METRICS); every read returns each of them, or raises ProviderError (a count missing, no whole
    number or negative: base.metric_point). A count not named is one the network does not give: it is shown as
    "not available", never as 0. `metrics_note` says what the network keeps from a bot or app, in a sentence.

    Counts of a post that the network sends unasked, and cannot be asked for, are `pushed_post_metrics` instead
    (Telegram's reactions): they come on the inbox's pages (InboxPage.counts, read or pushed), and the sweep never asks
    for them. A network declares its post's counts one way or the other, not both, so each snapshot holds all of them.
    """

    post_metrics: ClassVar[tuple[str, ...]]  # what metrics() and posts_metrics() read when asked
    pushed_post_metrics: ClassVar[tuple[str, ...]] = ()  # what the network sends of a post by itself
    account_metrics: ClassVar[tuple[str, ...]]
    metrics_note: ClassVar[str] = ""
    metrics_per_request: ClassVar[int] = 1  # posts one request of posts_metrics reads

    @abc.abstractmethod
    def metrics(self, published: Published) -> tuple[MetricPoint, ...]: ...

    def posts_metrics(self, posts: Sequence[Published]) -> dict[str, tuple[MetricPoint, ...] | ProviderError]:
        """Each post's counts by its remote_id, or the error that kept them (PERMANENT: it is gone); at most
        `metrics_per_request` posts a request. An error that concerns every post (the account refused, the network
        asking to wait) is raised instead. This default reads one post at a time."""
        found: dict[str, tuple[MetricPoint, ...] | ProviderError] = {}
        for post in posts:
            try:
                found[post.remote_id] = self.metrics(post)
            except ProviderError as e:
                if e.kind not in (ErrorKind.PERMANENT, ErrorKind.TRANSIENT):
                    raise
                found[post.remote_id] = e
        return found

    @abc.abstractmethod
    def account_counts(self) -> tuple[MetricPoint, ...]:
        """The account's own counts (followers, following, posts) now."""

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        """The account's latest posts, newest first, with their counts; () where the network cannot list them."""
        return ()


class ReadsEngagement(Capability):
    """Who engaged with a published post: `action` is reply, repost or like."""

    @abc.abstractmethod
    def engaged(self, published: Published, action: str, position: str) -> PeoplePage: ...


class Authorizes(Capability):
    """Connects by OAuth 2.0 (authorization code with PKCE) instead of pasted credentials.

    The provider acts as the app in its config (`oauth2.CLIENT_ID`) and credentials (`oauth2.CLIENT_SECRET`). Where
    the deployment registers that app is said to its owners by `app_console` and `app_help`."""

    app_console: ClassVar[str] = ""  # the network's page where an app is registered
    app_help: ClassVar[StrOrPromise] = ""  # one short text: what to register there (kind of app, permissions)
    # Parameters of the network's answer on the redirect, beside code and state, that its token request needs (VK
    # ID's device_id): exchange_answer passes each one given to exchange as a keyword argument of that name.
    callback_fields: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str: ...

    @abc.abstractmethod
    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant: ...

    def exchange_answer(self, answer: Mapping[str, str], redirect_uri: str, code_verifier: str) -> Grant:
        """The network's answer on the redirect (its code, and the `callback_fields` it carries) exchanged for a
        grant. What exchange keeps in the provider's credentials (VK ID's device) is kept with the grant."""
        carried = {name: str(answer[name]) for name in self.callback_fields if answer.get(name)}
        return self.exchange(answer["code"], redirect_uri, code_verifier, **carried)

    @abc.abstractmethod
    def refresh(self, grant: Grant) -> Grant: ...

    @abc.abstractmethod
    def targets(self, grant: Grant) -> tuple[Account, ...]:
        """The accounts, pages or channels one grant may post as; each becomes a channel."""


class RegistersApps(Capability):
    """Registers Stoa as an app on the server a person names (Mastodon), so no app is set up per deployment."""

    server_field: ClassVar[str]  # the connect field that names the server

    @abc.abstractmethod
    def server_address(self) -> str:
        """The server named in the config, as the provider writes it; a ProviderError when it is no address."""

    @abc.abstractmethod
    def register_app(self, redirect_uri: str, client_name: str, website: str) -> ClientApp: ...

    @abc.abstractmethod
    def verify_app(self) -> None:
        """Whether the server still knows the app in the config and credentials (a server may forget it: its data
        restored from an old backup, the app deleted): a ProviderError of kind AUTHORIZATION when it does not."""


CAPABILITIES: tuple[type[Capability], ...] = (
    Publishes, ReadsInbox, ReadsMessages, Searches, ReadsHashtags, ReadsTrends, Streams, ReceivesPush, ReceivesAppPush,
    Replies, Hides, ReadsMetrics, ReadsEngagement, Authorizes, RegistersApps,
)
POLLED: tuple[type[Capability], ...] = (ReadsInbox, ReadsMessages, Searches)  # read on the inbox's schedule


def methods(capability: type[Capability]) -> tuple[str, ...]:
    """The methods a capability is made of."""
    return tuple(name for name, value in vars(capability).items() if callable(value) and not name.startswith("_"))


def cannot(network: str, capability: type[Replies | Hides]) -> str:
    """What a person is told when a network cannot answer or hide."""
    said = _("Stoa cannot answer on %(network)s yet.") if capability is Replies else _(
        "%(network)s offers no way to hide a reply.")
    return said % {"network": network}
