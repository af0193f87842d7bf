"""Writes to posts and publications that people make (the engine's own are in publishing/engine.py)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stoa import clock
from stoa.channels.models import Channel, ChannelStatus
from stoa.errors import ActionError, cleaned
from stoa.posts.drafts import draft_for, draft_of
from stoa.posts.forms import ResolveForm
from stoa.posts.media_files import inspect, sniff_content_type
from stoa.posts.models import (
    CAMPAIGN_LENGTH,
    CANCELLABLE_STATES,
    EDITABLE_STATES,
    ContentType,
    Media,
    Post,
    Publication,
    State,
    Variant,
    VariantMedia,
)
from stoa.posts.signals import content_edited
from stoa.posts.status import post_waits_for_approval
from stoa.posts.times import to_local, to_utc
from stoa.providers.base import Draft, Problem
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

OCCUPYING_STATES = (State.SCHEDULED, State.PUBLISHING, State.PUBLISHED)


@dataclass
class VariantInput:
    """One channel's version of a post; empty text and media mean the post's common ones."""

    channel_id: int
    text: str | None = None
    media_ids: list[int] | None = None
    options: dict = field(default_factory=dict)
    scheduled_at: datetime | None = None  # this channel's own time (its queue slot); else the post's


@dataclass
class ChannelCheck:
    """One channel's verdict on a post being written: what is wrong, and how much text is left."""

    channel: Channel
    draft: Draft  # what was checked, as the network would receive it; the composer's preview shows it
    problems: list[Problem]
    length: int
    limit: int
    scheduled_at: datetime | None = None

    @property
    def remaining(self) -> int:
        return self.limit - self.length

    @property
    def over(self) -> int:
        return max(0, self.length - self.limit)

    def messages(self) -> list[str]:
        """Each problem as one sentence that names the channel."""
        return [p.message if p.field in NAMED_FIELDS else f"{self.channel.name} ({p.field}): {p.message}"
                for p in self.problems]


@dataclass
class ResolvedVariant:
    index: int  # in the request, for error keys
    channel: Channel
    text: str
    media: list[Media]
    options: dict
    scheduled_at: datetime | None


# Problems whose message already names the channel.
NAMED_FIELDS = ("channel", "scheduled_at")


# -- Media --------------------------------------------------------------------------------


def check_upload_size(filename: str, size: int) -> None:
    """Refuse a file over the upload limit; callers ask before reading an upload into memory."""
    limit = settings.STOA_MAX_UPLOAD_BYTES
    if size > limit:
        raise ActionError({"file": [_("%(file)s is %(size)s; Stoa accepts at most %(max)s.")
                                    % {"file": filename, "size": filesizeformat(size), "max": filesizeformat(limit)}]})


def add_media(actor, workspace: Workspace, filename: str, data: bytes, alt_text: str = "") -> Media:
    """Keep an upload in the workspace's library, once its bytes show it is an image or video that opens."""
    check_upload_size(filename, len(data))
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ActionError({"file": [_("%(file)s is not a JPEG, PNG, GIF, WebP image or MP4 video.")
                                    % {"file": filename}]})
    info = inspect(filename, content_type, data)
    with transaction.atomic():
        media = Media(workspace=workspace, filename=filename[:255], content_type=content_type, size=len(data),
                      alt_text=alt_text, width=info.width, height=info.height,
                      duration_seconds=info.duration_seconds)
        media.file.save(filename, ContentFile(data), save=False)
        if info.thumbnail:
            extension = "png" if info.thumbnail.startswith(b"\x89PNG") else "jpg"
            media.thumbnail.save(f"thumb-{filename.rsplit('.', 1)[0]}.{extension}", ContentFile(info.thumbnail),
                                 save=False)
        media.save()
        audit(workspace.pk, actor, "media.added", media, filename=filename, size=len(data))
    return media


def set_alt_text(actor, media: Media, alt_text: str) -> Media:
    media.alt_text = alt_text.strip()
    media.save(update_fields=["alt_text"])
    audit(media.workspace_id, actor, "media.alt_text", media)
    return media


def delete_media(actor, media: Media) -> None:
    """Remove a file from the library; one that a post uses stays, so nothing planned loses its picture."""
    used = Post.objects.filter(variants__variantmedia__media=media).distinct().count()
    if used:
        raise ActionError({"media": [ngettext("%(file)s is used by %(count)d post; remove it there first.",
                                              "%(file)s is used by %(count)d posts; remove it there first.", used)
                                     % {"file": media.filename, "count": used}]})
    with transaction.atomic():
        audit(media.workspace_id, actor, "media.deleted", media, filename=media.filename)
        files = [(f.storage, f.name) for f in (media.file, media.thumbnail) if f.name]
        media.delete()
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


# -- Validation ---------------------------------------------------------------------------


def check_channel(channel: Channel, draft: Draft, when: datetime | None = None,
                  exclude_id: int | None = None) -> ChannelCheck:
    """The channel's state, its network's rules and, given a time, its posting rules, against the draft."""
    problems = []
    if channel.status != ChannelStatus.ACTIVE:
        problems.append(Problem("channel", _("%(channel)s is %(status)s: %(reason)s.") % {
            "channel": channel.name, "status": str(channel.get_status_display()).lower(),
            "reason": channel.status_reason or _("reconnect it first")}))
    provider = channel.provider()
    problems += provider.validate(draft)
    if when:
        problems += [Problem("scheduled_at", m) for m in rule_problems(channel, when, exclude_id=exclude_id)]
    length, limit = provider.text_budget(draft)
    return ChannelCheck(channel, draft, problems, length, limit, when)


def channel_problems(channel: Channel, draft: Draft) -> list[str]:
    """What the channel's network says is wrong with the draft, each naming the channel."""
    return check_channel(channel, draft).messages()


def rule_problems(channel: Channel, when: datetime, exclude_id: int | None = None,
                  states=OCCUPYING_STATES) -> list[str]:
    """The channel's posting rules against what is already planned or published on it
    (only what went out, when the engine checks again at delivery)."""
    others = Publication.objects.filter(channel=channel, state__in=states)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    tz = channel.workspace.timezone
    problems = []
    if channel.min_gap_minutes:
        gap = timedelta(minutes=channel.min_gap_minutes)
        near = others.filter(scheduled_at__gt=when - gap, scheduled_at__lt=when + gap).order_by("scheduled_at")
        if clash := near.first():
            problems.append(
                ngettext("%(channel)s already has a post at %(time)s (%(tz)s); its rule is at least %(minutes)d "
                         "minute between posts.",
                         "%(channel)s already has a post at %(time)s (%(tz)s); its rule is at least %(minutes)d "
                         "minutes between posts.", channel.min_gap_minutes)
                % {"channel": channel.name, "tz": tz, "minutes": channel.min_gap_minutes,
                   "time": f"{to_local(clash.scheduled_at, tz):%Y-%m-%d %H:%M}"}
            )
    if channel.daily_max:
        local = to_local(when, tz)
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        same_day = others.filter(scheduled_at__gte=day_start, scheduled_at__lt=day_start + timedelta(days=1))
        if (count := same_day.count()) >= channel.daily_max:
            problems.append(
                " ".join([ngettext("%(channel)s allows at most %(max)d post a day;",
                                   "%(channel)s allows at most %(max)d posts a day;", channel.daily_max),
                          ngettext("%(count)d is already planned for %(day)s.",
                                   "%(count)d are already planned for %(day)s.", count)])
                % {"channel": channel.name, "max": channel.daily_max, "count": count, "day": f"{local:%Y-%m-%d}"}
            )
    return problems


def in_the_past(when: datetime) -> bool:
    """Too late to be scheduled at; a minute's grace for the time it takes to decide."""
    return when < clock.now() - timedelta(seconds=60)


def _check_time(when: datetime, field_name: str = "scheduled_at") -> None:
    if in_the_past(when):
        raise ActionError({field_name: [_("That time is in the past. Pick a future time, or publish now.")]})


# -- Posts ------------------------------------------------------------------------------


def _resolve_variants(workspace: Workspace, text: str, media_ids: list[int],
                      variants: list[VariantInput]) -> tuple[list[ResolvedVariant], dict]:
    """Channels and media of the request, looked up inside the workspace only."""
    errors: dict[str, list[str]] = {}
    if not variants:
        errors["variants"] = [_("Choose at least one channel.")]
    channels = {c.pk: c for c in Channel.objects.filter(workspace=workspace,
                                                        pk__in=[v.channel_id for v in variants])}
    wanted_media = set(media_ids) | {m for v in variants for m in (v.media_ids or [])}
    media = {m.pk: m for m in Media.objects.filter(workspace=workspace, pk__in=wanted_media)}
    resolved, seen = [], set()
    for i, v in enumerate(variants):
        channel = channels.get(v.channel_id)
        ids = media_ids if v.media_ids is None else v.media_ids
        if channel is None:
            errors.setdefault(f"variants[{i}].channel_id", []).append(
                _("No channel %(id)s in %(workspace)s.") % {"id": v.channel_id, "workspace": workspace.name})
            continue
        if channel.pk in seen:
            errors.setdefault(f"variants[{i}].channel_id", []).append(
                _("%(channel)s is listed twice.") % {"channel": channel.name})
            continue
        seen.add(channel.pk)
        if missing := [m for m in ids if m not in media]:
            errors.setdefault(f"variants[{i}].media_ids", []).append(
                _("No media %(ids)s in %(workspace)s.") % {"ids": missing, "workspace": workspace.name})
            continue
        resolved.append(ResolvedVariant(i, channel, text if v.text is None else v.text, [media[m] for m in ids],
                                        dict(v.options), v.scheduled_at))
    return resolved, errors


def _utc_time(when: datetime | None, workspace: Workspace, errors: dict) -> datetime | None:
    """A time of the request in UTC, or None with the reason added to `errors`."""
    if when is None:
        return None
    try:
        utc = to_utc(when, workspace.timezone)
        _check_time(utc)
    except ActionError as e:
        for key, messages in e.errors.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
        return None
    return utc


def check_post(workspace: Workspace, *, text: str = "", variants: list[VariantInput],
               media_ids: list[int] | None = None, scheduled_at: datetime | None = None,
               exclude_ids: dict[int, int] | None = None,
               alt_texts: dict[int, str] | None = None, post: Post | None = None,
               campaign: str = "") -> tuple[list[ResolvedVariant], list[ChannelCheck], dict]:
    """Everything wrong with a post before it is saved: the same checks answer the composer while
    someone types, the API's check endpoint, and create_post, so they never disagree.
    `exclude_ids` maps a channel to the publication being edited, which its posting rules ignore;
    `alt_texts` is alt text being typed, by media id, checked in place of the library's.
    `post` is the saved post gaining variants; `campaign` (trimmed) is checked for its length and fills a new
    post's links' UTM parameters (a saved one's links carry its own)."""
    resolved, errors = _resolve_variants(workspace, text, media_ids or [], variants)
    campaign = campaign.strip()
    errors |= campaign_problems(campaign)
    for m in {m for r in resolved for m in r.media}:
        m.alt_text = (alt_texts or {}).get(m.pk, m.alt_text)
    post_time = _utc_time(scheduled_at, workspace, errors)
    checks = []
    for r in resolved:
        r.scheduled_at = _utc_time(r.scheduled_at, workspace, errors) if r.scheduled_at else post_time
        draft = draft_of(workspace, text=r.text, media=r.media, options=r.options, channel=r.channel,
                         post=post or Post(workspace=workspace, campaign=campaign))
        check = check_channel(r.channel, draft, r.scheduled_at, (exclude_ids or {}).get(r.channel.pk))
        checks.append(check)
        if check.problems:
            errors[f"variants[{r.index}]"] = check.messages()
    return resolved, checks, errors


def create_post(actor, workspace: Workspace, *, text: str = "", variants: list[VariantInput],
                media_ids: list[int] | None = None, scheduled_at: datetime | None = None,
                title: str = "", content_type: str = ContentType.OTHER, tags: list[str] | None = None,
                campaign: str = "") -> Post:
    """A post with a variant and a publication per channel: scheduled at `scheduled_at` (a naive
    time is local to the workspace) or at a variant's own time, or a draft when neither is given.
    All-or-nothing."""
    _check_content_type(content_type)
    campaign = campaign.strip()
    resolved, _checks, errors = check_post(workspace, text=text, variants=variants, media_ids=media_ids,
                                           scheduled_at=scheduled_at, campaign=campaign)
    if errors:
        raise ActionError(errors)
    with transaction.atomic():
        post = Post.objects.create(workspace=workspace, title=title, content_type=content_type,
                                   tags=clean_tags(tags or []), campaign=campaign, created_by=actor)
        _save_variants(actor, post, resolved)
        audit(workspace.pk, actor, "post.created", post, channels=[r.channel.name for r in resolved])
    return post


def add_variants(actor, post: Post, *, text: str, variants: list[VariantInput], media_ids: list[int] | None = None,
                 scheduled_at: datetime | None = None) -> Post:
    """More channels for a saved post, checked like a new one; its approval starts again."""
    taken = set(post.variants.values_list("channel_id", flat=True))
    if clash := [v.channel_id for v in variants if v.channel_id in taken]:
        raise ActionError({"variants": [_("The post already goes to channel %(ids)s.") % {"ids": clash}]})
    resolved, _checks, errors = check_post(post.workspace, text=text, variants=variants, media_ids=media_ids,
                                           scheduled_at=scheduled_at, post=post)
    if errors:
        raise ActionError(errors)
    with transaction.atomic():
        _save_variants(actor, post, resolved)
        content_edited.send(Post, actor=actor, post=post)
    return post


def _save_variants(actor, post: Post, resolved: list[ResolvedVariant]) -> None:
    workspace = post.workspace
    for r in resolved:
        variant = Variant.objects.create(post=post, channel=r.channel, text=r.text, options=r.options)
        VariantMedia.objects.bulk_create(
            VariantMedia(variant=variant, media=m, position=n) for n, m in enumerate(r.media))
        when = r.scheduled_at
        publication = Publication.objects.create(
            variant=variant, channel=r.channel, workspace=workspace,
            state=State.SCHEDULED if when else State.DRAFT, scheduled_at=when, next_attempt_at=when)
        audit(workspace.pk, actor, "publication.scheduled" if when else "publication.drafted",
              publication, channel=r.channel.name, scheduled_at=when.isoformat() if when else None)


def _check_content_type(content_type: str) -> None:
    if content_type not in ContentType.values:
        raise ActionError({"content_type": [_("Choose one of %(choices)s.")
                                            % {"choices": ", ".join(ContentType.values)}]})


def clean_tags(tags: list[str]) -> list[str]:
    """Tags as people type them ("#Winter, menu"): trimmed, without '#', each once, in order."""
    kept, seen = [], set()
    for tag in tags:
        tag = str(tag).strip().lstrip("#").strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag[:60])
    return kept


def campaign_problems(campaign: str) -> dict[str, list[str]]:
    """What is wrong with a campaign's name (trimmed): too long for its UTM parameter and its ROI rows."""
    if len(campaign) <= CAMPAIGN_LENGTH:
        return {}
    return {"campaign": [ngettext("The campaign is %(count)d character long; it may have at most %(max)d.",
                                  "The campaign is %(count)d characters long; it may have at most %(max)d.",
                                  len(campaign)) % {"count": len(campaign), "max": CAMPAIGN_LENGTH}]}


def update_post_details(actor, post: Post, *, title: str, content_type: str, tags: list[str], campaign: str) -> Post:
    """What the post is (title, content type, tags, campaign); not what it says, so approval stays as it is. The
    campaign fills its links' UTM parameters when a publication is sent, so a publication not sent yet goes out with
    the new one."""
    _check_content_type(content_type)
    campaign = campaign.strip()
    if problems := campaign_problems(campaign):
        raise ActionError(problems)
    post.title, post.content_type, post.tags = title[:200], content_type, clean_tags(tags)
    post.campaign = campaign
    post.save(update_fields=["title", "content_type", "tags", "campaign"])
    audit(post.workspace_id, actor, "post.details", post)
    return post


# -- Publications -------------------------------------------------------------------------


def _transition(actor, publication: Publication, allowed: Collection[str], action: str, **changes) -> Publication:
    """Move a publication out of one of `allowed` states, unless the engine moved it first."""
    with transaction.atomic():
        updated = Publication.objects.filter(pk=publication.pk, state__in=allowed).update(
            **changes, updated_at=clock.now())
        if not updated:
            publication.refresh_from_db()
            raise ActionError({"state": [
                _("Publication %(id)s is %(state)s and cannot be changed that way now.")
                % {"id": publication.pk, "state": str(publication.get_state_display()).lower()}
            ]})
        publication.refresh_from_db()
        when = ({"scheduled_at": publication.scheduled_at.isoformat()}
                if "scheduled_at" in changes and publication.scheduled_at else {})
        audit(publication.workspace_id, actor, action, publication, state=publication.state, **when)
    return publication


def _check_publishable(publication: Publication, when: datetime) -> None:
    channel = publication.channel
    problems = channel_problems(channel, draft_for(publication.variant, publication.workspace))
    problems += rule_problems(channel, when, exclude_id=publication.pk)
    if problems:
        raise ActionError({"publication": problems})


def schedule_publication(actor, publication: Publication, scheduled_at: datetime) -> Publication:
    """(Re)schedule a draft, scheduled, failed or missed publication at a new time."""
    when = to_utc(scheduled_at, publication.workspace.timezone)
    _check_time(when)
    _check_publishable(publication, when)
    return _transition(actor, publication, EDITABLE_STATES, "publication.scheduled", state=State.SCHEDULED,
                       scheduled_at=when, next_attempt_at=when, attempts=0, last_error="")


def edit_variant(actor, publication: Publication, *, text: str | None = None, media_ids: list[int] | None = None,
                 options: dict | None = None) -> Publication:
    """Change what a not-yet-published publication will say; checked like a new one."""
    variant = publication.variant
    media = variant.ordered_media()
    if media_ids is not None:
        found = {m.pk: m for m in Media.objects.filter(workspace_id=publication.workspace_id, pk__in=media_ids)}
        if missing := [m for m in media_ids if m not in found]:
            raise ActionError({"media_ids": [_("No media %(ids)s in %(workspace)s.")
                                          % {"ids": missing, "workspace": publication.workspace.name}]})
        media = [found[m] for m in media_ids]
    text = variant.text if text is None else text
    options = variant.options if options is None else options
    draft = draft_of(publication.workspace, text=text, media=media, options=options, channel=publication.channel,
                     post=variant.post)
    if problems := channel_problems(publication.channel, draft):
        raise ActionError({"variant": problems})
    with transaction.atomic():
        if not Publication.objects.select_for_update().filter(pk=publication.pk, state__in=EDITABLE_STATES).exists():
            raise ActionError({"state": [_("Publication %(id)s can no longer be edited.") % {"id": publication.pk}]})
        variant.text, variant.options = text, options
        variant.save(update_fields=["text", "options"])
        variant.variantmedia_set.all().delete()
        VariantMedia.objects.bulk_create(VariantMedia(variant=variant, media=m, position=n)
                                         for n, m in enumerate(media))
        audit(publication.workspace_id, actor, "variant.edited", variant, publication=publication.pk)
        content_edited.send(Post, actor=actor, post=variant.post)
    publication.refresh_from_db()
    return publication


def publish_now(actor, publication: Publication) -> Publication:
    now = clock.now()
    post = publication.variant.post
    if post_waits_for_approval(post):
        raise ActionError({"approval": [_("%(workspace)s publishes only approved posts; this one is %(state)s.") % {
            "workspace": publication.workspace.name, "state": str(post.get_approval_state_display()).lower()}]})
    _check_publishable(publication, now)
    return _transition(actor, publication, EDITABLE_STATES, "publication.publish_now", state=State.SCHEDULED,
                       scheduled_at=now, next_attempt_at=now, attempts=0, last_error="")


def cancel_publication(actor, publication: Publication) -> Publication:
    return _transition(actor, publication, CANCELLABLE_STATES, "publication.cancelled",
                       state=State.CANCELLED, reconcile_at=None)


def resolve_unknown(actor, publication: Publication, *, published: bool, url: str = "") -> Publication:
    """A person looked at the network: it went out (at `url`, a web address or nothing), or it did not and should
    go now."""
    if published:
        url = cleaned(ResolveForm({"url": url}))["url"]
        return _transition(actor, publication, {State.UNKNOWN}, "publication.resolved_published",
                           state=State.PUBLISHED, remote_url=url, published_at=clock.now(),
                           reconcile_at=None, last_error="")
    now = clock.now()
    return _transition(actor, publication, {State.UNKNOWN}, "publication.resolved_not_published",
                       state=State.SCHEDULED, next_attempt_at=now, reconcile_at=None, last_error="")
