"""Background tasks (Huey): the same code runs on SqliteHuey embedded and RedisHuey scaled."""


from django.core.mail import send_mass_mail
from huey.contrib.djhuey import db_task

from stoa.workspaces.models import Membership, Role


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
