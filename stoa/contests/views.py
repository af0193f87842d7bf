"""Pages: a workspace's contests (the rules form, entrants with their eligibility, freeze, draw, winners) and each
contest's public page, with no login, where anyone checks the draw."""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stoa.contests import actions, draw
from stoa.contests.access import access_contest
from stoa.contests.collect import collect_contest
from stoa.contests.eligibility import REASONS
from stoa.contests.forms import ContestForm
from stoa.contests.models import Contest, Kind, QuizMode, State
from stoa.contests.permissions import RUN_CONTESTS
from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.workspaces.access import Permission, allowed, chosen_workspace

ENTRANTS_SHOWN = 500  # the page lists this many; the counts by reason cover them all


@login_required
@access_errors
def contests_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_PUBLICATIONS)
    can_run = allowed(request.user, workspace, RUN_CONTESTS)
    form = ContestForm(workspace, request.POST or None)
    status = 200
    if request.method == "POST" and can_run:
        if form.is_valid():
            try:
                contest = actions.create_contest(request.user, workspace, form.contest_input())
                return redirect("contest", contest.pk)
            except ActionError as error:
                for field, problems in error.errors.items():
                    form.add_error(field if field in form.fields and field != "publication_ids" else None, problems)
        status = 422
    contests = Contest.objects.filter(workspace=workspace).annotate(entrants=Count("entries"))
    return render(request, "contests/list.html", {"workspace": workspace, "workspaces": mine, "form": form,
                                                  "can_run": can_run, "contests": contests}, status=status)


@login_required
@access_errors
def contest_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = access_contest(request.user, contest_id)
    entries = contest.entries.order_by("-eligible", "place", "network", "account_id")
    by_reason = dict(contest.entries.values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
    return render(request, "contests/detail.html", {
        "contest": contest, "workspace": contest.workspace, "entries": entries[:ENTRANTS_SHOWN],
        "entrants": contest.entries.count(), "reasons": {key: str(text) for key, text in REASONS.items()},
        "by_reason": [(str(REASONS.get(reason, reason)), n) for reason, n in sorted(by_reason.items()) if reason],
        "can_run": allowed(request.user, contest.workspace, RUN_CONTESTS), "winners": actions.winners_of(contest),
        "public_url": request.build_absolute_uri(reverse("contest-public", args=[contest.public_key]))})


def draw_step(user, contest: Contest) -> object:
    if contest.kind == Kind.QUIZ and contest.quiz_mode == QuizMode.FIRST:
        return actions.pick_first_correct(user, contest)
    return actions.draw_contest(user, contest)


# What the contest page's buttons do, each through the actions (collect and judge are the periodic job's, now).
STEPS = {
    "collect": lambda user, contest: collect_contest(contest),
    "judge": lambda user, contest: actions.judge_entries(contest),
    "freeze": actions.freeze_contest,
    "draw": draw_step,
    "announce": actions.announce,
}


@login_required
@access_errors
@require_POST
def contest_step(request: HttpRequest, contest_id: int, step: str) -> HttpResponse:
    contest = access_contest(request.user, contest_id, RUN_CONTESTS)
    if step not in STEPS:
        return HttpResponse(status=404)
    try:
        done = STEPS[step](request.user, contest)
        if step == "draw" and done is False:
            messages.info(request, _("The random value does not exist yet: the draw happens once it does."))
    except ActionError as error:
        messages.error(request, error.summary())
    return redirect("contest", contest.pk)


def public_page(request: HttpRequest, key: str) -> HttpResponse:
    """No login: the commitment, the frozen list's hash, the randomness source, the file and the winners."""
    contest = get_object_or_404(Contest.objects.select_related("workspace"), public_key=key)
    source = (contest.frozen or {}).get("source", {})
    return render(request, "contests/public.html", {
        "contest": contest, "source": source, "eligible": len((contest.frozen or {}).get("entrants", [])),
        "winners": (contest.published or {}).get("winners", []),
        "substitutes": (contest.published or {}).get("substitutes", []),
        "drand_time": datetime.fromtimestamp(source["at"], UTC) if source.get("at") else None,
        "drawn": contest.state == State.DRAWN})


def public_file(request: HttpRequest, key: str) -> HttpResponse:
    """The published file: the frozen list until the draw, then the whole draw that `stoa contest verify` checks."""
    contest = get_object_or_404(Contest, public_key=key)
    document = contest.published or ({"frozen": contest.frozen, "frozen_sha256": contest.frozen_sha256}
                                     if contest.frozen else None)
    if document is None:
        return HttpResponse(_("Entries are not frozen yet."), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(draw.published_bytes(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contest-{contest.pk}-draw.json"'
    return response
