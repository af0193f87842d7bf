import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0001_initial"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="measuredpost",
            index=models.Index(fields=["workspace", "published_at"], name="measured_posts_of_period"),
        ),
        migrations.AddIndex(
            model_name="measuredpost",
            index=models.Index(fields=["channel", "published_at"], name="measured_posts_of_channel"),
        ),
        migrations.CreateModel(
            name="KpiTarget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kpi", models.CharField(choices=[("follower_growth", "Follower growth"),
                                                  ("engagement_rate", "Engagement rate"),
                                                  ("response_time", "Response time"), ("clicks", "Clicks"),
                                                  ("conversions", "Conversions"), ("roi", "Return on investment")],
                                         max_length=24)),
                ("target", models.DecimalField(decimal_places=2, max_digits=14)),
                ("updated_at", models.DateTimeField()),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="kpi_targets", to="workspaces.workspace")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("workspace", "kpi"), name="one_target_per_kpi")],
            },
        ),
    ]
