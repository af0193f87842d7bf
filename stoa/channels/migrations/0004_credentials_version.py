from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0003_oauth_apps'),
    ]

    operations = [
        migrations.AddField(
            model_name='channel',
            name='credentials_version',
            field=models.PositiveIntegerField(default=0),
        ),
    ]
