"""Where a new message goes and when its first answer is due: a workspace's routing rules (the first that matches
assigns it to a person or a team), its response targets per intent and its working time, read once per batch.
Ingest routes with it; the alerts read its keyword matching too."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from stoa.inbox.models import Intent, Item, ResponseTarget, RoutingRule, WorkingTime
from stoa.inbox.working_time import WorkingClock
from stoa.workspaces.models import Workspace

# Until a workspace sets its own: minutes of working time to a first answer. Spam gets none.
DEFAULT_TARGET_MINUTES: dict[str, int] = {Intent.COMPLAINT: 60, Intent.LEAD: 60, Intent.QUESTION: 120,
                          Intent.PRAISE: 360, Intent.OTHER: 360}


@dataclass
class CompiledRule:
    rule: RoutingRule
    channel_ids: set[int]
    keywords: regex.Pattern | None

    def matches(self, item: Item) -> bool:
        r = self.rule
        return ((not r.intents or item.intent in r.intents)
                and (not r.sentiments or item.sentiment in r.sentiments)
                and (not r.languages or item.language in r.languages)
                and (not r.kinds or item.kind in r.kinds)
                and (not self.channel_ids or item.channel_id in self.channel_ids)
                and (self.keywords is None or bool(self.keywords.search(item.text))))


@dataclass
class Policy:
    """A workspace's routing rules, targets and working time, read once for a batch of messages."""

    rules: list[CompiledRule]
    targets: dict[str, int]
    clock: WorkingClock

    @classmethod
    def of(cls, workspace: Workspace) -> Policy:
        rules = [CompiledRule(r, {c.pk for c in r.channels.all()}, keyword_pattern(r.keywords))
                 for r in RoutingRule.objects.filter(workspace=workspace).prefetch_related("channels")]
        targets = dict(DEFAULT_TARGET_MINUTES)
        targets.update(ResponseTarget.objects.filter(workspace=workspace).values_list("intent",
                                                                                      "first_response_minutes"))
        working = WorkingTime.objects.filter(workspace=workspace).first()
        clock = WorkingClock(working.hours if working else {}, working.holidays if working else [],
                             workspace.timezone)
        return cls(rules, targets, clock)

    def route(self, item: Item) -> None:
        for compiled in self.rules:
            if compiled.matches(item):
                item.assigned_to_id, item.team_id = compiled.rule.assign_to_id, compiled.rule.team_id
                item.routed_by = compiled.rule.name
                return

    def set_due(self, item: Item) -> None:
        minutes = self.targets.get(item.intent)
        item.first_response_due = self.clock.add(item.written_at, minutes) if minutes else None


def keyword_pattern(keywords: list[str]) -> regex.Pattern | None:
    words = [regex.escape(k.strip()) for k in keywords if k.strip()]
    if not words:
        return None
    return regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{'|'.join(words)})(?![\p{{L}}\p{{N}}])", regex.IGNORECASE)
