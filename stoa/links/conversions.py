"""Conversions and ROI: campaign results imported from an analytics export or reported by the website through the
signed webhook, costs entered per campaign, and ROI per campaign and period = (revenue - cost) / cost."""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from stoa import clock
from stoa.crypto import decrypt_json, encrypt_json
from stoa.errors import ActionError
from stoa.links import exports
from stoa.links.models import CampaignCost, CampaignResult, Origin, WebhookSecret
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

WEBHOOK_TOLERANCE_SECONDS = 300  # a signed request older (or newer) than this is refused: a replay


def import_export(actor, workspace: Workspace, data: bytes, origin: str,
                  period: tuple[date, date] | None = None) -> int:
    """Every row of an analytics export, or nothing: a bad row is reported with its line and nothing is saved.
    Returns how many results were imported."""
    reading = exports.read_export(data, origin, period)
    if reading.problems:
        raise ActionError({"file": list(exports.lines(reading))})
    batch, now = secrets.token_hex(8), clock.now()
    with transaction.atomic():
        CampaignResult.objects.bulk_create(CampaignResult(
            workspace=workspace, origin=origin, batch=batch, period_start=r.period_start, period_end=r.period_end,
            campaign=r.campaign, source=r.source, sessions=r.sessions, bounces=r.bounces, conversions=r.conversions,
            revenue=r.revenue, created_at=now) for r in reading.results)
        audit(workspace.pk, actor, "conversions.imported", origin=origin, batch=batch, rows=len(reading.results),
              skipped=reading.skipped)
    return len(reading.results)


def add_cost(actor, workspace: Workspace, *, campaign: str, period_start: date, period_end: date,
             amount: Decimal, note: str = "") -> CampaignCost:
    campaign = campaign.strip()
    errors = {}
    if not campaign:
        errors["campaign"] = [_("Name the campaign, as in its utm_campaign.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if not Decimal(amount).is_finite() or amount < 0:
        errors["amount"] = [_("A cost is zero or more.")]
    if errors:
        raise ActionError(errors)
    cost = CampaignCost.objects.create(workspace=workspace, campaign=campaign, period_start=period_start,
                                       period_end=period_end, amount=amount, note=note.strip(), created_at=clock.now())
    audit(workspace.pk, actor, "conversions.cost_added", cost, campaign=campaign, amount=str(amount))
    return cost


@dataclass(frozen=True)
class CampaignROI:
    campaign: str
    sessions: int
    bounces: int
    conversions: int
    revenue: Decimal
    cost: Decimal
    roi: Decimal | None  # None when nothing was spent: no ratio to give


def roi(workspace: Workspace, start: date, end: date) -> list[CampaignROI]:
    """Each campaign's results and costs whose periods lie within [start, end], and its ROI."""
    results = (CampaignResult.objects.filter(workspace=workspace, period_start__gte=start, period_end__lte=end)
               .values("campaign").annotate(sessions=Sum("sessions"), bounces=Sum("bounces"),
                                            conversions=Sum("conversions"), revenue=Sum("revenue")))
    costs = dict(CampaignCost.objects.filter(workspace=workspace, period_start__gte=start, period_end__lte=end)
                 .values("campaign").annotate(total=Sum("amount")).values_list("campaign", "total"))
    by_campaign: dict[str, dict] = {r["campaign"]: dict(r) for r in results}
    rows = []
    for campaign in sorted(set(by_campaign) | set(costs)):
        r = by_campaign.get(campaign, {})
        revenue, cost = Decimal(r.get("revenue") or 0), Decimal(costs.get(campaign) or 0)
        rows.append(CampaignROI(campaign, r.get("sessions") or 0, r.get("bounces") or 0, r.get("conversions") or 0,
                                revenue, cost, ((revenue - cost) / cost).quantize(Decimal("0.0001")) if cost else None))
    return rows


# -- The signed webhook ---------------------------------------------------------------------------


def new_webhook_secret(actor, workspace: Workspace) -> str:
    """A new signing key for the workspace's conversion webhook (the old one stops working); shown once."""
    secret = secrets.token_urlsafe(32)
    WebhookSecret.objects.update_or_create(workspace=workspace, defaults={
        "secret_encrypted": encrypt_json({"secret": secret}), "created_at": clock.now()})
    audit(workspace.pk, actor, "conversions.webhook_secret_made")
    return secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=<hex>: HMAC-SHA256 of "<timestamp>.<body>" with the workspace's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Refused(Exception):
    """The webhook request is not the website's, or is a replay: answered 401 in one sentence for all (the reason,
    in English, is for a debugger only: the website is not told which check failed)."""


def receive_conversion(workspace_id: int, timestamp: str, signed: str, body: bytes) -> bool:
    """Record a conversion the website reports. True when recorded, False when this event was recorded before.
    Body: {"id": unique per event, "campaign", "source", "conversions" (default 1), "revenue", "date"}."""
    stored = WebhookSecret.objects.filter(workspace_id=workspace_id).first()
    if stored is None:
        raise Refused("No webhook for this workspace.")
    if not hmac.compare_digest(signature(decrypt_json(stored.secret_encrypted)["secret"], timestamp, body), signed):
        raise Refused("Bad signature.")
    if not timestamp.isdigit() or abs(clock.now().timestamp() - int(timestamp)) > WEBHOOK_TOLERANCE_SECONDS:
        raise Refused("The timestamp is too far from now.")
    event = parse_event(body)
    try:
        with transaction.atomic():
            CampaignResult.objects.create(workspace_id=workspace_id, origin=Origin.WEBHOOK, event_id=event["id"],
                                          period_start=event["date"], period_end=event["date"],
                                          campaign=event["campaign"], source=event["source"],
                                          conversions=event["conversions"], revenue=event["revenue"],
                                          created_at=clock.now())
    except IntegrityError:
        return False  # the website sent it again: once is enough
    return True


def parse_event(body: bytes) -> dict:
    """The event the website sent, or ActionError saying in the reader's words what is wrong with it, by field."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deep to read
        event = None
    if not isinstance(event, dict):
        raise ActionError(_("A conversion event is a JSON object."))
    parsed: dict[str, Any] = {name: str(event.get(name, "")).strip()[:200] for name in ("id", "campaign")}
    parsed["source"] = str(event.get("source") or "").strip()[:200]
    if not parsed["id"] or not parsed["campaign"]:
        raise ActionError(_("A conversion event needs an id and a campaign."))
    readers = {"conversions": lambda: exports.count(str(event.get("conversions", 1))),
               "revenue": lambda: exports.money(str(event.get("revenue") or "0")),
               "date": lambda: event_date(event.get("date"))}
    errors: dict[str, list[str]] = {}
    for name, read in readers.items():
        try:
            parsed[name] = read()
        except exports.BadRow as e:
            errors[name] = [str(e)]
    if errors:
        raise ActionError(errors)
    return parsed


def event_date(value) -> date:
    """The day an event names (YYYY-MM-DD), or today when it names none."""
    if not value:
        return clock.now().date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise exports.BadRow(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": repr(value)}) from None
