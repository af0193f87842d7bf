from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("posts", "0003_media_duration_seconds")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="approval_exempt",
            field=models.BooleanField(default=False),
        ),
    ]
