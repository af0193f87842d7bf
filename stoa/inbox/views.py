"""The inbox page: every message to the user's brands, filtered the way a community manager works."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.channels.models import Channel
from stoa.errors import ActionError, cleaned
from stoa.inbox import actions, answers, policy, routing
from stoa.inbox.access import access_inbox_item
from stoa.inbox.classifier import LANGUAGES
from stoa.inbox.forms import AssignForm, HandoffForm, HideForm, NoteForm, ReplyForm
from stoa.inbox.handoff import hand_off
from stoa.inbox.models import (
    Intent,
    Item,
    Kind,
    LinkPolicy,
    ResponseTarget,
    RoutingRule,
    SavedReply,
    Sentiment,
    Team,
    WorkingTime,
)
from stoa.inbox.permissions import ANSWER_INBOX, VIEW_INBOX
from stoa.inbox.queries import VIEWS, filtered
from stoa.inbox.report import hours, response_report
from stoa.pages import HtmxHttpRequest, access_errors
from stoa.providers.capabilities import Hides, Replies, cannot
from stoa.providers.registry import supports
from stoa.workspaces.access import Permission, allowed, check, chosen_workspace, workspaces_for
from stoa.workspaces.models import Membership

PAGE_SIZE = 100


@login_required
@access_errors
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    mine = list(workspaces_for(request.user, VIEW_INBOX))
    slug = request.GET.get("workspace", "")
    chosen = [w for w in mine if w.slug == slug] or mine
    items, view = filtered(request.user, request.GET, [w.pk for w in chosen])
    page = list(items[:PAGE_SIZE])
    for item in page:
        item.can_answer = allowed(request.user, item.workspace, ANSWER_INBOX)
    context = {"items": page, "view": view, "views": VIEWS, "workspaces": mine,
               "chosen": slug if len(chosen) == 1 and slug else "", "now": clock.now(),
               "channels": Channel.objects.filter(workspace__in=chosen).select_related("workspace"),
               "languages": LANGUAGES,
               "kinds": Kind.choices, "query": request.GET}
    template = "inbox/_items.html" if request.htmx and not request.htmx.boosted else "inbox/inbox.html"
    return render(request, template, context)


@login_required
@require_POST
@access_errors
def act(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    item = access_inbox_item(request.user, item_id, ANSWER_INBOX)
    if action == "take":
        item = actions.take(request.user, item)
    elif action in ("done", "open"):
        item = actions.set_status(request.user, item, action)
    else:
        return HttpResponse(status=400)
    item.can_answer = True
    return render(request, "inbox/_item.html", {"item": item, "now": clock.now()})


# -- One message ------------------------------------------------------------------------------

def conversation(item: Item) -> dict:
    """The message in its thread: what it answers, the answers to it, and the brand's post."""
    siblings = Item.objects.filter(channel=item.channel).select_related("author")
    return {"parent": siblings.filter(remote_id=item.parent_remote_id).first() if item.parent_remote_id else None,
            "answers": list(siblings.filter(parent_remote_id=item.remote_id).order_by("written_at")),
            "post": item.publication.variant if item.publication else None}


def item_context(request: HttpRequest, item: Item, error: str = "", confirm: list[str] | None = None,
                 draft: str = "") -> dict:
    policy = answers.policy_of(item.workspace_id)
    saved = SavedReply.objects.filter(workspace_id=item.workspace_id)
    item.can_answer = allowed(request.user, item.workspace, ANSWER_INBOX)
    return {"item": item, "now": clock.now(), **conversation(item),
            "replies": item.replies.select_related("author"), "notes": item.notes.select_related("author"),
            "handoffs": item.handoffs.all(), "policy": policy,
            "saved_replies": sorted(saved, key=lambda s: (s.intent != item.intent, s.title)),
            "can_answer": item.can_answer, "can_hide": supports(item.channel, Hides),
            "cannot_reply": "" if supports(item.channel, Replies) else cannot(item.channel.network_name, Replies),
            "others": answers.here(request.user, item), "error": error, "confirm": confirm or [], "draft": draft,
            "members": [m.user for m in Membership.objects.filter(workspace_id=item.workspace_id)
                        .select_related("user")],
            "teams": Team.objects.filter(workspace_id=item.workspace_id)}


@login_required
@access_errors
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_inbox_item(request.user, item_id)
    if request.method != "POST":
        return render(request, "inbox/item.html", item_context(request, item))
    item = access_inbox_item(request.user, item_id, ANSWER_INBOX)
    action, draft = request.POST.get("action", ""), request.POST.get("text", "")
    try:
        if action == "reply":
            reply = cleaned(ReplyForm(request.POST))
            answers.send_reply(request.user, item, reply["text"], confirmed=reply["confirmed"])
            draft = ""
        elif action == "note":
            answers.add_note(request.user, item, cleaned(NoteForm(request.POST))["body"])
        elif action == "hide":
            answers.hide(request.user, item, cleaned(HideForm(request.POST))["reason"])
        elif action == "handoff":
            hand_off(request.user, item, cleaned(HandoffForm(request.POST))["note"])
        elif action == "assign":
            to = cleaned(AssignForm(request.POST))
            actions.assign(request.user, item, user_id=to["user_id"], team_id=to["team_id"])
        elif action == "delete":
            answers.refuse_delete(item)
        else:
            return HttpResponse(status=400)
    except ActionError as e:
        confirm = e.errors.get("confirm", [])
        error = "; ".join(m for k, ms in e.errors.items() if k != "confirm" for m in ms)
        return render(request, "inbox/item.html", item_context(request, item, error, confirm, draft), status=422)
    item.refresh_from_db()
    return redirect("inbox-item", item.pk)


@login_required
@access_errors
def presence(request: HttpRequest, item_id: int) -> HttpResponse:
    """Asked every few seconds by an open message page: who else has it open."""
    item = access_inbox_item(request.user, item_id)
    others = answers.here(request.user, item, replying=request.GET.get("replying") == "1")
    return render(request, "inbox/_presence.html", {"others": others})


# -- The policy and the report ----------------------------------------------------------------

A_MONDAY = date(2026, 11, 30)
POLICY_FORMS = {
    "settings": lambda actor, ws, data: policy.save_settings(actor, ws, data),
    "targets": lambda actor, ws, data: policy.save_targets(actor, ws, data),
    "hours": lambda actor, ws, data: policy.save_working_time(actor, ws, data),
    "team": lambda actor, ws, data: policy.add_team(actor, ws, data.get("name", ""), data.getlist("members")),
    "rule": lambda actor, ws, data: policy.add_rule(actor, ws, data),
    "saved_reply": lambda actor, ws, data: policy.add_saved_reply(actor, ws, data.get("title", ""),
                                                                  data.get("body", ""), data.get("intent", "")),
    "delete_rule": lambda actor, ws, data: RoutingRule.objects.filter(workspace=ws, pk=data.get("id") or 0).delete(),
    "delete_saved_reply": lambda actor, ws, data: SavedReply.objects.filter(workspace=ws,
                                                                            pk=data.get("id") or 0).delete(),
}


@login_required
@access_errors
def policy_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, VIEW_INBOX)
    error, status = "", 200
    if request.method == "POST":
        check(request.user, workspace, Permission.MANAGE_WORKSPACE)
        form = POLICY_FORMS.get(request.POST.get("form", ""))
        if form is None:
            return HttpResponse(status=400)
        try:
            form(request.user, workspace, request.POST)
        except ActionError as e:
            error, status = e.words(), 422
        else:
            return redirect(f"{reverse('inbox-policy')}?workspace={workspace.slug}")
    working = WorkingTime.objects.filter(workspace=workspace).first()
    hours = working.hours if working else {}
    targets = dict(ResponseTarget.objects.filter(workspace=workspace).values_list("intent", "first_response_minutes"))
    context = {
        "workspace": workspace, "workspaces": mine, "error": error, "policy": answers.policy_of(workspace.pk),
        "can_edit": allowed(request.user, workspace, Permission.MANAGE_WORKSPACE),
        "targets": [(value, label, targets.get(value, ""), routing.DEFAULT_TARGET_MINUTES.get(value))
                    for value, label in Intent.choices],
        # (weekday, a Monday-based date of that weekday for its name, the hours as typed)
        "days": [(n, A_MONDAY + timedelta(days=n), ", ".join(f"{a}-{b}" for a, b in hours.get(str(n), [])))
                 for n in range(7)],
        "holidays": ", ".join(working.holidays if working else []),
        "teams": Team.objects.filter(workspace=workspace).prefetch_related("members"),
        "rules": RoutingRule.objects.filter(workspace=workspace).select_related("assign_to", "team"),
        "saved_replies": SavedReply.objects.filter(workspace=workspace),
        "members": [m.user for m in Membership.objects.filter(workspace=workspace).select_related("user")],
        "intents": Intent.choices, "sentiments": Sentiment.choices, "kinds": Kind.choices, "languages": LANGUAGES,
        "link_policies": LinkPolicy.choices,
    }
    return render(request, "inbox/policy.html", context, status=status)


@login_required
@access_errors
def report_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, VIEW_INBOX)
    asked = request.GET.get("days", "30")
    days = int(asked) if asked.isdigit() and 1 <= int(asked) <= 92 else 30
    end = clock.now()
    groups = response_report(workspace, end - timedelta(days=days), end)
    tables = [(gettext("By member"), groups["member"]), (gettext("By channel"), groups["channel"]),
              (gettext("By intent"), groups["intent"])]
    return render(request, "inbox/report.html", {
        "workspace": workspace, "workspaces": mine, "days": days, "total": next(iter(groups["total"]), None),
        "tables": [(title, [(r, hours(r.median_first_response), hours(r.mean_first_response),
                             hours(r.median_resolution)) for r in rows]) for title, rows in tables]})
