"""Editing the communication policy, stored as data: settings, response targets, working hours, teams,
routing rules and saved replies. Every change is checked by its form (stoa/inbox/forms.py) and audited."""

from __future__ import annotations

from django.db import transaction

from stoa.errors import cleaned
from stoa.inbox.forms import (
    PolicySettingsForm,
    RuleForm,
    SavedReplyForm,
    TargetsForm,
    TeamForm,
    WorkingTimeForm,
)
from stoa.inbox.models import (
    Intent,
    ResponseTarget,
    RoutingRule,
    SavedReply,
    Team,
    WorkingTime,
)
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace


def save_settings(actor, workspace: Workspace, data) -> None:
    from stoa.inbox.answers import policy_of

    policy = policy_of(workspace.pk)
    given = cleaned(PolicySettingsForm(data))
    policy.tone_guide = given["tone_guide"]
    policy.link_policy = given["link_policy"] or policy.link_policy
    policy.allowed_domains = given["allowed_domains"]
    policy.hiding_allowed = given["hiding_allowed"]
    policy.burst_negative_count = 5 if given["burst_negative_count"] is None else given["burst_negative_count"]
    policy.burst_minutes = given["burst_minutes"] or 15
    policy.alarm_keywords = given["alarm_keywords"]
    policy.handoff_url, policy.handoff_email = given["handoff_url"], given["handoff_email"]
    policy.sales_email = given["sales_email"]
    if given["handoff_secret"]:  # left empty: the secret stays as it was (it is never shown again)
        policy.handoff_secret = given["handoff_secret"]
    policy.save()
    audit(workspace.pk, actor, "inbox.policy_changed", policy)


def save_targets(actor, workspace: Workspace, data) -> None:
    given = cleaned(TargetsForm(data))
    with transaction.atomic():
        for intent in Intent.values:
            minutes = given[f"target_{intent}"]
            if minutes is None:
                ResponseTarget.objects.filter(workspace=workspace, intent=intent).delete()
            else:
                ResponseTarget.objects.update_or_create(workspace=workspace, intent=intent,
                                                        defaults={"first_response_minutes": minutes})
        audit(workspace.pk, actor, "inbox.targets_changed", workspace)


def save_working_time(actor, workspace: Workspace, data) -> None:
    """Each weekday as "09:00-13:00, 14:00-18:00" (empty: a day off), holidays as YYYY-MM-DD."""
    given = cleaned(WorkingTimeForm(data))
    WorkingTime.objects.update_or_create(workspace=workspace, defaults={"hours": given["hours"],
                                                                        "holidays": given["holidays"]})
    audit(workspace.pk, actor, "inbox.working_time_changed", workspace)


def add_team(actor, workspace: Workspace, name: str, member_ids: list) -> Team:
    given = cleaned(TeamForm({"name": name, "members": [m for m in member_ids if m]}, workspace=workspace))
    team, _created = Team.objects.get_or_create(workspace=workspace, name=given["name"])
    team.members.set(given["members"])
    audit(workspace.pk, actor, "inbox.team_saved", team)
    return team


def add_rule(actor, workspace: Workspace, data) -> RoutingRule:
    given = cleaned(RuleForm(data, workspace=workspace))
    rule = RoutingRule.objects.create(
        workspace=workspace, name=given["name"], position=RoutingRule.objects.filter(workspace=workspace).count() + 1,
        intents=given["intents"], sentiments=given["sentiments"], languages=given["languages"],
        kinds=given["kinds"], keywords=given["keywords"], assign_to_id=given["assign_to"], team_id=given["team"])
    audit(workspace.pk, actor, "inbox.rule_added", rule)
    return rule


def add_saved_reply(actor, workspace: Workspace, title: str, body: str, intent: str = "") -> SavedReply:
    given = cleaned(SavedReplyForm({"title": title, "body": body, "intent": intent}))
    saved = SavedReply.objects.create(workspace=workspace, title=given["title"], body=given["body"],
                                      intent=given["intent"])
    audit(workspace.pk, actor, "inbox.saved_reply_added", saved)
    return saved
