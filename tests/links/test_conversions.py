"""Conversions and ROI (stoa/links/conversions.py): analytics exports of GA4, Matomo and Plausible imported all or
nothing, conversions reported through the signed webhook, and ROI per campaign and period."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stoa import clock
from stoa.errors import ActionError
from stoa.links.conversions import add_cost, import_export, new_webhook_secret, roi, signature
from stoa.links.models import CampaignResult
from stoa.workspaces.models import ApiToken

DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))

GA4 = """# ----------------------------------------
# Traffic acquisition: Session campaign
# Account: Kafe Yafo
# Property: kafe.example
# ----------------------------------------
#
# Start date: 20261201
# End date: 20261231
Session campaign,Session source / medium,Sessions,Engaged sessions,Engagement rate,Key events,Total revenue
winter-menu,mastodon / social,120,90,0.75,6,240.50
winter-menu,bluesky / social,80,20,0.25,2,80
(not set),google / organic,500,300,0.6,3,90
"""
# Exports as each tool writes them (see stoa/links/exports.py for where each comes from).
EXPORTS = Path(__file__).parent / "exports"
MATOMO = (EXPORTS / "matomo_campaigns.csv").read_text()
PLAUSIBLE = (EXPORTS / "plausible_imported_sources_20261201_20261231.csv").read_text()


def test_a_ga4_export_gives_sessions_bounces_key_events_and_revenue_for_its_dates(owner, workspace):
    assert import_export(owner, workspace, GA4.encode(), "ga4") == 2  # the row without a campaign is left out
    rows = CampaignResult.objects.order_by("pk").values_list("source", "sessions", "bounces", "conversions", "revenue",
                                                            "period_start", "period_end")
    assert list(rows) == [("mastodon", 120, 30, 6, Decimal("240.50"), *DECEMBER),
                          ("bluesky", 80, 60, 2, Decimal("80.00"), *DECEMBER)]


def test_a_matomo_export_sums_its_goals_over_the_period_given(owner, workspace):
    with pytest.raises(ActionError, match="period"):
        import_export(owner, workspace, MATOMO.encode(), "matomo")
    assert import_export(owner, workspace, MATOMO.encode(), "matomo", DECEMBER) == 2
    winter = CampaignResult.objects.get(campaign="winter-menu")
    assert (winter.sessions, winter.bounces, winter.conversions, winter.revenue) == (100, 40, 4, Decimal("150.50"))


def test_a_plausible_export_gives_visits_and_bounces_by_campaign_and_day(owner, workspace):
    assert import_export(owner, workspace, PLAUSIBLE.encode("utf-8-sig"), "plausible") == 1
    winter = CampaignResult.objects.get()
    assert (winter.source, winter.sessions, winter.bounces, winter.period_start) == (
        "mastodon", 110, 50, date(2026, 12, 2))


def test_bad_rows_are_each_reported_by_line_and_nothing_is_imported(owner, workspace):
    broken = GA4.replace("120,90,0.75,6,240.50", "120,150,0.75,6,240.50").replace("80,20,0.25,2,80", "80,20,0.25,-2,80")
    broken += "spring,telegram / social,ten,1,1,0,0\nshort,row\n"
    with pytest.raises(ActionError) as refused:
        import_export(owner, workspace, broken.encode(), "ga4")
    assert refused.value.errors["file"] == [
        "Line 10: 150 engaged sessions of 120 sessions.", "Line 11: '-2' is not a count.",
        "Line 13: 'ten' is not a number.", "Line 14: 2 cells where the header has 7 columns."]
    assert CampaignResult.objects.count() == 0


def test_an_export_missing_a_column_is_refused_naming_it(owner, workspace):
    with pytest.raises(ActionError, match="Missing column bounces"):
        import_export(owner, workspace, PLAUSIBLE.replace(",bounces", ",bounced").encode(), "plausible")


def test_roi_per_campaign_and_period_is_revenue_less_cost_over_cost(owner, workspace):
    import_export(owner, workspace, GA4.encode(), "ga4")
    import_export(owner, workspace, MATOMO.encode(), "matomo", (date(2026, 11, 1), date(2026, 11, 30)))
    add_cost(owner, workspace, campaign="winter-menu", period_start=date(2026, 12, 1), period_end=date(2026, 12, 31),
             amount=Decimal("200"))
    add_cost(owner, workspace, campaign="ads", period_start=date(2026, 12, 5), period_end=date(2026, 12, 5),
             amount=Decimal("50"))
    december = {row.campaign: row for row in roi(workspace, *DECEMBER)}
    assert december["winter-menu"].revenue == Decimal("320.50")  # November's Matomo rows are another period
    assert december["winter-menu"].roi == Decimal("0.6025")  # (320.50 - 200) / 200
    assert december["ads"].roi == Decimal("-1.0000")  # spent, nothing back
    november = {row.campaign: row for row in roi(workspace, date(2026, 11, 1), date(2026, 11, 30))}
    assert november["hanukkah"].roi is None  # nothing spent: no ratio


def post_conversion(client, workspace, secret: str, event: dict, timestamp: int | None = None, signed: str = ""):
    body = json.dumps(event).encode()
    stamp = str(timestamp if timestamp is not None else int(clock.now().timestamp()))
    return client.post(f"/conversions/{workspace.pk}/hook", body, content_type="application/json",
                       HTTP_X_STOA_TIMESTAMP=stamp, HTTP_X_STOA_SIGNATURE=signed or signature(secret, stamp, body))


ORDER = {"id": "order-1001", "campaign": "winter-menu", "source": "mastodon", "revenue": "49.90",
         "date": "2026-12-07"}


def test_a_signed_conversion_is_recorded_once_however_often_it_is_sent(client, owner, workspace):
    secret = new_webhook_secret(owner, workspace)
    assert post_conversion(client, workspace, secret, ORDER).status_code == 201
    assert post_conversion(client, workspace, secret, ORDER).status_code == 200  # sent again: not twice
    [order] = CampaignResult.objects.all()
    assert (order.origin, order.conversions, order.revenue, order.period_start) == (
        "webhook", 1, Decimal("49.90"), date(2026, 12, 7))


def test_a_conversion_signed_with_another_secret_or_too_old_is_refused(client, owner, workspace, other_workspace,
                                                                        stranger):
    secret = new_webhook_secret(owner, workspace)
    theirs = new_webhook_secret(stranger, other_workspace)
    assert post_conversion(client, workspace, theirs, ORDER).status_code == 401
    old = int((clock.now() - timedelta(minutes=10)).timestamp())
    assert post_conversion(client, workspace, secret, ORDER, timestamp=old).status_code == 401  # a replay
    assert post_conversion(client, workspace, secret, ORDER, signed="sha256=00").status_code == 401
    assert post_conversion(client, workspace, secret, {"campaign": "no id"}).status_code == 400
    assert CampaignResult.objects.count() == 0


def test_a_new_secret_retires_the_old_one(client, owner, workspace):
    old = new_webhook_secret(owner, workspace)
    new_webhook_secret(owner, workspace)
    assert post_conversion(client, workspace, old, ORDER).status_code == 401


def test_the_api_imports_enters_costs_and_answers_roi_for_its_own_workspace_only(owner, workspace, other_workspace):
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    base = f"/api/v1/workspaces/{workspace.pk}/conversions"
    upload = SimpleUploadedFile("ga4.csv", GA4.encode(), content_type="text/csv")
    assert api.post(f"{base}/import", {"file": upload, "origin": "ga4"}).json() == {"imported": 2}
    bad = SimpleUploadedFile("ga4.csv", GA4.replace("240.50", "lots").encode(), content_type="text/csv")
    refused = api.post(f"{base}/import", {"file": bad, "origin": "ga4"})
    assert refused.status_code == 422 and "Line 10" in refused.content.decode()
    assert api.post(f"{base}/costs", {"campaign": "winter-menu", "period_start": "2026-12-01",
                                      "period_end": "2026-12-31", "amount": "100"},
                    content_type="application/json").status_code == 201
    [winter] = api.get(f"{base}/roi", {"start": "2026-12-01", "end": "2026-12-31"}).json()
    assert (winter["campaign"], Decimal(winter["roi"])) == ("winter-menu", Decimal("2.205"))
    made = api.post(f"{base}/webhook").json()
    assert made["url"].endswith(f"/conversions/{workspace.pk}/hook") and len(made["secret"]) > 30
    assert api.get(f"/api/v1/workspaces/{other_workspace.pk}/conversions/roi",
                   {"start": "2026-12-01", "end": "2026-12-31"}).status_code == 404


def test_owners_import_enter_costs_and_read_roi_on_the_links_page(client, owner, workspace, member):
    client.force_login(owner)
    page = f"/links/?workspace={workspace.slug}"
    upload = SimpleUploadedFile("ga4.csv", GA4.encode(), content_type="text/csv")
    assert client.post(page, {"form": "import", "origin": "ga4", "file": upload}).status_code == 302
    bad = SimpleUploadedFile("ga4.csv", GA4.replace("240.50", "lots").encode(), content_type="text/csv")
    refused = client.post(page, {"form": "import", "origin": "ga4", "file": bad})
    assert refused.status_code == 422 and "Line 10: &#x27;lots&#x27; is not an amount." in refused.content.decode()
    assert client.post(page, {"form": "cost", "campaign": "winter-menu", "period_start": "2026-12-01",
                              "period_end": "2026-12-31", "amount": "160.25"}).status_code == 302
    made = client.post(page, {"form": "webhook"}).content.decode()
    assert f"/conversions/{workspace.pk}/hook" in made

    analyst = member("analyst")
    client.force_login(analyst)
    shown = client.get(f"{page}&start=2026-12-01&end=2026-12-31").content.decode()
    assert "winter-menu" in shown and "320.50" in shown and "160.25" in shown and "100 %" in shown  # ROI 1.0
    assert 'name="form" value="cost"' not in shown  # reads, does not change
    assert client.post(page, {"form": "cost", "campaign": "x", "period_start": "2026-12-01",
                              "period_end": "2026-12-01", "amount": "1"}).status_code == 403


def test_import_problems_are_said_in_the_readers_language_with_plural_forms(owner, workspace):
    from django.utils import translation

    broken = GA4.replace("120,90,0.75,6,240.50", "120,150,0.75,6,240.50") + "short,row\n"
    with translation.override("he"), pytest.raises(ActionError) as refused:
        import_export(owner, workspace, broken.encode(), "ga4")
    assert refused.value.errors["file"] == ["שורה 10: 150 ביקורים מעורבים, יותר ממספר הביקורים (120).",
                                            "שורה 13: שני תאים, אבל מספר העמודות בכותרת הוא 7."]
    with translation.override("ru"), pytest.raises(ActionError) as refused:
        import_export(owner, workspace, (broken + "one\n").encode(), "ga4")
    assert refused.value.errors["file"][1:] == ["Строка 13: 2 ячейки, а столбцов в заголовке: 7.",
                                                "Строка 14: 1 ячейка, а столбцов в заголовке: 7."]
    with pytest.raises(ActionError, match=r"Missing columns visits, bounces\.$"):
        import_export(owner, workspace, PLAUSIBLE.replace(",visits,", ",v,").replace(",bounces", ",b").encode(),
                      "plausible")
    with translation.override("ar"), pytest.raises(ActionError, match="حدّد الفترة التي يغطيها"):
        import_export(owner, workspace, MATOMO.encode(), "matomo")
    with translation.override("el"), pytest.raises(ActionError) as refused:
        add_cost(owner, workspace, campaign=" ", period_start=date(2026, 12, 2), period_end=date(2026, 12, 1),
                 amount=Decimal("-1"))
    assert refused.value.errors == {"campaign": ["Δώστε το όνομα της καμπάνιας, όπως στο utm_campaign της."],
                                    "period_end": ["Η περίοδος τελειώνει πριν αρχίσει."],
                                    "amount": ["Ένα κόστος είναι μηδέν ή περισσότερο."]}
    assert CampaignResult.objects.count() == 0


def test_the_links_page_says_a_bad_export_in_hebrew(client, owner, workspace):
    from stoa.workspaces.models import UserSettings

    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    client.force_login(owner)
    bad = SimpleUploadedFile("ga4.csv", GA4.replace("240.50", "lots").encode(), content_type="text/csv")
    refused = client.post(f"/links/?workspace={workspace.slug}", {"form": "import", "origin": "ga4", "file": bad})
    page = refused.content.decode()
    assert refused.status_code == 422 and 'dir="rtl"' in page
    assert "שורה 10: &#x27;lots&#x27; אינו סכום תקין." in page and "Line 10" not in page


def test_the_webhook_says_what_is_wrong_in_the_language_asked_for(client, owner, workspace):
    secret = new_webhook_secret(owner, workspace)
    wrong = {**ORDER, "conversions": "many", "revenue": "-3", "date": "2026-13-01"}
    answer = post_conversion(client, workspace, secret, wrong)
    assert answer.status_code == 400 and answer.json()["error"] == (
        "conversions: 'many' is not a number.; revenue: '-3' is not an amount.; "
        "date: '2026-13-01' is not a date (YYYY-MM-DD).")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "he"
    assert post_conversion(client, workspace, secret, {"campaign": "no id"}).json() == {
        "error": "לאירוע המרה נדרשים מזהה (id) וקמפיין (campaign)."}
    assert post_conversion(client, workspace, secret, ["not", "an", "object"]).json() == {
        "error": "אירוע המרה הוא אובייקט JSON."}
    refused = post_conversion(client, workspace, "not the secret", ORDER)
    assert refused.status_code == 401
    assert refused.json() == {"error": "לא נחתם בסוד של סביבת העבודה הזו, או שהוא ישן מדי."}
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    too_large = post_conversion(client, workspace, secret, {**ORDER, "source": "x" * 20_000})
    assert too_large.status_code == 413 and too_large.json()["error"].startswith("Событие конверсии — не больше 16")
    assert CampaignResult.objects.count() == 0


def test_counts_that_are_not_finite_or_too_long_are_bad_rows_not_server_errors(client, owner, workspace):
    odd = GA4 + "spring,telegram / social,nan,1,1,0,0\nsummer,telegram / social,1e999999999,1,1,0,0\n"
    with pytest.raises(ActionError) as refused:
        import_export(owner, workspace, odd.encode(), "ga4")
    assert refused.value.errors["file"] == ["Line 13: 'nan' is not a count.", "Line 14: '1e999999999' is not a count."]
    secret = new_webhook_secret(owner, workspace)
    answer = post_conversion(client, workspace, secret, {**ORDER, "conversions": "Infinity"})
    assert answer.status_code == 400 and answer.json() == {"error": "conversions: 'Infinity' is not a count."}
    assert CampaignResult.objects.count() == 0
