from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Publication


def local_day(workspace, days_ahead: int) -> date:
    return datetime.now(ZoneInfo(workspace.timezone)).date() + timedelta(days=days_ahead)


def plan_post(user, workspace, channels, day: date, at: str = "10:00", text: str = "Shalom, hello",
              **kwargs) -> list[Publication]:
    """A post scheduled at a local wall-clock time of `day`; its publications."""
    when = datetime.combine(day, time.fromisoformat(at))
    post = create_post(user, workspace, text=text, variants=[VariantInput(c.pk) for c in channels],
                       scheduled_at=when, **kwargs)
    return list(Publication.objects.filter(variant__post=post).order_by("pk"))
