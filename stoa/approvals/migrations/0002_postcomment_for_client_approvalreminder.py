from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def client_comments_stay_visible(apps, schema_editor):
    """What the client wrote (by link or as a member with the client role) is theirs to see."""
    PostComment = apps.get_model("approvals", "PostComment")
    Membership = apps.get_model("workspaces", "Membership")
    client_member = Membership.objects.filter(user=OuterRef("author"), workspace=OuterRef("post__workspace"),
                                              role="client")
    PostComment.objects.filter(Q(via_link__isnull=False) | Q(Exists(client_member))).update(for_client=True)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("posts", "0004_post_approval_exempt"),
        ("workspaces", "0002_notification_link_notification_user_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="postcomment",
            name="for_client",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="ApprovalReminder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("due_at", models.DateTimeField()),
                ("hours_before", models.PositiveSmallIntegerField()),
                ("approval_state", models.CharField(max_length=24)),
                ("sent_at", models.DateTimeField()),
                ("post", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="approval_reminders",
                                           to="posts.post")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("post", "due_at", "hours_before"),
                                                        name="one_reminder_per_post_time_and_stage")],
            },
        ),
        migrations.RunPython(client_comments_stay_visible, migrations.RunPython.noop),
    ]
