"""Notification email, sent by a background task (Huey) after the notification is saved: the same task code runs
on SqliteHuey embedded and RedisHuey scaled."""

from django.core.mail import send_mass_mail
from huey.contrib.djhuey import db_task

from stoa.site_url import site_url
from stoa.workspaces.models import Notification


@db_task(retries=3, retry_delay=60)
def email_notifications(notification_ids: list[int]) -> int:
    """Email each notification to its person, with a link into Stoa. Returns how many were sent."""
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related("user", "workspace")
    mails = []
    for n in notifications:
        if not (n.user and n.user.email):
            continue
        body = n.message + (f"\n\n{site_url()}{n.link}" if n.link else "")
        mails.append((f"[Stoa] {n.workspace.name}: {n.message[:80]}", body, None, [n.user.email]))
    return send_mass_mail(mails, fail_silently=False) if mails else 0
