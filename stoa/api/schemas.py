from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

# Numbers the database can hold: ids are 64-bit, refused here when larger, naming their field, instead of failing in
# the database; counts and minutes are 32-bit (PostgreSQL's integer), refused by the forms that check them.
MAX_ID = 2**63 - 1  # the largest id the databases hold
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


# Every operation documents the error shape; 405, 429 and 500 answer in it too (stoa/api/errors.py).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class WorkspaceIn(Schema):
    # Documented here, checked by the workspace form (stoa/workspaces/forms.py) in the words the page uses.
    name: str = Field(..., json_schema_extra={"minLength": 1, "maxLength": 200})
    timezone: str = "UTC"
    language: str = "en"
    slug: str = ""


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    language: str


# A posting rule, 0 for none: documented here, checked by the channels page's form (stoa/channels/forms.py) in the
# words the page uses.
RULE_LIMITS: dict[str, Any] = {"minimum": 0, "maximum": 2**31 - 1}


class ChannelIn(Schema):
    network: str = Field(..., examples=["bluesky", "mastodon", "telegram"])
    name: str = ""
    config: dict[str, Any] = Field(default_factory=dict, description="pds_url, instance_url, chat_id...")
    credentials: dict[str, str] = Field(default_factory=dict,
                                        description="identifier + app_password, access_token, bot_token")
    min_gap_minutes: int = Field(0, json_schema_extra=RULE_LIMITS)
    daily_max: int = Field(0, json_schema_extra=RULE_LIMITS)


class ChannelRulesIn(Schema):
    min_gap_minutes: int = Field(..., json_schema_extra=RULE_LIMITS)
    daily_max: int = Field(..., json_schema_extra=RULE_LIMITS)


class ChannelOut(Schema):
    id: int
    workspace_id: int
    network: str
    name: str
    status: str
    status_reason: str
    min_gap_minutes: int
    daily_max: int


class MediaOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    alt_text: str


class VariantIn(Schema):
    channel_id: Id
    text: str | None = Field(None, description="This channel's own text; the post's text when omitted.")
    media_ids: list[Id] | None = None
    options: dict[str, Any] = Field(default_factory=dict, description='e.g. {"thread": ["part 2"]}')


class PostIn(Schema):
    text: str = ""
    media_ids: list[Id] = Field(default_factory=list)
    variants: list[VariantIn] = Field(..., min_length=1)
    scheduled_at: datetime | None = Field(
        None, description="Without an offset: local to the workspace. With one: that instant. "
                          "Omitted: a draft.")
    queue: bool = Field(False, description="Schedule each channel at its next free time slot "
                                           "(instead of scheduled_at).")
    title: str = ""
    content_type: str = "other"
    tags: list[str] = Field(default_factory=list)
    campaign: str = Field("", max_length=200, description="The marketing campaign: {campaign} in the workspace's "
                                                           "UTM parameters.")


class ChannelCheckOut(Schema):
    channel_id: int
    name: str
    network: str
    length: int = Field(..., description="The text's length, counted the way this network counts.")
    limit: int
    remaining: int
    scheduled_at: datetime | None
    problems: list[ErrorItem]


class PostCheckOut(Schema):
    ok: bool
    errors: list[ErrorItem] = Field(..., description="Problems that belong to no one channel.")
    channels: list[ChannelCheckOut]


class PublicationOut(Schema):
    id: int
    post_id: int
    workspace_id: int
    channel_id: int
    channel_name: str
    network: str
    state: str
    scheduled_at: datetime | None
    scheduled_local: str | None
    timezone: str
    attempts: int
    text: str
    options: dict[str, Any]
    last_error: str
    remote_id: str
    remote_url: str
    published_at: datetime | None


class PostOut(Schema):
    id: int
    workspace_id: int
    title: str
    content_type: str
    tags: list[str]
    campaign: str
    publications: list[PublicationOut]


class PostDetailsIn(Schema):
    """What the post is, not what it says: each field given is changed, each omitted stays as it is."""

    title: str | None = Field(None, max_length=200)
    content_type: str | None = None
    tags: list[str] | None = None
    campaign: str | None = Field(None, max_length=200, description="The marketing campaign: {campaign} in the "
                                                                   "workspace's UTM parameters of links not sent yet.")


class VariantEditIn(Schema):
    text: str | None = None
    media_ids: list[Id] | None = None
    options: dict[str, Any] | None = None


class RescheduleIn(Schema):
    scheduled_at: datetime


class ResolveIn(Schema):
    published: bool
    url: str = ""


class NetworkOut(Schema):
    key: str
    name: str
    max_text: int
    counts: str
    max_media: int
    max_caption: int | None
    media_types: list[str]
    max_media_bytes: int
    supports_threads: bool
    connect_fields: list[str]


class ImportErrorOut(Schema):
    line: int = Field(..., description="Physical line in the file; the header is line 1.")
    reasons: list[str]


class ImportReportOut(Schema):
    dry_run: bool
    created: list[int] = Field(..., description="Ids of the posts created (none in a dry run).")
    imported_lines: list[int] = Field(..., description="Lines imported, or that would be in a dry run.")
    errors: list[ImportErrorOut]
    duplicates: list[int] = Field(..., description="Lines that repeat a post already there; not imported.")
    ignored_columns: list[str]


class InboxAuthorOut(Schema):
    name: str
    handle: str
    profile_url: str
    follows_brand: bool | None


class InboxItemOut(Schema):
    id: int
    workspace_id: int
    channel_id: int
    network: str
    kind: str
    text: str
    url: str
    written_at: datetime
    author: InboxAuthorOut
    language: str
    sentiment: str
    intent: str
    status: str
    assigned_to: str | None
    team: str | None
    first_response_due: datetime | None
    first_response_at: datetime | None
    deleted_on_network: bool
    edited_at: datetime | None
    earlier_texts: list[str]
    hidden_reason: str


class InboxReplyIn(Schema):
    text: str
    confirmed: bool = Field(False, description="Send although the link policy asks for a confirmation.")


class InboxReplyOut(Schema):
    id: int
    text: str
    state: str = Field(..., description="sending, sent, failed or unknown (a person checks the network)")
    error: str
    remote_url: str


class InboxNoteIn(Schema):
    body: str


class InboxStatusIn(Schema):
    status: str = Field(..., examples=["done", "open"])


class InboxHandoffIn(Schema):
    note: str = ""


class InboxHandoffOut(Schema):
    id: int
    state: str
    target: str
    reference: str
    error: str


class InboxAssignIn(Schema):
    user_id: Id | None = Field(None, description="A member of the message's workspace")
    team_id: Id | None = Field(None, description="Or one of its teams; neither: the whole team")
