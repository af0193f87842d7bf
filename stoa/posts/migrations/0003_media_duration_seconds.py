from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("posts", "0002_media_height_media_thumbnail_media_width_and_more")]

    operations = [
        migrations.AddField(
            model_name="media",
            name="duration_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
    ]
