# Made by Django's makemigrations.

import django.db.models.deletion
import stoa.links.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('channels', '0003_oauth_apps'),
        ('posts', '0005_post_campaign'),
        ('workspaces', '0002_notification_link_notification_user_and_more'),
    ]

    operations = [
        migrations.CreateModel(
            name='LinkSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('utm_enabled', models.BooleanField(default=False, verbose_name='Add UTM parameters')),
                ('utm_source', models.CharField(blank=True, default='{network}', max_length=200, validators=[stoa.links.models.validate_template])),
                ('utm_medium', models.CharField(blank=True, default='social', max_length=200, validators=[stoa.links.models.validate_template])),
                ('utm_campaign', models.CharField(blank=True, default='{campaign}', max_length=200, validators=[stoa.links.models.validate_template])),
                ('utm_content', models.CharField(blank=True, default='', max_length=200, validators=[stoa.links.models.validate_template])),
                ('utm_term', models.CharField(blank=True, default='', max_length=200, validators=[stoa.links.models.validate_template])),
                ('short_links_enabled', models.BooleanField(default=False, verbose_name='Publish links as Stoa short links')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('workspace', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='link_settings', to='workspaces.workspace')),
            ],
        ),
        migrations.CreateModel(
            name='ShortLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('network', models.CharField(max_length=32)),
                ('code', models.CharField(max_length=16, unique=True)),
                ('url', models.TextField(help_text='The link as written in the post.')),
                ('url_hash', models.CharField(help_text='sha256 of url: one short link per link and publication.', max_length=64)),
                ('target', models.TextField(help_text='Where the short link leads: the link with its UTM parameters.')),
                ('created_at', models.DateTimeField()),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='short_links', to='channels.channel')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='short_links', to='posts.publication')),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='short_links', to='workspaces.workspace')),
            ],
        ),
        migrations.CreateModel(
            name='Click',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('referrer', models.CharField(blank=True, default='', max_length=500)),
                ('visitor', models.CharField(blank=True, default='', max_length=32)),
                ('link', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clicks', to='links.shortlink')),
            ],
        ),
        migrations.AddIndex(
            model_name='shortlink',
            index=models.Index(fields=['workspace', 'created_at'], name='workspace_short_links'),
        ),
        migrations.AddConstraint(
            model_name='shortlink',
            constraint=models.UniqueConstraint(fields=('publication', 'url_hash'), name='one_short_link_per_url'),
        ),
        migrations.AddIndex(
            model_name='click',
            index=models.Index(fields=['link', 'at'], name='clicks_of_link'),
        ),
    ]
