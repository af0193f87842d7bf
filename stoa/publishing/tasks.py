"""Background tasks (Huey): the same code runs on SqliteHuey embedded and RedisHuey scaled."""

import logging

from django.core.mail import send_mass_mail
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from stoa.workspaces.models import Membership, Role

log = logging.getLogger("stoa.tasks")


@db_task(retries=3, retry_delay=60)
def email_workspace_managers(workspace_id: int, kind: str, message: str) -> int:
    """Email the owners and managers of a workspace. Returns how many were sent."""
    members = Membership.objects.filter(
        workspace_id=workspace_id, role__in=[Role.OWNER, Role.MANAGER]
    ).select_related("user", "workspace")
    mails = [
        (f"[Stoa] {m.workspace.name}: {kind.replace('_', ' ')}", message, None, [m.user.email])
        for m in members if m.user.email
    ]
    return send_mass_mail(mails, fail_silently=False) if mails else 0


@db_periodic_task(crontab(minute="*"))
def expire_leases() -> int:
    """A safety net for deployments whose engine threads run elsewhere: turn expired leases
    into unknown outcomes so they are reconciled."""
    from stoa.publishing.engine import Engine

    return Engine(owner="periodic-sweeper").expire_leases()
