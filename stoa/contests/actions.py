"""Every change to a contest goes through here, each with its audit event: create, record entries, judge, freeze,
draw, announce. Pages, commands and the periodic job call these and nothing else."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from stoa import clock
from stoa.channels.models import Channel
from stoa.contests import draw, eligibility
from stoa.contests.drand import fetch_round
from stoa.contests.models import Action, Contest, Entry, Kind, QuizMode, Randomness, State
from stoa.errors import ActionError
from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Publication
from stoa.posts.models import State as PublicationState
from stoa.site_url import site_url
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
UPDATE_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...): under SQLite's 999 variables


@dataclass(frozen=True)
class ContestInput:
    """What a person sets when making a contest (the rules form and the API give the same)."""

    title: str
    publication_ids: list[int]
    opens_at: datetime
    closes_at: datetime
    kind: str = Kind.CONTEST
    actions: list[str] = field(default_factory=lambda: [Action.REPLY])
    hashtag: str = ""
    friends_to_tag: int = 0
    must_follow: bool = False
    block_list: list[str] = field(default_factory=list)
    previous_winners_days: int = 0
    min_account_age_days: int = 0
    winners: int = 1
    substitutes: int = 0
    answers: list[str] = field(default_factory=list)
    quiz_mode: str = QuizMode.DRAW
    randomness: str = Randomness.DRAND


def input_problems(workspace: Workspace, given: ContestInput) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not given.title.strip():
        problems["title"] = [_("A contest needs a title.")]
    if given.closes_at <= given.opens_at:
        problems["closes_at"] = [_("The contest must close after it opens.")]
    if given.winners < 1:
        problems["winners"] = [_("A contest needs at least one winner.")]
    if unknown := set(given.actions) - set(Action.values):
        problems["actions"] = [_("Unknown actions: %(actions)s.") % {"actions": ", ".join(sorted(unknown))}]
    if given.kind == Kind.QUIZ and not [answer for answer in given.answers if answer.strip()]:
        problems["answers"] = [_("A quiz needs at least one correct answer.")]
    found = publications_of(workspace, given.publication_ids).count()
    if not given.publication_ids or found != len(set(given.publication_ids)):
        problems["publication_ids"] = [_("Choose one or more of this workspace's published posts.")]
    return problems


def publications_of(workspace: Workspace, ids: Iterable[int]):
    return Publication.objects.filter(workspace=workspace, pk__in=list(ids), state=PublicationState.PUBLISHED)


def create_contest(actor, workspace: Workspace, given: ContestInput) -> Contest:
    """A contest with its rules; its seed's SHA-256 is public from now on, whichever randomness it uses."""
    if problems := input_problems(workspace, given):
        raise ActionError(problems)
    with transaction.atomic():
        contest = Contest.with_new_seed(
            workspace=workspace, title=given.title.strip(), kind=given.kind, actions=sorted(set(given.actions)),
            hashtag=given.hashtag.strip(), friends_to_tag=given.friends_to_tag, must_follow=given.must_follow,
            opens_at=given.opens_at, closes_at=given.closes_at,
            block_list=[item.strip() for item in given.block_list if item.strip()],
            previous_winners_days=given.previous_winners_days, min_account_age_days=given.min_account_age_days,
            winners=given.winners, substitutes=given.substitutes,
            answers=[answer.strip() for answer in given.answers if answer.strip()], quiz_mode=given.quiz_mode,
            randomness=given.randomness, created_by=actor)
        contest.save()
        contest.publications.set(publications_of(workspace, given.publication_ids))
        audit(workspace.pk, actor, "contest.created", contest, seed_commitment=contest.seed_commitment)
    return contest


# Entries.

@dataclass(frozen=True)
class Seen:
    """One person's action on a contest's post, as a network reported it."""

    network: str
    account_id: str
    action: str
    at: datetime
    handle: str = ""
    name: str = ""
    text: str = ""
    follows_brand: bool | None = None
    account_created_at: datetime | None = None


def record_entries(contest: Contest, seen: Iterable[Seen]) -> int:
    """Keep each person once, adding the actions seen; returns how many people are new."""
    by_person: dict[tuple[str, str], list[Seen]] = {}
    for one in seen:
        by_person.setdefault((one.network, one.account_id), []).append(one)
    known = {(entry.network, entry.account_id): entry for entry in contest.entries.filter(
        account_id__in=[account for _network, account in by_person])}
    new = [merged(Entry(contest=contest, network=network, account_id=account, first_at=actions[0].at), actions)
           for (network, account), actions in by_person.items() if (network, account) not in known]
    changed = [merged(known[person], actions) for person, actions in by_person.items() if person in known]
    with transaction.atomic():
        Entry.objects.bulk_create(new, batch_size=500)
        Entry.objects.bulk_update(changed, ["actions", "text", "tagged", "answered_at", "handle", "name",
                                            "follows_brand", "account_created_at", "first_at"], batch_size=500)
    return len(new)


def merged(entry: Entry, seen: list[Seen]) -> Entry:
    for one in seen:
        entry.actions = sorted(set(entry.actions) | {one.action})
        entry.handle, entry.name = one.handle or entry.handle, one.name or entry.name
        if one.text and one.action in (Action.REPLY, Action.QUOTE) and (
                entry.answered_at is None or one.at < entry.answered_at):  # the earliest answer is the one kept
            entry.text, entry.tagged, entry.answered_at = one.text, eligibility.tags_in(one.text), one.at
        entry.follows_brand = one.follows_brand if one.follows_brand is not None else entry.follows_brand
        entry.account_created_at = one.account_created_at or entry.account_created_at
        entry.first_at = min(entry.first_at, one.at)
    return entry


# Eligibility.

def rules_of(contest: Contest, now: datetime) -> eligibility.Rules:
    team = {(network, str(config.get("account_id"))) for network, config in
            Channel.objects.filter(workspace=contest.workspace_id).values_list("network", "config")
            if config.get("account_id")}
    recent: set[tuple[str, str]] = set()
    if contest.previous_winners_days:
        recent = set(Entry.objects.filter(
            contest__workspace=contest.workspace_id, place__isnull=False, substitute=False,
            contest__drawn_at__gte=now - timedelta(days=contest.previous_winners_days),
        ).exclude(contest=contest).values_list("network", "account_id"))
    return eligibility.Rules(
        opens_at=contest.opens_at, closes_at=contest.closes_at, actions=frozenset(contest.actions),
        hashtag=eligibility.hashtag_key(contest.hashtag) if contest.hashtag else "",
        friends_to_tag=contest.friends_to_tag, must_follow=contest.must_follow,
        min_account_age=timedelta(days=contest.min_account_age_days),
        answers=tuple(eligibility.folded(answer) for answer in contest.answers) if contest.kind == Kind.QUIZ else (),
        excluded=frozenset(team),
        blocked=frozenset(eligibility.folded(item.lstrip("@")) for item in contest.block_list),
        recent_winners=frozenset(recent))


ENTRY_FACTS = ("id", "network", "account_id", "handle", "actions", "text", "tagged", "follows_brand",
               "account_created_at", "first_at")


def judge_entries(contest: Contest) -> dict[str, int]:
    """Each entry's eligibility and reason, stored; how many entries have each reason."""
    now = clock.now()
    grouped = eligibility.judge(rules_of(contest, now), list(contest.entries.values(*ENTRY_FACTS)), now)
    with transaction.atomic():
        for reason, ids in grouped.items():
            for start in range(0, len(ids), UPDATE_CHUNK):
                Entry.objects.filter(pk__in=ids[start:start + UPDATE_CHUNK]).update(
                    eligible=reason == eligibility.ELIGIBLE, reason=reason)
    return {reason: len(ids) for reason, ids in grouped.items()}


# Freeze and draw.

def rules_summary(contest: Contest) -> str:
    """The rules in the frozen file, in one fixed language so its hash never depends on who froze it."""
    parts = [f"{contest.kind} '{contest.title}'", f"open {contest.opens_at.isoformat()} to "
             f"{contest.closes_at.isoformat()}", f"actions: {', '.join(contest.actions) or 'none'}"]
    parts += [f"hashtag: #{contest.hashtag.lstrip('#')}"] if contest.hashtag else []
    parts += [f"tag {contest.friends_to_tag} friends"] if contest.friends_to_tag else []
    parts += ["must follow the brand"] if contest.must_follow else []
    parts += [f"accounts at least {contest.min_account_age_days} days old"] if contest.min_account_age_days else []
    parts += [f"no winners of the last {contest.previous_winners_days} days"] if contest.previous_winners_days else []
    parts += ["a correct answer in the reply"] if contest.kind == Kind.QUIZ else []
    parts += ["one entry per person; the brand's own accounts and its block list excluded"]
    return "; ".join(parts)


def freeze_contest(actor, contest: Contest) -> Contest:
    """After the close: judge every entry and publish the eligible list's SHA-256, with the randomness source
    fixed now (a drand round a minute ahead, or the seed committed to at the start)."""
    now = clock.now()
    if contest.state != State.OPEN:
        raise ActionError({"state": [_("This contest is already frozen.")]})
    if now < contest.closes_at:
        raise ActionError({"state": [_("Entries are still open until the contest closes.")]})
    judge_entries(contest)
    rows = contest.entries.filter(eligible=True).values_list("network", "account_id", "handle")
    source = draw.drand_source(now) if contest.randomness == Randomness.DRAND else draw.commit_reveal_source(
        contest.seed_commitment)
    try:
        frozen = draw.freeze(str(contest.pk), rules_summary(contest), (draw.Entrant(*row) for row in rows),
                             contest.winners, contest.substitutes, source)
    except draw.DrawError as error:
        raise ActionError({"entries": [str(error)]}) from None
    with transaction.atomic():
        contest.frozen, contest.frozen_sha256, contest.frozen_at = frozen, draw.frozen_hash(frozen), now
        contest.state = State.FROZEN
        contest.save(update_fields=["frozen", "frozen_sha256", "frozen_at", "state"])
        audit(contest.workspace_id, actor, "contest.frozen", contest, sha256=contest.frozen_sha256,
              eligible=len(frozen["entrants"]), source=source["kind"])
    post_freeze(actor, contest)
    return contest


def freeze_text(contest: Contest) -> str:
    frozen = frozen_of(contest)
    source = frozen["source"]
    said = _("Entries for %(title)s are closed: %(count)d eligible. SHA-256 of the list: %(hash)s.") % {
        "title": contest.title, "count": len(frozen["entrants"]), "hash": contest.frozen_sha256}
    drawn = not (contest.kind == Kind.QUIZ and contest.quiz_mode == QuizMode.FIRST)
    if source["kind"] == "drand" and drawn:
        said += " " + _("Winners are drawn with drand round %(round)s.") % {"round": source["round"]}
    return f"{said} {site_url()}{reverse('contest-public', args=[contest.public_key])}"


def post_freeze(actor, contest: Contest) -> None:
    """The frozen list's hash in a post on the contest's channels, scheduled now, so it is out before the random
    value exists. The public page has it in any case: a post the channels refuse is logged, the freeze stands."""
    channels = sorted({publication.channel_id for publication in contest.publications.all()})
    try:
        post = create_post(actor, contest.workspace, text=freeze_text(contest), scheduled_at=clock.now(),
                           variants=[VariantInput(channel_id=channel) for channel in channels],
                           title=_("Entries closed: %(title)s") % {"title": contest.title})
    except ActionError as error:
        log.warning("Contest %s: the freeze post was refused: %s", contest.pk, error.summary())
        return
    contest.freeze_post = post
    contest.save(update_fields=["freeze_post"])


def frozen_of(contest: Contest) -> dict:
    if not isinstance(contest.frozen, dict):
        raise ActionError({"state": [_("Only a frozen contest can be drawn.")]})
    return contest.frozen


def revealed_value(contest: Contest, http: httpx.Client | None) -> dict | None:
    """The random value named in the frozen list, once it exists."""
    source = frozen_of(contest)["source"]
    if source["kind"] != "drand":
        return {"seed": contest.seed}
    if clock.timestamp() < source["at"]:
        return None
    if http is not None:
        return fetch_round(source, http)
    with httpx.Client() as client:
        return fetch_round(source, client)


def draw_contest(actor, contest: Contest, http: httpx.Client | None = None) -> bool:
    """Winners then substitutes, once the random value exists; False while it does not yet."""
    if contest.state != State.FROZEN:
        raise ActionError({"state": [_("Only a frozen contest can be drawn.")]})
    try:
        revealed = revealed_value(contest, http)
    except draw.DrawError as error:
        raise ActionError({"randomness": [str(error)]}) from None
    if revealed is None:
        return False
    frozen = frozen_of(contest)
    try:
        result = draw.draw(frozen, draw.randomness_key(frozen, revealed))
    except draw.DrawError as error:
        raise ActionError({"entries": [str(error)]}) from None
    with transaction.atomic():
        mark_places(contest, result)
        contest.published = draw.published(frozen, revealed, result)
        contest.state, contest.drawn_at = State.DRAWN, clock.now()
        contest.save(update_fields=["published", "state", "drawn_at"])
        audit(contest.workspace_id, actor, "contest.drawn", contest, winners=[e.account_id for e in result.winners])
    return True


def mark_places(contest: Contest, result: draw.Result) -> None:
    chosen = [*((entrant, False) for entrant in result.winners), *((entrant, True) for entrant in result.substitutes)]
    for place, (entrant, substitute) in enumerate(chosen, start=1):
        contest.entries.filter(network=entrant.network, account_id=entrant.account_id).update(
            place=place, substitute=substitute)


def pick_first_correct(actor, contest: Contest) -> Contest:
    """A quiz won by the first correct answers: the eligible entrants by the time of their answer (a like before
    it does not count), no randomness needed."""
    if contest.kind != Kind.QUIZ or contest.quiz_mode != QuizMode.FIRST or contest.state != State.FROZEN:
        raise ActionError({"state": [_("Only a frozen quiz won by the first correct answers is decided this way.")]})
    first = list(contest.entries.filter(eligible=True).order_by("answered_at", "network", "account_id")[
        :contest.winners + contest.substitutes])
    with transaction.atomic():
        for place, entry in enumerate(first, start=1):
            entry.place, entry.substitute = place, place > contest.winners
            entry.save(update_fields=["place", "substitute"])
        contest.state, contest.drawn_at = State.DRAWN, clock.now()
        contest.save(update_fields=["state", "drawn_at"])
        audit(contest.workspace_id, actor, "contest.decided", contest, winners=[e.account_id for e in first])
    return contest


def winners_of(contest: Contest) -> list[Entry]:
    return list(contest.entries.filter(place__isnull=False, substitute=False).order_by("place"))


# The announcement.

def announcement_text(contest: Contest) -> str:
    names = ", ".join(f"@{entry.handle}" if entry.handle else entry.name or entry.account_id
                      for entry in winners_of(contest))
    said = _("The winners of %(title)s: %(names)s. Congratulations!") % {"title": contest.title, "names": names}
    if contest.frozen_sha256:
        said += " " + _("Draw check: %(hash)s") % {"hash": contest.frozen_sha256[:16]}
    return said


def announce(actor, contest: Contest) -> Contest:
    """The winners' announcement as a post draft on the contest's channels, for review before it goes out."""
    if contest.state != State.DRAWN:
        raise ActionError({"state": [_("Announce the winners once they are drawn.")]})
    if contest.announcement_id:
        return contest
    channels = sorted({publication.channel_id for publication in contest.publications.all()})
    post = create_post(actor, contest.workspace, text=announcement_text(contest),
                       variants=[VariantInput(channel_id=channel) for channel in channels],
                       title=_("Winners: %(title)s") % {"title": contest.title})
    contest.announcement = post
    contest.save(update_fields=["announcement"])
    audit(contest.workspace_id, actor, "contest.announced", contest, post=post.pk)
    return contest
