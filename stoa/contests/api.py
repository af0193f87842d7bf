"""The API's contests: a workspace's contests under /api/v1/workspaces/{workspace_id}/contests, and each contest
under /api/v1/contests/{contest_id} (its entrants with their eligibility, freeze, draw, announce, the published
file). The same actions as the pages, so the API and the pages never disagree."""

from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from stoa.api.schemas import ERRORS, Id
from stoa.contests import actions
from stoa.contests.access import access_contest
from stoa.contests.eligibility import REASONS
from stoa.contests.models import Action, Contest, Kind, QuizMode, Randomness
from stoa.contests.permissions import RUN_CONTESTS
from stoa.errors import NotFound
from stoa.workspaces.access import Permission, access_workspace

workspace_contests = Router(tags=["contests"])  # under /workspaces/{workspace_id}/
contests = Router(tags=["contests"])  # under /contests/
MAX_ENTRIES = 5000


class ContestIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    publication_ids: list[Id] = Field(..., min_length=1)
    opens_at: datetime
    closes_at: datetime
    kind: Kind = Kind.CONTEST
    actions: list[Action] = [Action.REPLY]
    hashtag: str = Field("", max_length=100)
    friends_to_tag: int = Field(0, ge=0, le=20)
    must_follow: bool = False
    block_list: list[str] = []
    previous_winners_days: int = Field(0, ge=0, le=3650)
    min_account_age_days: int = Field(0, ge=0, le=36500)
    winners: int = Field(1, ge=1, le=1000)
    substitutes: int = Field(0, ge=0, le=1000)
    answers: list[str] = []
    quiz_mode: QuizMode = QuizMode.DRAW
    randomness: Randomness = Randomness.DRAND


class ContestOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    publication_ids: list[int]
    opens_at: datetime
    closes_at: datetime
    winners: int
    substitutes: int
    randomness: str
    seed_commitment: str
    frozen_sha256: str
    public_url: str
    winner_ids: list[str]


class EntryOut(Schema):
    network: str
    account_id: str
    handle: str
    actions: list[str]
    first_at: datetime
    eligible: bool
    reason: str  # a key of stoa.contests.eligibility.REASONS, "" before the first check
    reason_text: str
    place: int | None
    substitute: bool


def contest_out(contest: Contest) -> dict[str, Any]:
    return {"id": contest.pk, "title": contest.title, "kind": contest.kind, "state": contest.state,
            "publication_ids": list(contest.publications.values_list("pk", flat=True)),
            "opens_at": contest.opens_at, "closes_at": contest.closes_at, "winners": contest.winners,
            "substitutes": contest.substitutes, "randomness": contest.randomness,
            "seed_commitment": contest.seed_commitment, "frozen_sha256": contest.frozen_sha256,
            "public_url": f"/c/{contest.public_key}/",
            "winner_ids": [entry.account_id for entry in actions.winners_of(contest)]}


@workspace_contests.get("/{workspace_id}/contests", response={200: list[ContestOut], **ERRORS})
def list_contests(request, workspace_id: int):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return [contest_out(contest) for contest in Contest.objects.filter(workspace=workspace)]


@workspace_contests.post("/{workspace_id}/contests", response={201: ContestOut, **ERRORS})
def create_contest(request, workspace_id: int, payload: ContestIn):
    workspace = access_workspace(request.auth, workspace_id, RUN_CONTESTS)
    given = actions.ContestInput(**payload.model_dump())
    return Status(201, contest_out(actions.create_contest(request.auth, workspace, given)))


@contests.get("/{contest_id}", response={200: ContestOut, **ERRORS})
def get_contest(request, contest_id: int):
    return contest_out(access_contest(request.auth, contest_id))


@contests.get("/{contest_id}/entries", response={200: list[EntryOut], **ERRORS})
def list_entries(request, contest_id: int, limit: int = Query(500, ge=1, le=MAX_ENTRIES),
                 offset: int = Query(0, ge=0, le=1_000_000_000)):
    """The entrants, eligible first, each with the reason of their eligibility; `limit` (at most 5,000) from
    `offset`."""
    contest = access_contest(request.auth, contest_id)
    start, count = offset, limit
    entries = contest.entries.order_by("-eligible", "place", "network", "account_id")[start:start + count]
    return [{"network": e.network, "account_id": e.account_id, "handle": e.handle, "actions": e.actions,
             "first_at": e.first_at, "eligible": e.eligible, "reason": e.reason,
             "reason_text": str(REASONS.get(e.reason, "")), "place": e.place, "substitute": e.substitute}
            for e in entries]


@contests.post("/{contest_id}/freeze", response={200: ContestOut, **ERRORS})
def freeze_contest(request, contest_id: int):
    contest = access_contest(request.auth, contest_id, RUN_CONTESTS)
    return contest_out(actions.freeze_contest(request.auth, contest))


@contests.post("/{contest_id}/draw", response={200: ContestOut, **ERRORS})
def draw_contest(request, contest_id: int):
    """Winners and substitutes once the random value exists; until then the contest stays frozen (state)."""
    contest = access_contest(request.auth, contest_id, RUN_CONTESTS)
    if contest.kind == Kind.QUIZ and contest.quiz_mode == QuizMode.FIRST:
        actions.pick_first_correct(request.auth, contest)
    else:
        actions.draw_contest(request.auth, contest)
    return contest_out(contest)


@contests.post("/{contest_id}/announce", response={200: ContestOut, **ERRORS})
def announce_contest(request, contest_id: int):
    """The winners' announcement as a post draft on the contest's channels."""
    contest = access_contest(request.auth, contest_id, RUN_CONTESTS)
    return contest_out(actions.announce(request.auth, contest))


@contests.get("/{contest_id}/draw-file", response={200: dict[str, Any], **ERRORS})
def draw_file(request, contest_id: int):
    """The published file that `stoa contest verify` checks (the frozen list alone before the draw)."""
    contest = access_contest(request.auth, contest_id)
    if contest.published:
        return contest.published
    if contest.frozen:
        return {"frozen": contest.frozen, "frozen_sha256": contest.frozen_sha256}
    raise NotFound("Entries are not frozen yet.")
