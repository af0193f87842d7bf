"""The contests' periodic job: read the entries of open contests, freeze the closed ones, draw the frozen ones."""

import logging

from huey.contrib.djhuey import db_task

from stoa import clock
from stoa.contests import actions
from stoa.contests.collect import collect_contest
from stoa.contests.models import Contest, Kind, QuizMode, State
from stoa.errors import ActionError

log = logging.getLogger(__name__)


@db_task()
def run_contests() -> None:
    now = clock.now()
    for contest in Contest.objects.filter(state=State.OPEN, opens_at__lte=now):
        collect_contest(contest)
        if now >= contest.closes_at:  # read once more after the close, then frozen
            freeze(contest)
    for contest in Contest.objects.filter(state=State.FROZEN):
        decide(contest)


def freeze(contest: Contest) -> None:
    try:
        actions.freeze_contest(None, contest)
    except ActionError as error:
        log.warning("Contest %s could not be frozen: %s", contest.pk, error)


def decide(contest: Contest) -> None:
    try:
        if contest.kind == Kind.QUIZ and contest.quiz_mode == QuizMode.FIRST:
            actions.pick_first_correct(None, contest)
        elif not actions.draw_contest(None, contest):
            log.info("Contest %s waits for its random value.", contest.pk)
    except ActionError as error:
        log.warning("Contest %s could not be drawn: %s", contest.pk, error)
