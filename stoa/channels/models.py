from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.crypto import decrypt_json, encrypt_json
from stoa.workspaces.models import Workspace

if TYPE_CHECKING:
    import httpx

    from stoa.channels.forms import ConnectForm
    from stoa.providers.base import Provider


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")
    DISABLED = "disabled", _("Disabled")


class Channel(models.Model):
    """One account, page, group or channel on one network, in one workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    network = models.CharField(max_length=32, help_text="Provider key: bluesky, mastodon, telegram...")
    name = models.CharField(max_length=200)
    # Public settings of the connection (server URL, chat id) and what connect() learned
    # (account id, handle, the instance's limits).
    config = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, default="")
    # Bumped by every save of the credentials (stoa.channels.credentials), which writes only over the version it read.
    credentials_version = models.PositiveIntegerField(default=0)
    # A renewal of the credentials (an OAuth 2.0 refresh, a Bluesky sign-in) is the worker's that claimed it until
    # then: claimed and released by quick updates, the network call made outside any transaction, so a worker killed
    # mid-renewal only delays the next one until this time (stoa.channels.credentials).
    credentials_renewing_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE)
    status_reason = models.TextField(blank=True, default="")
    # Posting rules: 0 means no rule.
    min_gap_minutes = models.PositiveIntegerField(default=0)
    daily_max = models.PositiveIntegerField(default=0)
    # A read of the channel's inbox holds it until then (a lease: a worker killed mid-read does not stop the
    # channel from being read again, it only delays the next read until this time).
    inbox_read_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reconnect_form: ConnectForm | None  # not stored: the channels page's form to sign in again

    class Meta:
        ordering = ["workspace_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"

    @property
    def network_name(self) -> str:
        from stoa.providers.registry import PROVIDERS, get_provider_class

        return get_provider_class(self.network).name if self.network in PROVIDERS else self.network

    @property
    def label(self) -> str:
        """The channel in a list of channels of several workspaces, where two of them may share a name (the brand's
        handle on two networks, or in two workspaces): "Kafe Yafo · Bluesky · Kafe Yafo Jaffa". The names are
        isolated (U+2068..U+2069), so a Hebrew or Arabic name does not reorder the rest of the line."""
        return f"\u2068{self.name}\u2069 · {self.network_name} · \u2068{self.workspace.name}\u2069"

    @property
    def credentials(self) -> dict:
        return decrypt_json(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        self.credentials_encrypted = encrypt_json(value)

    def provider(self, http: httpx.Client | None = None) -> Provider:
        """The network's provider on the credentials as this object has them; stoa.channels.credentials.using()
        gives one on fresh ones, and keeps what changes."""
        from stoa.providers.registry import get_provider_class

        provider = get_provider_class(self.network)(config=self.config, credentials=self.credentials, http=http)
        if self.pk:  # its requests spend the channel's budget, shared with every other process
            from stoa.channels.budget import ChannelBudget

            provider.budget = ChannelBudget(self, provider.rate_limits, provider.name)
        return provider


class OAuthApp(models.Model):
    """The app Stoa acts as on a network that connects by OAuth 2.0: the deployment's own, entered by an
    administrator (`server` blank), or one Stoa registered itself on a server a person named (Mastodon), kept for
    every later account on that server. App credentials from the environment are never stored here."""

    network = models.CharField(max_length=32)
    server = models.CharField(max_length=300, blank=True, default="")  # https://mastodon.social, or blank
    redirect_uri = models.CharField(max_length=500, blank=True, default="")  # what a registered app was made for
    client_id = models.CharField(max_length=300)
    client_secret_encrypted = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "server", "redirect_uri"], name="one_app_per_place")]

    def __str__(self) -> str:
        return f"{self.network} app {self.server or '(deployment)'}"

    @property
    def client_secret(self) -> str:
        return str(decrypt_json(self.client_secret_encrypted).get("client_secret", ""))

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = encrypt_json({"client_secret": value})


class RequestWindow(models.Model):
    """How much of one of its network's rate limits a channel has spent lately, shared by every process that talks to
    the network as the channel (stoa.channels.budget): what each of the last three half-windows used."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="request_windows")
    name = models.CharField(max_length=40)  # the provider's RateLimit.name
    window_start = models.DateTimeField()  # of the latest half-window anything was spent in
    used = models.PositiveIntegerField(default=0)  # in that half-window
    previous = models.PositiveIntegerField(default=0)  # in the half-window before it
    earlier = models.PositiveIntegerField(default=0)  # in the one before that
    blocked_until = models.DateTimeField(null=True, blank=True)  # the network answered 429: nobody calls before it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="one_request_window_per_limit")]

    def __str__(self) -> str:
        spent = f"{self.earlier}, {self.previous}, {self.used}"
        return f"{self.channel_id} {self.name}: {spent} in the half-windows up to {self.window_start:%H:%M:%S}"
