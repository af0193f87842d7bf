from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("posts", "0004_post_approval_exempt")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="campaign",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
