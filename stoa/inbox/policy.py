"""Editing the communication policy, stored as data: settings, response targets, working hours, teams,
routing rules and saved replies. Every change is checked here and audited."""

from __future__ import annotations

import re
from datetime import date, time

from django.utils.translation import gettext as _

from stoa.errors import ActionError
from stoa.inbox.classifier import LANGUAGES
from stoa.inbox.models import (
    Intent,
    Kind,
    LinkPolicy,
    ResponseTarget,
    RoutingRule,
    SavedReply,
    Sentiment,
    Team,
    WorkingTime,
)
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Membership, Workspace

SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def words(text: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,\n]", text or "") if w.strip()]


def save_settings(actor, workspace: Workspace, data) -> None:
    from stoa.inbox.answers import policy_of

    policy = policy_of(workspace.pk)
    link_policy = data.get("link_policy", policy.link_policy)
    if link_policy not in LinkPolicy.values:
        raise ActionError({"link_policy": [_("Choose one of the link policies.")]})
    try:
        burst_count, burst_minutes = int(data.get("burst_negative_count", 5)), int(data.get("burst_minutes", 15))
    except ValueError:
        raise ActionError({"burst": [_("The alarm thresholds are whole numbers.")]}) from None
    if burst_count < 0 or not 1 <= burst_minutes <= 1440:
        raise ActionError({"burst": [_("The alarm window is 1 to 1,440 minutes, the count 0 (off) or more.")]})
    url = data.get("handoff_url", "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise ActionError({"handoff_url": [_("The hand-off address is a web address (https://...).")]})
    policy.tone_guide = data.get("tone_guide", "").strip()
    policy.link_policy = link_policy
    policy.allowed_domains = [d.lower().removeprefix("https://").removeprefix("http://").strip("/")
                              for d in words(data.get("allowed_domains", ""))]
    policy.hiding_allowed = data.get("hiding_allowed") in ("1", "on", "true", True)
    policy.burst_negative_count, policy.burst_minutes = burst_count, burst_minutes
    policy.alarm_keywords = words(data.get("alarm_keywords", ""))
    policy.handoff_url, policy.handoff_email = url, data.get("handoff_email", "").strip()
    policy.sales_email = data.get("sales_email", "").strip()
    if data.get("handoff_secret"):  # left empty: the secret stays as it was (it is never shown again)
        policy.handoff_secret = data["handoff_secret"].strip()
    policy.save()
    audit(workspace.pk, actor, "inbox.policy_changed", policy)


def save_targets(actor, workspace: Workspace, data) -> None:
    for intent in Intent.values:
        value = str(data.get(f"target_{intent}", "")).strip()
        if not value:
            ResponseTarget.objects.filter(workspace=workspace, intent=intent).delete()
            continue
        if not value.isdigit() or not 1 <= int(value) <= 60 * 24 * 14:
            raise ActionError({f"target_{intent}": [_("A target is a number of minutes, 1 to 20,160.")]})
        ResponseTarget.objects.update_or_create(workspace=workspace, intent=intent,
                                                defaults={"first_response_minutes": int(value)})
    audit(workspace.pk, actor, "inbox.targets_changed", workspace)


def save_working_time(actor, workspace: Workspace, data) -> None:
    """Each weekday as "09:00-13:00, 14:00-18:00" (empty: a day off), holidays as YYYY-MM-DD."""
    hours = {}
    for weekday in range(7):
        spans = []
        for part in words(data.get(f"day_{weekday}", "")):
            match = SPAN.match(part)
            try:
                start, end = (time.fromisoformat(match[1].zfill(5)), time.fromisoformat(match[2].zfill(5))) \
                    if match else (None, None)
            except ValueError:
                start = end = None
            if start is None or end is None or end <= start:
                raise ActionError({f"day_{weekday}": [_("Write working hours like 09:00-18:00; %(part)r is not.")
                                                      % {"part": part}]})
            spans.append([f"{start:%H:%M}", f"{end:%H:%M}"])
        hours[str(weekday)] = spans
    holidays = []
    for day in words(data.get("holidays", "")):
        try:
            holidays.append(date.fromisoformat(day).isoformat())
        except ValueError:
            raise ActionError({"holidays": [_("%(day)r is not a date like 2026-12-25.") % {"day": day}]}) from None
    if not any(hours.values()):
        hours = {}  # no hours at all: every minute counts, rather than none
    WorkingTime.objects.update_or_create(workspace=workspace, defaults={"hours": hours, "holidays": holidays})
    audit(workspace.pk, actor, "inbox.working_time_changed", workspace)


def member_of(workspace: Workspace, user_id) -> int | None:
    return member_id(workspace, user_id) if user_id else None


def member_id(workspace: Workspace, user_id) -> int:
    if not str(user_id).isdigit() or not Membership.objects.filter(workspace=workspace, user_id=user_id).exists():
        raise ActionError({"assign_to": [_("Choose a member of this workspace.")]})
    return int(user_id)


def add_team(actor, workspace: Workspace, name: str, member_ids: list) -> Team:
    if not name.strip():
        raise ActionError({"name": [_("Give the team a name.")]})
    team, _created = Team.objects.get_or_create(workspace=workspace, name=name.strip()[:120])
    team.members.set([member_id(workspace, m) for m in member_ids if m])
    audit(workspace.pk, actor, "inbox.team_saved", team)
    return team


def add_rule(actor, workspace: Workspace, data) -> RoutingRule:
    def chosen(field: str, allowed) -> list[str]:
        values = data.getlist(field) if hasattr(data, "getlist") else data.get(field, [])
        if unknown := [v for v in values if v not in allowed]:
            raise ActionError({field: [_("Unknown values: %(values)s.") % {"values": ", ".join(unknown)}]})
        return list(values)

    name = data.get("name", "").strip()
    if not name:
        raise ActionError({"name": [_("Give the rule a name that says what it does.")]})
    team_id = data.get("team") or None
    if team_id and not Team.objects.filter(workspace=workspace, pk=team_id).exists():
        raise ActionError({"team": [_("Choose a team of this workspace.")]})
    assign_to = member_of(workspace, data.get("assign_to"))
    if not team_id and not assign_to:
        raise ActionError({"assign_to": [_("Route it to a member or a team.")]})
    rule = RoutingRule.objects.create(
        workspace=workspace, name=name[:120], position=RoutingRule.objects.filter(workspace=workspace).count() + 1,
        intents=chosen("intents", Intent.values), sentiments=chosen("sentiments", Sentiment.values),
        languages=chosen("languages", LANGUAGES), kinds=chosen("kinds", Kind.values),
        keywords=words(data.get("keywords", "")), assign_to_id=assign_to, team_id=team_id)
    audit(workspace.pk, actor, "inbox.rule_added", rule)
    return rule


def add_saved_reply(actor, workspace: Workspace, title: str, body: str, intent: str = "") -> SavedReply:
    if not title.strip() or not body.strip():
        raise ActionError({"body": [_("A saved reply needs a title and a text.")]})
    if intent and intent not in Intent.values:
        raise ActionError({"intent": [_("Choose one of the intents.")]})
    saved = SavedReply.objects.create(workspace=workspace, title=title.strip()[:120], body=body.strip(),
                                      intent=intent)
    audit(workspace.pk, actor, "inbox.saved_reply_added", saved)
    return saved
