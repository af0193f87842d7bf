"""The approval flow's background work (Huey, embedded or scaled): reminders before a post's time while it
waits. Run every few minutes from Stoa's one list of periodic jobs; safe in any number of workers at once."""

from huey.contrib.djhuey import db_task

from stoa.approvals.reminders import remind_before_due


@db_task()
def approval_reminders() -> int:
    """Remind the reviewers, the client or the authors of posts whose time is near and that nobody approved."""
    return remind_before_due()
