"""The one small interface every network provider implements.

A provider speaks to one network's HTTP API with httpx. It knows nothing about the database:
the publishing engine gives it a Draft and an attempt (key and start time) and records what
comes back. Failures are raised as ProviderError with a kind that tells the engine what to do.
"""

from __future__ import annotations

import enum
import functools
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import httpx
import regex
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:  # a string, or a lazy translation (gettext_lazy) written in the reader's language
    from django_stubs_ext import StrOrPromise


class ErrorKind(enum.StrEnum):
    TRANSIENT = "transient"  # nothing was published; try again with backoff
    RATE_LIMITED = "rate_limited"  # nothing was published; try again after retry_after
    AUTHORIZATION = "authorization"  # credentials rejected; the channel needs reconnecting
    PERMISSION = "permission"  # the grant lacks a permission (scope) this call needs: grant it, nothing is revoked
    PERMANENT = "permanent"  # the network refuses this content; a person must change it
    UNKNOWN_OUTCOME = "unknown_outcome"  # the request may have been carried out: reconcile


class ProviderError(Exception):
    """A failure, said in words a social media manager understands."""

    def __init__(self, message: str, kind: ErrorKind, retry_after: float | None = None, *,
                 missing_permission: str = "", access_refused: bool = False):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_after = retry_after
        self.missing_permission = missing_permission  # PERMISSION: which one (a scope), when the network says
        # AUTHORIZATION for an OAuth 2.0 access token refused (HTTP 401): the owner of the credentials refreshes the
        # grant once and tries again, since our clock may think it still valid; a refused refresh is not this.
        self.access_refused = access_refused


@dataclass(frozen=True)
class MediaFile:
    filename: str
    content_type: str
    size: int
    alt_text: str
    # Loads the bytes only when the provider uploads them; two MediaFiles of one file are equal.
    read: Callable[[], bytes] = field(compare=False, repr=False)
    media_id: int | None = None  # the library item it is, for previews
    # Where the network can fetch the file, for the networks that take a URL rather than an upload (Instagram, Threads,
    # Facebook): a signed link that expires (stoa.posts.public_media), made when called; it raises ProviderError
    # (PERMANENT) when the deployment has no public address (see public_media_problems).
    public_url: Callable[[], str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Draft:
    """What to publish on one channel: the variant's text, media and network options."""

    text: str
    media: tuple[MediaFile, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    language: str = ""


@dataclass(frozen=True)
class Attempt:
    """One try at publishing. What it is made of is saved before the request is sent,
    so that reconcile() can find what this attempt created.

    `publication_id` and `number` (its publication's 1st, 2nd... attempt) tell attempts apart
    for certain, where a random key could collide once it is cut down to a network's few bits."""

    key: str
    started_at: datetime
    publication_id: int = 0
    number: int = 1


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str
    parts: tuple[str, ...] = ()  # ids of every part (thread posts, album messages), in order


@dataclass(frozen=True)
class Person:
    """Someone on the network, as a message to the brand names them."""

    remote_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""
    profile_url: str = ""
    follows_brand: bool | None = None  # None: the network did not say


@dataclass(frozen=True)
class Incoming:
    """One comment, mention or direct message, as the network gave it."""

    remote_id: str
    kind: str  # comment | mention | message | search (stoa.inbox.models.Kind)
    text: str
    author: Person
    written_at: datetime
    url: str = ""
    parent_remote_id: str = ""  # what it answers
    root_remote_id: str = ""  # where its conversation starts (the brand's post, for comments)
    deleted: bool = False  # the network says the author removed it
    edited: bool = False  # a new version of a message that may have been read before


@dataclass(frozen=True)
class ReplyTo:
    """The message a reply answers (or that is hidden), as the network knows it."""

    remote_id: str
    kind: str
    root_remote_id: str = ""
    author_id: str = ""
    author_handle: str = ""


@dataclass(frozen=True)
class Account:
    """What connect() learned: who we are on the network, and settings worth keeping."""

    remote_id: str
    name: str
    url: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricPoint:
    """One count the network gives for a published post or an account, at the time it was read."""

    name: str  # views | likes | reposts | replies | followers ...
    value: int
    measured_at: datetime


@dataclass(frozen=True)
class PostCounts:
    """Counts of one of the account's posts that the network sent unasked (ReadsMetrics.pushed_post_metrics: Telegram's
    reactions), as totals at the time of each point; `remote_id` as Stoa keeps the post's publication."""

    remote_id: str
    metrics: tuple[MetricPoint, ...]


@dataclass(frozen=True)
class InboxPage:
    items: tuple[Incoming, ...]
    cursor: str  # where to go on next time; "" when the network gives none
    more: bool = False  # another page is waiting now
    counts: tuple[PostCounts, ...] = ()  # what the same updates said of the account's posts (stoa.channels.signals)


# The counts Stoa keeps. A network gives some of them; one it does not give is never read as 0 (ReadsMetrics).
LIKES, REPOSTS, REPLIES, QUOTES, VIEWS = "likes", "reposts", "replies", "quotes", "views"
FOLLOWERS, FOLLOWING, POSTS = "followers", "following", "posts"
POST_METRICS = (LIKES, REPOSTS, REPLIES, QUOTES, VIEWS)
ACCOUNT_METRICS = (FOLLOWERS, FOLLOWING, POSTS)


def metric_point(network: str, name: str, value: Any, measured_at: datetime) -> MetricPoint:
    """A count as a network gave it, or ProviderError(TRANSIENT) when it is missing, no whole number or negative:
    garbage is refused where it is read, so it never reaches a series."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProviderError(f"{network} gave {name} as {str(value)[:40]!r}, not a count; nothing of this read is "
                            "kept.", ErrorKind.TRANSIENT)
    return MetricPoint(name, value, measured_at)


@dataclass(frozen=True)
class RecentPost:
    """One of the account's own posts as the network lists them (made by Stoa or not), with its counts."""

    published: Published
    published_at: datetime
    metrics: tuple[MetricPoint, ...]


@dataclass(frozen=True)
class TrendingTag:
    """A hashtag the network says is trending, with its newest day's uses and the accounts that used it."""

    name: str  # without '#'
    url: str
    uses: int
    accounts: int


@dataclass(frozen=True)
class PeoplePage:
    """People who engaged with a post, a page at a time."""

    people: tuple[Person, ...]
    cursor: str
    more: bool = False


@dataclass(frozen=True)
class Grant:
    """What an OAuth 2.0 authorization gave: the tokens, when the access token expires, and what it allows."""

    access: str
    refresh: str = ""
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectField:
    """A value a person enters to connect a channel. Secret ones are masked and never shown again;
    `sign_in` ones (a handle, a login email) are shown while typed but kept, like secrets, with the
    encrypted credentials, where the provider reads them. The others are the channel's config."""

    name: str
    label: StrOrPromise  # what the form calls it, and what its errors call it
    secret: bool = False
    required: bool = True
    help: StrOrPromise = ""  # one line under the field: an example, where to find it, what empty means
    sign_in: bool = False

    @property
    def in_credentials(self) -> bool:
        return self.secret or self.sign_in


@dataclass(frozen=True)
class OptionField:
    """A network option a person sets per post in the composer, kept in the variant's options."""

    name: str
    label: StrOrPromise
    kind: str = "text"  # text | choice | bool
    choices: tuple[tuple[str, StrOrPromise], ...] = ()


@dataclass(frozen=True)
class Problem:
    """One reason a draft cannot be published, tied to the field it is about."""

    field: str
    message: str


@dataclass(frozen=True)
class RateLimit:
    """One of a network's documented rate limits for an account: at most `limit` points in each window of `seconds`.
    A request spends the points Provider.request_cost() says (one request, or a write's weight)."""

    name: str
    limit: int
    seconds: int


class Spends(Protocol):
    """A channel's request budget (stoa.channels.budget), as the provider's requests spend it."""

    def spend(self, costs: Mapping[str, int]) -> None:
        """Take the points, or raise ProviderError(RATE_LIMITED) with how long to wait."""

    def rate_limited(self, retry_after: float | None) -> None:
        """The network answered 429: every caller waits."""


@dataclass(frozen=True)
class Limits:
    """Declared limits of a network, read by validation and shown to people."""

    max_text: int
    counts: str = "graphemes"  # graphemes | characters | utf16
    max_media: int = 4
    media_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
    max_media_bytes: int = 5 * 1024 * 1024
    max_caption: int | None = None  # a different text limit when media is attached


GRAPHEME = regex.compile(r"\X")
# A language tag as the networks take it (en, he, pt-BR, zh-Hans); lenient, it only keeps out what is none.
LANGUAGE_TAG = regex.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


def thread_part_too_long(length: int) -> str:
    """What is said of a part of a thread longer than the network allows; % with number, length, network and max."""
    return ngettext("Post %(number)d of the thread has %(length)d character; %(network)s allows %(max)d.",
                    "Post %(number)d of the thread has %(length)d characters; %(network)s allows %(max)d.", length)


def public_media_problems(network: str, draft: Draft) -> list[Problem]:
    """For a network that fetches media from a URL: a draft with media cannot be published while the deployment has no
    public address (settings.STOA_PUBLIC_BASE_URL), said where the composer shows media problems."""
    if not draft.media or settings.STOA_PUBLIC_BASE_URL:
        return []
    return [Problem("media", _("%(network)s fetches pictures and videos from Stoa at a public address, and this Stoa "
                               "has none. Ask whoever runs it to set STOA_PUBLIC_BASE_URL.") % {"network": network})]


def media_url(network: str, item: MediaFile) -> str:
    """The public address of a medium the network will fetch, or ProviderError(PERMANENT) when there is none."""
    if item.public_url is None:
        raise ProviderError(f"{network} fetches {item.filename} from a public address, and Stoa has none for it.",
                            ErrorKind.PERMANENT)
    return item.public_url()


def count_graphemes(text: str) -> int:
    """User-perceived characters: an emoji with joiners or a letter with its marks counts once."""
    return len(GRAPHEME.findall(text))


def count_utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# A grapheme that is an emoji: it holds a pictograph (with its modifiers and joiners), a flag's regional indicators or
# a keycap's combining mark (1️⃣), Unicode's own marks of emoji sequences (UTS #51).
EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def count_graphemes_emoji_utf8(text: str) -> int:
    """Graphemes, an emoji counting the UTF-8 bytes of all its code points (👩🏽‍💻: 4 + 4 + 3 + 4 = 15): how Threads
    counts (https://developers.facebook.com/docs/threads/posts, "Limitations": "Emojis are counted as the number of
    UTF-8 bytes"). Other letters, Hebrew and Arabic included, count one each: only emojis are said to count bytes."""
    return sum(len(grapheme.encode("utf-8")) if EMOJI.search(grapheme) else 1 for grapheme in GRAPHEME.findall(text))


COUNTERS: dict[str, Callable[[str], int]] = {
    "graphemes": count_graphemes,
    "characters": len,
    "utf16": count_utf16,
    "graphemes_emoji_utf8": count_graphemes_emoji_utf8,
}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One for every client Stoa makes: building one loads the certificate authorities, 19 ms of CPU each time,
    which a client per provider (each poll, each metrics read, each reply) paid anew."""
    return httpx.create_ssl_context()


def http_client(timeout: float | None = None) -> httpx.Client:
    """A client for talking to networks and services, with Stoa's timeout unless given another."""
    return httpx.Client(timeout=settings.STOA_HTTP_TIMEOUT_SECONDS if timeout is None else timeout,
                        verify=tls_context())


class Provider:
    """Base class. Subclasses set the class attributes and implement the network calls."""

    key: ClassVar[str]
    name: ClassVar[str]
    limits: ClassVar[Limits]
    # The network's own addresses by name ({"authorize": "https://www.facebook.com/v23.0/dialog/oauth", "api": ...}),
    # read through endpoint(), where settings.STOA_NETWORK_URLS may replace one (tests: the local OAuth 2.0 server).
    endpoints: ClassVar[Mapping[str, str]] = {}
    # The network fetches pictures and videos from a public URL rather than taking an upload (MediaFile.public_url):
    # without settings.STOA_PUBLIC_BASE_URL it can be sent text only, which the connect page says beforehand.
    media_by_url: ClassVar[bool] = False
    supports_threads: ClassVar[bool] = False  # later posts of a thread, or the brand's own first comment
    connect_fields: ClassVar[tuple[ConnectField, ...]] = ()
    option_fields: ClassVar[tuple[OptionField, ...]] = ()
    rate_limits: ClassVar[tuple[RateLimit, ...]] = ()  # the network's documented limits for one account

    def __init__(self, config: dict[str, Any], credentials: dict[str, Any], http: httpx.Client | None = None):
        self.config = dict(config)
        self.credentials = dict(credentials)
        self._http = http
        self.budget: Spends | None = None  # a channel's provider spends the channel's budget (Channel.provider)
        # Set by the owner of the channel's credentials (stoa.channels.credentials): renews a session the provider
        # keeps itself (Bluesky's; or opens it) under the channel's renewal lease, given the provider and its own way.
        self.session_renewal: Callable[[Provider, Callable[[], None]], None] | None = None

    @property
    def http(self) -> httpx.Client:
        """Made on first use: validating a draft, as the composer does on every keystroke, needs none."""
        if self._http is None:
            self._http = http_client()
        return self._http

    # -- What each network implements (what else it can do: stoa.providers.capabilities) -----

    def connect(self) -> Account:
        """Check the credentials against the network and learn the account and its limits."""
        raise NotImplementedError

    # -- Shared behaviour --------------------------------------------------------------

    @classmethod
    def endpoint(cls, name: str) -> str:
        """One of the network's addresses (`endpoints`), as settings.STOA_NETWORK_URLS may replace it."""
        replaced = getattr(settings, "STOA_NETWORK_URLS", {}).get(cls.key, {}).get(name)
        return str(replaced or cls.endpoints[name]).rstrip("/")

    def effective_limits(self) -> Limits:
        """The declared limits; providers whose server announces its own (Mastodon) override this."""
        return self.limits

    def text_length(self, text: str) -> int:
        return COUNTERS[self.effective_limits().counts](text)

    def visible_text(self, draft: Draft) -> str:
        """The text readers will see; networks with markup (Telegram) count this, not the markup."""
        return draft.text

    def text_budget(self, draft: Draft) -> tuple[int, int]:
        """How long the draft's text is, counted the way this network counts, and how long it may be."""
        limits = self.effective_limits()
        limit = limits.max_caption if draft.media and limits.max_caption else limits.max_text
        return self.text_length(self.visible_text(draft)), limit

    def validate(self, draft: Draft) -> list[Problem]:
        """Everything wrong with the draft for this network, without calling the network.
        Messages are in the active language: the composer shows them next to the field."""
        limits = self.effective_limits()
        problems = []
        length, max_text = self.text_budget(draft)
        if length > max_text:
            message = (ngettext("%(network)s allows %(max)d character; this text has %(length)d.",
                                "%(network)s allows %(max)d characters; this text has %(length)d.", max_text)
                       if limits.counts != "graphemes" else
                       ngettext("%(network)s allows %(max)d character (grapheme); this text has %(length)d.",
                                "%(network)s allows %(max)d characters (graphemes); this text has %(length)d.",
                                max_text))
            problems.append(Problem("text", message % {"network": self.name, "max": max_text, "length": length}))
        if not self.visible_text(draft).strip() and not draft.media:
            problems.append(Problem("text", _("Write some text or attach media.")))
        if len(draft.media) > limits.max_media:
            problems.append(Problem("media", ngettext("%(network)s takes at most %(max)d attachment; this post has "
                                                      "%(count)d.",
                                                      "%(network)s takes at most %(max)d attachments; this post has "
                                                      "%(count)d.", limits.max_media)
                                    % {"network": self.name, "max": limits.max_media, "count": len(draft.media)}))
        for item in draft.media:
            if item.content_type not in limits.media_types:
                problems.append(Problem("media", _("%(file)s: %(network)s does not accept %(type)s (it accepts "
                                                   "%(accepted)s).") % {
                    "file": item.filename, "network": self.name, "type": item.content_type,
                    "accepted": ", ".join(sorted(limits.media_types))}))
            elif item.size > limits.max_media_bytes:
                problems.append(Problem("media", _("%(file)s is %(size).1f MB; %(network)s accepts at most "
                                                   "%(max).1f MB.") % {
                    "file": item.filename, "size": item.size / 1e6, "network": self.name,
                    "max": limits.max_media_bytes / 1e6}))
        if draft.language and not LANGUAGE_TAG.fullmatch(draft.language):
            problems.append(Problem("options.language", _("Give a language code such as en, he, ar, fa, el or ru.")))
        if draft.options.get("thread") and not self.supports_threads:
            problems.append(Problem("options.thread", _("%(network)s does not support threads.")
                                    % {"network": self.name}))
        problems.extend(self.validate_network_specific(draft))
        return problems

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        return []

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        """Turn a failed response into a ProviderError. `creating` is True when the request may
        have created something, so a server error there is an unknown outcome."""
        status = response.status_code
        detail = describe_response(response)
        if status == 429:
            return ProviderError(f"{self.name} is rate limiting this account: {detail}",
                                 ErrorKind.RATE_LIMITED, retry_after=retry_after_seconds(response))
        if status in (401, 403):
            return ProviderError(f"{self.name} rejected the credentials: {detail}", ErrorKind.AUTHORIZATION)
        if status >= 500 or status == 408:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            return ProviderError(f"{self.name} had a server error ({status}): {detail}", kind)
        return ProviderError(f"{self.name} refused the request ({status}): {detail}", ErrorKind.PERMANENT)

    def request(self, method: str, url: str, *, creating: bool = False, **kwargs: Any) -> httpx.Response:
        """Send a request and classify transport failures: a failure to connect published
        nothing (transient); a timeout or broken answer after sending is an unknown outcome
        when the request creates something."""
        if self.budget is not None:
            self.budget.spend(self.request_cost(method, url, **kwargs))
        try:
            response = self.http.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
            raise ProviderError(f"Could not reach {self.name}: {type(e).__name__}", ErrorKind.TRANSIENT) from e
        except httpx.TransportError as e:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            raise ProviderError(f"{self.name} did not answer properly ({type(e).__name__})", kind) from e
        if response.is_error:
            error = self.error_from_response(response, creating=creating)
            if error.kind == ErrorKind.RATE_LIMITED and self.budget is not None:
                self.budget.rate_limited(error.retry_after)
            raise error
        return response

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        """The points a request (its method, URL and httpx arguments) spends of each of the network's rate limits: by
        default one of each."""
        return {limit.name: 1 for limit in self.rate_limits}

    def json(self, response: httpx.Response, *, creating: bool = False) -> Any:
        """The JSON body, or a clear error when the network answered garbage."""
        try:
            return response.json()
        except ValueError as e:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            raise ProviderError(f"{self.name} answered with something that is not JSON: "
                                f"{response.text[:120]!r}", kind) from e


def describe_response(response: httpx.Response) -> str:
    """The network's own error message where it gives one, kept short; never the request."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error_description", "description", "error"):
            if isinstance(value := body.get(key), str):
                return value[:300]
    return str(body)[:200]


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value and value.strip().isdigit():
        return float(value)
    return None


def aware(moment: datetime) -> datetime:
    """A time with its zone; a naive one is taken as UTC (the engine's times are aware already)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as the networks write it ("...Z" included); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None
