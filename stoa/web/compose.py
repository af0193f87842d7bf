"""The composer: a post written once, adapted per channel, checked by each network while it is typed.

The live checks, the submit and the API run the same check_post(), so what the page says while
typing is exactly what saving will say.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import global_settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.analytics.besttime import best_times
from stoa.analytics.dashboard import weekday_names
from stoa.approvals.actions import send_for_review
from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.planning.actions import next_free_slots
from stoa.planning.models import DailyTheme, PlanEvent
from stoa.posts import actions
from stoa.posts.access import access_post
from stoa.posts.drafts import LANGUAGE
from stoa.posts.models import EDITABLE_STATES, ContentType, Media, Post, Publication, State
from stoa.posts.queries import campaigns_in_use
from stoa.posts.times import parse_when, to_local, to_utc
from stoa.providers.base import Provider
from stoa.providers.registry import get_provider_class
from stoa.workspaces.access import Permission, access_workspace, allowed, check, chosen_workspace
from stoa.workspaces.models import Workspace

ACTIONS = ("draft", "review", "schedule", "queue", "now")
LIBRARY_SIZE = 60  # latest media offered in the composer; the library page has them all


@dataclass
class VariantForm:
    """One channel's part of the form, as the person left it."""

    channel: Channel
    chosen: bool
    own_text: bool  # edited on its own; otherwise it follows the common text
    text: str
    thread: list[str]
    options: dict
    publication: Publication | None = None
    check: actions.ChannelCheck | None = None

    @property
    def provider_class(self) -> type[Provider]:
        return get_provider_class(self.channel.network)

    @property
    def option_values(self) -> list[tuple]:
        """The network's options with what this variant has chosen, for the form."""
        return [(option, self.options.get(option.name, "")) for option in self.provider_class.option_fields]

    @property
    def locked(self) -> bool:
        """Already on its way or out: the composer shows it but does not change it."""
        return self.publication is not None and self.publication.state not in EDITABLE_STATES

    @property
    def language(self) -> str:
        """The language picked for this variant; empty: the language of its text."""
        return str(self.options.get(LANGUAGE, "") or "")

    @property
    def sent_language(self) -> str:
        """The language the network is told, as the check's Draft has it, by name."""
        return language_name(self.check.draft.language) if self.check else ""


@dataclass
class ComposerForm:
    workspace: Workspace
    text: str = ""
    title: str = ""
    content_type: str = ContentType.OTHER
    tags: str = ""
    campaign: str = ""  # trimmed; the {campaign} of the workspace's UTM parameters
    media_ids: list[int] = field(default_factory=list)
    scheduled_at: str = ""  # as typed: YYYY-MM-DDTHH:MM, local to the workspace
    variants: list[VariantForm] = field(default_factory=list)
    alt_texts: dict[int, str] = field(default_factory=dict)  # as typed under the chosen images, by media id
    preview_when: datetime | None = None  # the chosen time, for the previews (None: they say "now")

    @property
    def chosen(self) -> list[VariantForm]:
        return [v for v in self.variants if v.chosen]

    def when(self) -> datetime | None:
        return parse_when(self.scheduled_at) if self.scheduled_at.strip() else None

    def in_the_past(self) -> bool:
        """Its time has gone: scheduling is refused, publishing now is offered."""
        try:
            when = self.when()
            return when is not None and actions.in_the_past(to_utc(when, self.workspace.timezone))
        except ActionError:
            return False

    def tag_list(self) -> list[str]:
        return [t for t in self.tags.replace("\n", ",").split(",") if t.strip()]

    def variant_inputs(self, times: dict[int, datetime] | None = None) -> list[actions.VariantInput]:
        return [actions.VariantInput(v.channel.pk, v.text, None, variant_options(v),
                                     (times or {}).get(v.channel.pk)) for v in self.chosen]


def variant_options(v: VariantForm) -> dict:
    options = dict(v.options)
    if thread := [part for part in v.thread if part.strip()]:
        options["thread"] = thread
    return options


def read_options(provider_class, data, prefix: str, saved: dict | None = None) -> dict:
    """The network's declared options from the form; unset ones are left out. Options the form does
    not show (a language or link preview options set through the API) are kept from `saved`."""
    shown = {option.name for option in provider_class.option_fields} | {"thread"}
    options = {name: value for name, value in (saved or {}).items() if name not in shown}
    for option in provider_class.option_fields:
        name = f"{prefix}{option.name}"
        if option.kind == "bool":
            if data.get(name):
                options[option.name] = True
        elif value := data.get(name, "").strip():
            options[option.name] = value
    return options


def read_language(data, name: str, options: dict) -> dict:
    """The variant's language as picked in the form; empty for the language of its text. A form without
    the field (an older page, a script) leaves the saved one."""
    if name in data:
        options.pop(LANGUAGE, None)
        if chosen := data.get(name, "").strip():
            options[LANGUAGE] = chosen
    return options


def read_alt_texts(data) -> dict[int, str]:
    return {int(name[4:]): value.strip() for name, value in data.items() if name[:4] == "alt_" and name[4:].isdigit()}


def language_name(code: str) -> str:
    """'Hebrew (he)' in the reader's language; a code Django does not know, as it is."""
    try:
        return f"{get_language_info(code)['name_translated']} ({code})"
    except KeyError:
        return code


def language_choices(forms: list[VariantForm]) -> list[tuple[str, str]]:
    """The languages a variant may be said to be in, with any a variant already has that is not among them."""
    known = [(code, f"{name} ({code})") for code, name in global_settings.LANGUAGES]
    codes = {code for code, _name in known}
    return known + [(v.language, v.language) for v in forms if v.language and v.language not in codes]


def composer_channels(workspace: Workspace) -> list[Channel]:
    return list(Channel.objects.filter(workspace=workspace).order_by("name"))


def form_from_request(request: HttpRequest, workspace: Workspace, post: Post | None = None) -> ComposerForm:
    data = request.POST
    form = ComposerForm(workspace, text=data.get("text", ""), title=data.get("title", "").strip(),
                        content_type=data.get("content_type", ContentType.OTHER), tags=data.get("tags", ""),
                        # A form without the field (an older page, a script) leaves the saved one.
                        campaign=data.get("campaign", post.campaign if post else "").strip(),
                        media_ids=[int(m) for m in data.getlist("media") if m.isdigit()],
                        scheduled_at=data.get("scheduled_at", ""),
                        alt_texts=read_alt_texts(data))
    chosen = {int(c) for c in data.getlist("channels") if c.isdigit()}
    existing = existing_variants(post)
    for channel in composer_channels(workspace):
        own = data.get(f"own_{channel.pk}") == "1"
        provider_class = get_provider_class(channel.network)
        variant = existing.get(channel.pk)
        options = read_options(provider_class, data, f"option_{channel.pk}_", variant.options if variant else None)
        form.variants.append(VariantForm(
            channel, chosen=channel.pk in chosen or variant is not None, own_text=own,
            text=data.get(f"text_{channel.pk}", "") if own else form.text,
            thread=data.getlist(f"thread_{channel.pk}"),
            options=read_language(data, f"language_{channel.pk}", options),
            publication=getattr(variant, "publication", None)))
    return form


def existing_variants(post: Post | None) -> dict:
    if post is None:
        return {}
    return {v.channel_id: v for v in post.variants.select_related("publication")}


def form_from_post(post: Post) -> ComposerForm:
    """The composer filled with a saved post: the first variant's text is the common text."""
    existing = existing_variants(post)
    first = next(iter(sorted(existing.values(), key=lambda v: v.pk)), None)
    common = first.text if first else ""
    media = first.ordered_media() if first else []
    times = [v.publication.scheduled_at for v in existing.values() if v.publication.scheduled_at]
    when = to_local(min(times), post.workspace.timezone) if times else None
    form = ComposerForm(post.workspace, text=common, title=post.title, content_type=post.content_type,
                        tags=", ".join(post.tags), campaign=post.campaign, media_ids=[m.pk for m in media],
                        scheduled_at=f"{when:%Y-%m-%dT%H:%M}" if when else "")
    for channel in composer_channels(post.workspace):
        variant = existing.get(channel.pk)
        options = dict(variant.options) if variant else {}
        thread = options.pop("thread", [])
        form.variants.append(VariantForm(
            channel, chosen=variant is not None, own_text=bool(variant and variant.text != common),
            text=variant.text if variant else common, thread=thread, options=options,
            publication=variant.publication if variant else None))
    return form


def day_plan(form: ComposerForm) -> dict:
    """The content plan of the day the post is for (today without a time): its theme and events."""
    try:
        when = form.when()
    except ActionError:
        when = None
    day = when.date() if when else to_local(clock.now(), form.workspace.timezone).date()
    return {"day": day,
            "themes": DailyTheme.objects.filter(workspace=form.workspace, weekday=day.weekday()),
            "events": PlanEvent.objects.filter(workspace=form.workspace, starts_on__lte=day, ends_on__gte=day)}


def run_checks(form: ComposerForm) -> dict[str, list[str]]:
    """Each chosen channel's check on its variant, and the problems that belong to no channel."""
    when, errors = None, {}
    try:
        when = form.when()
    except ActionError as e:
        errors.update(e.errors)
    media = sorted(Media.objects.filter(workspace=form.workspace, pk__in=form.media_ids),
                   key=lambda m: form.media_ids.index(m.pk))
    chosen = [v for v in form.chosen if not v.locked]
    if not chosen:
        return errors | actions.campaign_problems(form.campaign)
    variant_inputs = [actions.VariantInput(v.channel.pk, v.text, [m.pk for m in media], variant_options(v))
                      for v in chosen]
    exclude = {v.channel.pk: v.publication.pk for v in chosen if v.publication}
    # The post being edited, whose number and campaign (as typed, not saved) its links' UTM parameters carry.
    post = next((v.publication.variant.post for v in form.variants if v.publication), None)
    if post is not None:
        post.campaign = form.campaign
    _resolved, checks, found = actions.check_post(form.workspace, text=form.text, variants=variant_inputs,
                                                  scheduled_at=when, exclude_ids=exclude, alt_texts=form.alt_texts,
                                                  post=post, campaign=form.campaign)
    by_channel = {c.channel.pk: c for c in checks}
    for v in chosen:
        v.check = by_channel.get(v.channel.pk)  # its draft is what the preview shows
    with contextlib.suppress(ActionError):  # a time that does not exist is said by the check above
        form.preview_when = to_utc(when, form.workspace.timezone) if when else None
    errors.update({k: m for k, m in found.items() if not k.startswith("variants[")})
    return errors


# -- Pages ----------------------------------------------------------------------------------

def _render(request: HttpRequest, form: ComposerForm, *, post: Post | None = None, errors: dict | None = None,
            refused: list[tuple[str, str]] | None = None, mine: list[Workspace] | None = None,
            status: int = 200) -> HttpResponse:
    """The composer; `errors` are the live checks' (they change as the person types), `refused` what the
    submit said besides, shown by the buttons until the next submit."""
    workspace = form.workspace
    library = list(Media.objects.filter(workspace=workspace).order_by("-created_at")[:LIBRARY_SIZE])
    chosen_media = set(form.media_ids)
    library += [m for m in Media.objects.filter(workspace=workspace, pk__in=chosen_media) if m not in library]
    for m in library:
        m.alt_text = form.alt_texts.get(m.pk, m.alt_text)  # a refused submit keeps what was typed
    context = {
        **_checks_context(request, form, errors or {}), "post": post, "workspaces": mine or [workspace],
        "refused": refused or [], "library": library, "chosen_media": chosen_media,
        "content_types": ContentType.choices, "languages": language_choices(form.variants),
        "campaigns": campaigns_in_use(workspace),
        "check_url": reverse("compose-check") + f"?workspace={workspace.slug}" + (f"&post={post.pk}" if post else ""),
        # A hint near the time picker: each channel's best times from its own history, or the stated fallback.
        "best_times": [best_times(v.channel) for v in form.variants], "weekdays": weekday_names(),
    }
    return render(request, "web/compose.html", context, status=status)


def _checks_context(request: HttpRequest, form: ComposerForm, errors: dict) -> dict:
    """What the live checks show, on the page and in each answer to a change."""
    return {"form": form, "workspace": form.workspace, "errors": errors, "plan": day_plan(form),
            "past": form.in_the_past(), "can_publish": allowed(request.user, form.workspace, Permission.PUBLISH)}


@login_required
@access_errors
def compose(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.EDIT_POSTS)
    if request.method != "POST":
        form = ComposerForm(workspace)
        preselect = {int(c) for c in request.GET.getlist("channel") if c.isdigit()}
        form.variants = [VariantForm(c, c.pk in preselect, False, "", [], {}) for c in composer_channels(workspace)]
        if day := request.GET.get("date", ""):
            form.scheduled_at = f"{day}T{request.GET.get('time', '10:00')}"
        return _render(request, form, mine=mine)
    form = form_from_request(request, workspace)
    try:
        post = _save_new(request, form)
    except ActionError as e:
        errors = run_checks(form)
        return _render(request, form, errors=errors, refused=_refusals(form, errors, e), mine=mine, status=422)
    return redirect("post", post.pk)


@login_required
@access_errors
def compose_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access_post(request.user, post_id, Permission.EDIT_POSTS)
    if request.method != "POST":
        form = form_from_post(post)
        return _render(request, form, post=post, errors=run_checks(form))
    form = form_from_request(request, post.workspace, post)
    try:
        _save_existing(request, post, form)
    except ActionError as e:
        errors = run_checks(form)
        return _render(request, form, post=post, errors=errors, refused=_refusals(form, errors, e), status=422)
    return redirect("post", post.pk)


@login_required
@require_POST
@access_errors
def compose_check(request: HttpRequest) -> HttpResponse:
    """The live checks, as out-of-band pieces for each channel: problems, characters left, preview."""
    workspace = access_workspace(request.user, request.GET.get("workspace", ""), Permission.EDIT_POSTS)
    post_id = request.GET.get("post", "")
    post = access_post(request.user, int(post_id), Permission.EDIT_POSTS) if post_id.isdigit() else None
    if post and post.workspace_id != workspace.pk:
        post = None
    form = form_from_request(request, workspace, post)
    errors = run_checks(form)
    return render(request, "web/_compose_checks.html", _checks_context(request, form, errors))


def _refusals(form: ComposerForm, errors: dict, error: ActionError) -> list[tuple[str, str]]:
    """(field, message) for each reason the submit gave that the live checks, which the page shows anyway
    and keeps up to date, do not give: no channel chosen, no time to schedule at, no queue slot..."""
    shown = {m for messages in errors.values() for m in messages}
    shown |= {m for v in form.chosen if v.check for m in v.check.messages()}
    refused: list[tuple[str, str]] = []
    for key, messages in error.errors.items():
        refused += [(key, m) for m in messages if m not in shown and (key, m) not in refused]
    return refused


# -- Saving -------------------------------------------------------------------------------

def _action(request: HttpRequest, form: ComposerForm) -> str:
    action = request.POST.get("action", "draft")
    if action not in ACTIONS:
        raise ActionError({"action": [_("Unknown action.")]})
    if action in ("schedule", "queue", "now"):
        check(request.user, form.workspace, Permission.PUBLISH)
    if action == "schedule" and not form.scheduled_at.strip():
        raise ActionError({"scheduled_at": [_("Pick the date and time to publish at.")]})
    if action == "review" and not form.workspace.requires_approval:
        raise ActionError({"action": [_("%(workspace)s publishes without approval; schedule the post instead.")
                                      % {"workspace": form.workspace.name}]})
    return action


def _save_new(request: HttpRequest, form: ComposerForm) -> Post:
    action = _action(request, form)
    when = form.when() if action in ("schedule", "review") else None
    times = next_free_slots([v.channel for v in form.chosen]) if action == "queue" else None
    with transaction.atomic():
        _save_alt_texts(request.user, form)
        post = actions.create_post(
            request.user, form.workspace, text=form.text, variants=form.variant_inputs(times),
            media_ids=form.media_ids, scheduled_at=when, title=form.title, content_type=form.content_type,
            tags=form.tag_list(), campaign=form.campaign)
        if action == "review":
            send_for_review(request.user, post)
        if action == "now":
            _publish_now(request.user, [v.publication for v in post.variants.select_related("publication")])
    return post


def _save_alt_texts(actor, form: ComposerForm) -> None:
    """Alt text typed under a chosen image is the image's, in the library: saved with the post."""
    typed = [pk for pk in form.media_ids if pk in form.alt_texts]
    for media in Media.objects.filter(workspace=form.workspace, pk__in=typed):
        if media.alt_text != form.alt_texts[media.pk]:
            actions.set_alt_text(actor, media, form.alt_texts[media.pk])


def _publish_now(actor, publications: list[Publication]) -> None:
    """Each publication scheduled at once, or the reason it may not be; all or nothing (the caller's transaction)."""
    for publication in publications:
        actions.publish_now(actor, publication)


def _new_time(publication: Publication, form: ComposerForm, action: str) -> datetime | None:
    """Saving a scheduled post with another time moves it; a draft stays a draft until scheduled."""
    if action != "draft" or publication.state != State.SCHEDULED:
        return None
    local = form.when()  # None when the time field is empty
    if local is None:
        return None
    when = to_utc(local, form.workspace.timezone)
    return when if when != publication.scheduled_at else None


def _save_existing(request: HttpRequest, post: Post, form: ComposerForm) -> None:
    """Edit what is still editable, then do what the button says; all or nothing."""
    action = _action(request, form)
    editable = [v for v in form.chosen if v.publication and not v.locked]
    new = [v for v in form.chosen if v.publication is None]
    when = form.when() if action in ("schedule", "review") else None
    times = next_free_slots([v.channel for v in editable + new]) if action == "queue" else {}
    with transaction.atomic():
        _save_alt_texts(request.user, form)
        actions.update_post_details(request.user, post, title=form.title, content_type=form.content_type,
                                    tags=form.tag_list(), campaign=form.campaign)
        for v in editable:
            assert v.publication is not None  # what is editable has one
            publication = actions.edit_variant(request.user, v.publication, text=v.text, media_ids=form.media_ids,
                                               options=variant_options(v))
            at = times.get(v.channel.pk) or when or _new_time(publication, form, action)
            if at:
                actions.schedule_publication(request.user, publication, at)
        if new:
            ids = {v.channel.pk for v in new}
            actions.add_variants(request.user, post, text=form.text, media_ids=form.media_ids, scheduled_at=when,
                                 variants=[i for i in form.variant_inputs(times) if i.channel_id in ids])
        if action == "review":
            post.refresh_from_db()
            send_for_review(request.user, post)
        if action == "now":
            post.refresh_from_db()
            _publish_now(request.user, [v.publication for v in post.variants.select_related("publication")
                                        if v.publication.state in EDITABLE_STATES])
