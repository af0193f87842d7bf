# Made by Django's makemigrations.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('links', '0001_links'),
        ('workspaces', '0002_notification_link_notification_user_and_more'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignCost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('campaign', models.CharField(max_length=200)),
                ('period_start', models.DateField()),
                ('period_end', models.DateField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14)),
                ('note', models.CharField(blank=True, default='', max_length=200)),
                ('created_at', models.DateTimeField()),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='campaign_costs', to='workspaces.workspace')),
            ],
        ),
        migrations.CreateModel(
            name='WebhookSecret',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('secret_encrypted', models.TextField()),
                ('created_at', models.DateTimeField()),
                ('workspace', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='conversion_webhook', to='workspaces.workspace')),
            ],
        ),
        migrations.CreateModel(
            name='CampaignResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('ga4', 'Google Analytics 4'), ('matomo', 'Matomo'), ('plausible', 'Plausible'), ('webhook', 'Conversion webhook')], max_length=16)),
                ('batch', models.CharField(blank=True, default='', help_text='The import it came with.', max_length=32)),
                ('event_id', models.CharField(blank=True, default='', help_text="The webhook event's own id.", max_length=200)),
                ('period_start', models.DateField()),
                ('period_end', models.DateField()),
                ('campaign', models.CharField(max_length=200)),
                ('source', models.CharField(blank=True, default='', max_length=200)),
                ('sessions', models.PositiveBigIntegerField(default=0)),
                ('bounces', models.PositiveBigIntegerField(default=0)),
                ('conversions', models.PositiveBigIntegerField(default=0)),
                ('revenue', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ('created_at', models.DateTimeField()),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='campaign_results', to='workspaces.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', 'campaign', 'period_start'], name='campaign_results')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('event_id', ''), _negated=True), fields=('workspace', 'event_id'), name='one_result_per_webhook_event')],
            },
        ),
    ]
