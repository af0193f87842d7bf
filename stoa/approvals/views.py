"""Pages of the approval flow: a post with its thread, the review queue, and the client's link page."""


from collections.abc import Sequence
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Min, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.approvals import actions
from stoa.approvals.forms import ApprovalLinkForm, ClientActionForm, PostActionForm, ScheduledChoiceForm
from stoa.approvals.history import post_history
from stoa.approvals.models import ApprovalLink
from stoa.approvals.permissions import APPROVE, CLIENT_REVIEW, SEND_TO_CLIENT
from stoa.errors import ActionError, cleaned
from stoa.pages import access_errors
from stoa.posts.access import access_post
from stoa.posts.drafts import draft_for
from stoa.posts.models import ApprovalState, Media, Post, Publication, State, Variant, VariantMedia
from stoa.posts.status import (
    Status,
    approval_detail,
    of_publication,
    post_status,
    publication_status,
    still_to_publish,
)
from stoa.workspaces.access import NotFound, Permission, access_workspace, allowed, check, workspaces_for
from stoa.workspaces.models import ApprovalFlow

PREVIEW = "web/_preview.html"


def visible_post(user, post_id: int) -> Post:
    """The post if the user may see it: members who see publications see all posts; a client
    sees only what was sent to them."""
    post = access_post(user, post_id, Permission.VIEW)
    if allowed(user, post.workspace, Permission.VIEW_PUBLICATIONS):
        return post
    if allowed(user, post.workspace, CLIENT_REVIEW) and \
            actions.posts_for_client([post.workspace_id]).filter(pk=post.pk).exists():
        return post
    raise NotFound(f"No post {post_id}.")


def _variants(post: Post, request: HttpRequest, **extra) -> list[Variant]:
    """The post's variants with their publication (`pub`, and its `status`) and a rendered per-network
    preview, when the preview template exists (else the page shows the plain text)."""
    variants = list(post.variants.select_related("channel", "publication__workspace").prefetch_related(
        Prefetch("variantmedia_set", queryset=VariantMedia.objects.select_related("media"))))
    for v in variants:
        v.pub = _publication_of(v)
        v.status = publication_status(v.pub) if v.pub else None
    try:
        select_template([PREVIEW])
    except TemplateDoesNotExist:
        return variants
    for v in variants:
        draft = draft_for(v, post.workspace)  # as the engine will publish it
        # The preview shows the time it goes (or went) out, not "now".
        when = v.pub and (v.pub.published_at or v.pub.scheduled_at)
        v.preview_html = render_to_string(PREVIEW, {"channel": v.channel, "draft": draft, "when": when,
                                                    "tz": post.workspace.timezone, **extra}, request)
    return variants


def _publication_of(variant: Variant) -> Publication | None:
    try:
        return variant.publication
    except Publication.DoesNotExist:
        return None


# -- The post page ------------------------------------------------------------------------------

@login_required
@access_errors
def post_page(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request.user, post_id)
    if request.method == "POST":
        form = PostActionForm(request.POST)
        error = _post_action(request, post, form)
        if not error:
            messages.success(request, _confirmation(form.cleaned_data["action"], post))
            return redirect(form.cleaned_data["next"] or reverse("post", args=[post.pk]))
        post.refresh_from_db()
        return render(request, "approvals/post.html", _post_context(request, post, error), status=422)
    return render(request, "approvals/post.html", _post_context(request, post))


def _post_action(request: HttpRequest, post: Post, form: PostActionForm) -> str:
    """One button on the post page; returns the error to show, if any."""
    try:
        given = cleaned(form)
    except ActionError as e:
        return e.words()
    user, action, note = request.user, given["action"], given["comment"]
    is_client = allowed(user, post.workspace, CLIENT_REVIEW)
    # Decide on the state the person saw on the page, so that a decision made meanwhile wins.
    if given["seen_state"]:
        post.approval_state = given["seen_state"]
    try:
        if action == "review":
            check(user, post.workspace, Permission.EDIT_POSTS)
            actions.send_for_review(user, post, note)
        elif action in ("approve", "changes") and is_client:
            actions.client_decide(user, post, approved=action == "approve", note=note)
        elif action == "approve":
            check(user, post.workspace, APPROVE)
            actions.approve(user, post, note)
        elif action == "changes":
            check(user, post.workspace, APPROVE)
            actions.request_changes(user, post, note)
        elif action == "comment":
            actions.add_comment(user, post, note, for_client=given["for_client"])
        else:
            return gettext("Unknown action.")
    except ActionError as e:
        return e.words()
    return ""


def _confirmation(action: str, post: Post) -> str:
    """What the page says once a button on the post did its work."""
    if action == "approve" and post.approval_state == ApprovalState.WITH_CLIENT:
        return gettext("Approved. The client decides next.")
    return {"review": gettext("Sent for review."), "approve": gettext("Approved."),
            "changes": gettext("Changes requested."), "comment": gettext("Comment added.")}[action]


def _post_context(request: HttpRequest, post: Post, error: str = "") -> dict:
    user, ws = request.user, post.workspace
    can = {str(p): allowed(user, ws, p) for p in Permission.all()}
    variants = _variants(post, request)
    publications = [v.pub for v in variants if v.pub]
    # Reviewing or editing a post makes sense only while something of it is still to be published.
    open_ = still_to_publish(publications)
    state = post.approval_state
    buttons = {
        "review": open_ and can["edit_posts"] and ws.requires_approval
        and state in (ApprovalState.DRAFT, ApprovalState.CHANGES_REQUESTED),
        "approve": open_ and ((can["approve"] and state == ApprovalState.IN_REVIEW)
                              or (can["client_review"] and state == ApprovalState.WITH_CLIENT)),
        "changes": open_ and ((can["approve"] and state in (ApprovalState.IN_REVIEW, ApprovalState.WITH_CLIENT,
                                                            ApprovalState.APPROVED))
                              or (can["client_review"] and state == ApprovalState.WITH_CLIENT)),
    }
    is_client = can["client_review"]
    return {"post": post, "workspace": ws, "variants": variants, "status": post_status(post, publications),
            "approval": approval_detail(ws.requires_approval, state, post.approval_exempt) if open_ else "",
            "comments": actions.comments_for_client(post) if is_client else post.comments.all(),
            "can": can, "buttons": buttons, "error": error,
            "history": post_history(post, variants) if can["view_audit"] else [],
            "comment_for_client": ws.approval_flow == ApprovalFlow.CLIENT and not is_client,
            "edit_url": _edit_url(post) if can["edit_posts"] and open_ else ""}


def _edit_url(post: Post) -> str:
    try:
        return reverse("compose-edit", args=[post.pk])
    except NoReverseMatch:  # the composer is not installed
        return ""


# -- The review queue ---------------------------------------------------------------------------

def _ids(user, permission: Permission) -> list[int]:
    return list(workspaces_for(user, permission).values_list("pk", flat=True))


def _posts(**filters) -> Sequence[Post]:
    """Posts with their first scheduled time (`due_at`) and `status`: a reviewer sees what is due soon."""
    scheduled = Q(variants__publication__state=State.SCHEDULED)
    posts = list(Post.objects.filter(**filters).select_related("workspace", "created_by")
                 .prefetch_related("variants__channel", "variants__publication")
                 .annotate(due_at=Min("variants__publication__scheduled_at", filter=scheduled)).order_by("created_at"))
    for p in posts:
        p.status = _scheduled_status(p, p.due_at) if p.due_at else None
    return posts


def _scheduled_status(post: Post, due_at: datetime) -> Status:
    return of_publication(State.SCHEDULED, due_at, requires_approval=post.workspace.requires_approval,
                          approval_state=post.approval_state, exempt=post.approval_exempt)


@login_required
@access_errors
def review(request: HttpRequest) -> HttpResponse:
    return render(request, "approvals/review.html", _review_context(request))


def _review_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    senders = list(workspaces_for(user, SEND_TO_CLIENT))
    with_client = list(_posts(workspace__in=senders, approval_state=ApprovalState.WITH_CLIENT))
    send_forms = [{"workspace": w, "posts": [p for p in with_client if p.workspace_id == w.pk]} for w in senders]
    links = (ApprovalLink.objects.filter(workspace__in=senders).select_related("workspace", "created_by")
             .prefetch_related("posts")[:50])
    now = clock.now()
    for link in links:
        link.problem = actions.link_problem(link)
    reviewing, editing = _ids(user, APPROVE), _ids(user, Permission.EDIT_POSTS)
    never_sent = actions.waiting_for_approval(_ids(user, Permission.MANAGE_WORKSPACE)).filter(
        approval_state__in=actions.NOT_SENT).select_related("workspace")
    return {
        "never_sent": list({p.workspace_id: p.workspace for p in never_sent}.values()),
        "reviewer": bool(reviewing), "editor": bool(editing),
        "to_review": _posts(workspace_id__in=reviewing, approval_state=ApprovalState.IN_REVIEW),
        "for_client": _posts(workspace_id__in=_ids(user, CLIENT_REVIEW),
                             approval_state=ApprovalState.WITH_CLIENT),
        "changes": _posts(workspace_id__in=editing, approval_state=ApprovalState.CHANGES_REQUESTED),
        "send_forms": [f for f in send_forms if f["posts"]], "links": links, "now": now,
        "can_send": bool(senders), **extra,
    }


@login_required
@require_POST
@access_errors
def send_to_client(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), SEND_TO_CLIENT)
    ids = [int(i) for i in request.POST.getlist("posts") if i.isdigit()]
    posts = Post.objects.filter(pk__in=ids, workspace=workspace)
    form = ApprovalLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError.of_form(form)
        link, token = actions.create_approval_link(request.user, workspace, posts, **form.cleaned_data)
    except ActionError as e:
        error = {"workspace": workspace.slug, "message": e.words()}  # for a person: without the field names
        return render(request, "approvals/review.html", _review_context(request, send_error=error), status=422)
    return render(request, "approvals/review.html",
                  _review_context(request, new_link=link, new_link_url=actions.approval_url(token)))


@login_required
@require_POST
@access_errors
def revoke_link(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(ApprovalLink.objects.select_related("workspace"), pk=link_id,
                             workspace__in=workspaces_for(request.user, Permission.VIEW))
    access_workspace(request.user, link.workspace_id, SEND_TO_CLIENT)
    actions.revoke_link(request.user, link)
    return redirect("review")


# -- Posts scheduled before approval was required ---------------------------------------------------

@login_required
@access_errors
def scheduled_without_approval(request: HttpRequest, slug: str) -> HttpResponse:
    """After the workspace starts to require approval: its scheduled posts nobody approved, to send for review
    together or to let publish as planned."""
    workspace = access_workspace(request.user, slug, Permission.MANAGE_WORKSPACE)
    done, error, action = [], "", ""
    if request.method == "POST":
        try:
            given = cleaned(ScheduledChoiceForm(request.POST))
            action, ids = given["action"], given["posts"]
            if action == "review":
                check(request.user, workspace, Permission.EDIT_POSTS)
                done = actions.send_scheduled_for_review(request.user, workspace, ids)
            else:
                done = actions.exempt_from_approval(request.user, workspace, ids)
        except ActionError as e:
            error = e.words()
    posts = list(actions.scheduled_unapproved([workspace.pk]).select_related("workspace")
                 .prefetch_related("variants__channel"))
    for p in posts:
        p.status = _scheduled_status(p, p.due_at)
    return render(request, "approvals/scheduled.html",
                  {"workspace": workspace, "posts": posts, "done": done, "done_action": action,
                   "error": error, "can_choose": actions.NOT_SENT}, status=422 if error else 200)


# -- The client's link page (no account) ----------------------------------------------------------

def client_approval(request: HttpRequest, token: str) -> HttpResponse:
    link = actions.link_for_token(token)
    problem = actions.link_problem(link)
    if problem or link is None:
        return render(request, "approvals/link_problem.html", {"link": link, "problem": problem},
                      status=404 if problem == "unknown" else 410)
    errors: dict[int, str] = {}
    if request.method == "POST":
        form = ClientActionForm(request.POST)
        form.is_valid()
        post_id = form.cleaned_data.get("post")
        post = link.posts.filter(pk=post_id).first() if post_id else None
        if post is None:
            return render(request, "approvals/link_problem.html", {"link": link, "problem": "post"}, status=404)
        error = _client_action(link, post, form)
        if not error:
            messages.success(request, _confirmation(form.cleaned_data["decision"], post))
            return redirect(f"{reverse('client-approval', args=[token])}#post-{post.pk}")
        errors[post.pk] = error
    posts = list(link.posts.select_related("workspace").order_by("created_at"))
    for p in posts:
        p.variant_list = _variants(p, request, client_token=token)
        p.error = errors.get(p.pk, "")
        p.comment_list = list(actions.comments_for_client(p))  # never the team's own remarks
    return render(request, "approvals/client.html", {"link": link, "workspace": link.workspace, "posts": posts,
                                                     "sender": _sender(link), "client_token": token},
                  status=422 if errors else 200)


def client_media(request: HttpRequest, token: str, media_id: int) -> FileResponse:
    """An image of a post sent with a working link, for the client who has no account."""
    link = actions.link_for_token(token)
    if link is None or actions.link_problem(link):
        raise Http404("No such link.")
    media = get_object_or_404(Media, pk=media_id, workspace_id=link.workspace_id,
                              variant__post__approval_links=link)
    file = media.thumbnail or media.file
    response = FileResponse(file.open("rb"), content_type=media.content_type if file == media.file else None)
    response["Cache-Control"] = "private, max-age=300"
    return response


def _sender(link: ApprovalLink) -> str:
    if link.created_by:
        return link.created_by.get_full_name() or link.created_by.get_username()
    return link.workspace.name


def _client_action(link: ApprovalLink, post: Post, form: ClientActionForm) -> str:
    try:
        given = cleaned(form)
        decision, note, name = given["decision"], given["comment"], given["name"]
        if decision in ("approve", "changes"):
            actions.client_decide(link, post, approved=decision == "approve", name=name, note=note)
        elif decision == "comment":
            actions.add_comment(link, post, note, name=name)
        else:
            return gettext("Unknown action.")
    except ActionError as e:
        return e.words()
    return ""
