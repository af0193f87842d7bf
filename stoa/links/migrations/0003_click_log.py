# Made by Django's makemigrations.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('links', '0002_conversions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClickLogPosition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=64, unique=True)),
                ('offset', models.PositiveBigIntegerField(default=0)),
            ],
        ),
    ]
