"""The alarm about a burst of negative messages counts in each reader's language, with the plural forms of that
language for both numbers."""

from stoa.inbox.actions import ingest
from stoa.inbox.models import Policy
from stoa.workspaces.models import Notification, UserSettings
from tests.inbox.test_ingest import ByFirstWord, message


def test_a_burst_alarm_counts_messages_and_minutes_in_the_readers_language(workspace, owner, member, item):
    manager = member("manager")
    UserSettings.objects.create(user=owner, language="ru")
    UserSettings.objects.create(user=manager, language="ar")
    Policy.objects.create(workspace=workspace, burst_negative_count=3, burst_minutes=1)
    ingest(item.channel, [message(n, "complaint: קר") for n in range(10, 12)], ByFirstWord())
    said = {n.user_id: n.message for n in Notification.objects.filter(kind="inbox_acute")}
    assert said[owner.pk].startswith("Острая ситуация: 3 негативных сообщения за 1 минуту.")
    assert said[manager.pk].startswith("موقف حرج: 3 رسائل سلبية خلال دقيقة واحدة.")
