"""Reports: the analytics' own figures, on the web, as a PDF (Hebrew and English) and as CSV, and for the client
through a link without an account."""

from __future__ import annotations

import csv
import io
import time
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from stoa.analytics import charts, dashboard, kpis
from stoa.analytics.queries import Scope
from stoa.errors import ActionError
from stoa.links.models import CampaignResult
from stoa.posts.actions import add_media
from stoa.posts.models import Variant
from stoa.reports import actions, build, render
from stoa.reports.models import Frequency, Period, ReportTemplate, Section
from tests.analytics.dataset import WEEK_END, WEEK_START, small_dataset
from tests.core.helpers import image_bytes


def template_of(workspace, language: str = "he", **fields) -> ReportTemplate:
    given = {"name": "סיכום שבועי", "period": Period.CUSTOM, "custom_start": date(2026, 12, 1),
             "custom_end": date(2026, 12, 7)} | fields
    return ReportTemplate.objects.create(workspace=workspace, language=language, **given)


def png(colour: str) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return ContentFile(out.getvalue())


def give_the_top_post_an_image(dataset) -> None:
    media = dataset.a.publication.variant.variantmedia_set.get().media
    media.file.save("report-image.png", png("red"))
    media.content_type = "image/png"
    media.save()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_reports_numbers_are_the_analytics_queries_own(workspace):
    small_dataset(workspace)
    report = build.build(template_of(workspace), WEEK_START, WEEK_END)
    scope = Scope(workspaces=(workspace,), start=WEEK_START, end=WEEK_END)
    with translation.override("he"):  # the report's language: the same charts, in the same words
        expected = dashboard.figures(scope)
    assert report["totals"] == expected["totals"] and report["totals"]["posts"] == 3
    assert report["growth_chart"] == expected["growth_chart"]
    assert [p["post_id"] for p in report["top_posts"]] == [p["post_id"] for p in expected["top_posts"]]
    engagement = {row[0]: row[2] for row in report["tables"]["engagement"].rows}
    assert engagement == {str(row["label"]): row["rate"] for row in expected["breakdowns"][0][1]}
    assert [k.value for k in report["kpis"]] == [k.value for k in kpis.kpi_statuses(workspace, WEEK_START, WEEK_END)]


def test_the_period_is_the_last_whole_week_month_or_quarter(workspace):
    today = date(2026, 12, 9)  # a Wednesday
    for period, expected in ((Period.WEEK, (date(2026, 11, 30), date(2026, 12, 7))),
                             (Period.MONTH, (date(2026, 11, 1), date(2026, 12, 1))),
                             (Period.QUARTER, (date(2026, 7, 1), date(2026, 10, 1)))):
        assert build.period_days(ReportTemplate(workspace=workspace, period=period), today) == expected
    january = ReportTemplate(workspace=workspace, period=Period.QUARTER)
    assert build.period_days(january, date(2027, 1, 15)) == (date(2026, 10, 1), date(2027, 1, 1))


def test_a_hebrew_report_in_pdf_reads_right_to_left_with_its_charts_and_top_post_image(workspace):
    dataset = small_dataset(workspace)
    give_the_top_post_an_image(dataset)
    template = template_of(workspace, "he", colour="#aa3300")
    template.logo.save("logo.png", png("blue"))
    report = build.build(template, WEEK_START, WEEK_END)
    page = render.html(report)
    assert 'dir="rtl"' in page and page.count("<svg") >= 3 and page.count("data:image/png;base64,") == 2
    assert "#aa3300" in page
    data = render.pdf(report)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "סיכום שבועי" in text  # the report's name, its letters in logical order
    assert "Kafe Yafo" in text and "1.88%" in text
    reader = PdfReader(io.BytesIO(data))
    images = {image.data for page in reader.pages for image in page.images}  # pages may share their resources
    assert len(images) == 2, "the brand's logo and the top post's image are in the PDF"


def test_a_process_that_made_a_pdf_still_refuses_a_truncated_picture(owner, workspace):
    small_dataset(workspace)
    render.pdf(build.build(template_of(workspace, "en"), WEEK_START, WEEK_END))  # WeasyPrint loosens Pillow
    with pytest.raises(ActionError, match="broken.png could not be read"):
        add_media(owner, workspace, "broken.png", image_bytes(200, 200)[:120])


@pytest.mark.parametrize(("language", "name"), [("ar", "تقرير شهري"), ("fa", "گزارش ماهانه")])
def test_arabic_and_persian_reports_in_pdf_keep_their_words_whole_and_in_order(workspace, language, name):
    small_dataset(workspace)
    report = build.build(template_of(workspace, language, name=name), WEEK_START, WEEK_END)
    assert 'dir="rtl"' in render.html(report)
    assert name in pdf_text(render.pdf(report))


def test_the_period_is_whole_days_of_the_workspaces_timezone(workspace):
    template = template_of(workspace, "en")  # Asia/Jerusalem, 1 to 7 December 2026
    start, end = build.period_of(template)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+02:00", "2026-12-08T00:00:00+02:00")
    report = build.build(template)
    assert (report["first_day"], report["last_day"]) == (date(2026, 12, 1), date(2026, 12, 7))
    assert "From 1 Dec 2026 to 7 Dec 2026" in " ".join(render.html(report).split())


def test_an_english_report_in_pdf_says_its_sections_in_english(workspace):
    small_dataset(workspace)
    report = build.build(template_of(workspace, "en", name="Weekly summary"), WEEK_START, WEEK_END)
    page = render.html(report)
    assert 'dir="ltr"' in page
    text = pdf_text(render.pdf(report))
    for words in ("Weekly summary", "Audience growth", "Engagement by content type", "Top posts",
                  "Inbox and response times", "Links and conversions", "1.88%"):
        assert words in text, words


def test_a_months_report_as_pdf_takes_at_most_five_seconds(workspace):
    small_dataset(workspace)
    template = template_of(workspace, "he", period=Period.MONTH)
    started = time.perf_counter()
    data = render.pdf(build.build(template, WEEK_START.replace(day=1), WEEK_END.replace(day=31)))
    seconds = time.perf_counter() - started
    print(f"A month's PDF report: {seconds:.2f} s, {len(data)} bytes")
    assert seconds <= 5


def test_every_table_of_a_report_exports_as_csv(client, owner, workspace):
    dataset = small_dataset(workspace)
    template = template_of(workspace, "en")
    client.force_login(owner)
    for table in ("kpis", "growth", "engagement", "top_posts", "inbox", "links"):
        response = client.get(reverse("report-csv", args=[template.pk, table]))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == build.build(template)["tables"][table].headers
    engagement = client.get(reverse("report-csv", args=[template.pk, "engagement"])).content.decode()
    assert "Photo,1,1.88" in engagement
    Variant.objects.filter(pk=dataset.a.publication.variant_id).update(text="=HYPERLINK(\"http://evil\")")
    top = client.get(reverse("report-csv", args=[template.pk, "top_posts"])).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(top)))[1][0] == "'=HYPERLINK(\"http://evil\")"
    assert client.get(reverse("report-csv", args=[template.pk, "secrets"])).status_code == 404
    CampaignResult.objects.create(workspace=workspace, origin="webhook", campaign="winter", conversions=3,
                                  period_start=date(2026, 12, 2), period_end=date(2026, 12, 2),
                                  revenue=Decimal("10.10"), created_at=WEEK_START)
    CampaignResult.objects.create(workspace=workspace, origin="webhook", campaign="winter", conversions=1,
                                  period_start=date(2026, 12, 3), period_end=date(2026, 12, 3),
                                  revenue=Decimal("0.20"), created_at=WEEK_START)
    links = client.get(reverse("report-csv", args=[template.pk, "links"])).content.decode("utf-8-sig")
    assert "Conversions,4\r\nRevenue,10.30\r\n" in links


def test_the_top_posts_give_each_count_and_leave_empty_those_a_network_does_not_give(client, owner, workspace):
    small_dataset(workspace)
    template = template_of(workspace, "en")
    client.force_login(owner)
    top = client.get(reverse("report-csv", args=[template.pk, "top_posts"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(top)))
    assert rows[0][3:9] == ["Likes", "Reposts", "Replies", "Quotes", "Views", "Interactions"]
    assert rows[1][3:9] == ["10", "5", "4", "", "", "19"]  # post A (Mastodon): no quotes or views, never 0
    assert rows[2][3:9] == ["3", "", "", "", "200", "3"]  # the Telegram post: its reactions and views
    report = build.build(template)
    page = render.html(report)
    assert page.count('title="not available on Mastodon"') == 2 and page.count('title="not available on Telegram"') == 3
    text = pdf_text(render.pdf(report))  # on paper, a dash and one line to say what it means
    assert "10 5 4 — — 19 1.88%" in text and "3 — — — 200 3 1.50%" in text
    assert "A dash: not available on the post's network." in text and "not available on Mastodon" not in text
    hebrew = build.build(template_of(workspace, "he"))["tables"]["top_posts"].headers
    assert hebrew[3:8] == ["לייקים", "שיתופים", "תשובות", "ציטוטים", "צפיות"]


def test_the_client_link_shows_the_report_read_only_and_nothing_of_other_workspaces(
        client, owner, workspace, other_workspace):
    small_dataset(workspace)
    mine = template_of(workspace, "en")
    theirs = template_of(other_workspace, "en", name="Athens report")
    address = actions.make_client_link(owner, mine)
    path = address[address.index("/report/"):]
    page = client.get(path)
    assert page.status_code == 200 and "Kafe Yafo" in page.content.decode()
    assert "Athens" not in page.content.decode() and "<form" not in page.content.decode()
    assert client.get(path + "pdf/").content.startswith(b"%PDF")
    assert client.get(path + "csv/top_posts/").status_code == 200
    assert client.get("/report/not-a-token/").status_code == 404
    assert client.get(reverse("report", args=[theirs.pk])).status_code in (302, 403, 404)  # no account: no way in
    assert client.post(reverse("report-client-link", args=[mine.pk])).status_code == 302  # to the login page


def test_a_member_of_another_workspace_cannot_open_its_reports(client, stranger, workspace):
    template = template_of(workspace, "en")
    client.force_login(stranger)
    assert client.get(reverse("report", args=[template.pk])).status_code == 404
    assert client.get(reverse("report-pdf", args=[template.pk])).status_code == 404


def test_an_owner_saves_a_monthly_report_for_its_recipients(client, owner, workspace):
    client.force_login(owner)
    response = client.post(reverse("reports") + f"?workspace={workspace.slug}", {
        "workspace": workspace.slug, "name": "Monthly", "sections": ["kpis", "growth"], "period": "month",
        "language": "ar", "colour": "#aa0000", "frequency": Frequency.MONTHLY, "recipients": "boss@example.com\n"})
    assert response.status_code == 302
    saved = ReportTemplate.objects.get(workspace=workspace)
    assert saved.sections == ["kpis", "growth"] and saved.recipient_list == ["boss@example.com"]
    assert saved.next_send_at is not None and saved.next_send_at.astimezone(workspace.tzinfo).day == 1


@pytest.mark.parametrize("recipients", ["", "not an address"])
def test_a_scheduled_report_needs_recipients_with_addresses(owner, workspace, recipients):
    from stoa.errors import ActionError

    with pytest.raises(ActionError):
        actions.save_template(owner, workspace, {"name": "Weekly", "sections": ["kpis"], "period": "week",
                                                 "language": "en", "colour": "#000000", "frequency": "weekly",
                                                 "recipients": recipients})


def test_the_reports_page_lists_a_workspaces_reports_and_only_those_who_manage_it_make_them(
        client, owner, workspace, member):
    template = template_of(workspace, "en", name="Weekly summary")
    client.force_login(owner)
    page = client.get(reverse("reports")).content.decode()
    assert "Weekly summary" in page and 'name="sections"' in page and reverse("reports") in page  # in the menu
    analyst = member("analyst")
    client.force_login(analyst)
    page = client.get(reverse("reports")).content.decode()
    assert "Weekly summary" in page and 'name="sections"' not in page
    report = client.get(reverse("report", args=[template.pk])).content.decode()
    assert "Weekly summary" in report and reverse("report-pdf", args=[template.pk]) in report
    assert client.post(reverse("report-client-link", args=[template.pk])).status_code == 403


RIGHT_TO_LEFT = [("he", "קפה יפו"), ("ar", "مقهى يافا"), ("fa", "کافه یافا")]


def logical(text: str) -> str:
    """A PDF's text compared by its letters: Arabic presentation forms as their letters, without spaces or ZWNJ."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("\u200c", "")


@pytest.mark.parametrize(("language", "channel"), RIGHT_TO_LEFT)
def test_labels_drawn_inside_a_pdf_chart_read_in_logical_order_and_joined(language, channel):
    with translation.override(language):
        weekdays = dashboard.weekday_names()
        heatmap = charts.heatmap_chart("t", weekdays, {(1, 9): 2.0})
    bars = charts.bar_chart("t", [(channel, 1.5)])
    document = (f'<html lang="{language}" dir="rtl"><head><style>svg.chart {{ width: 100%; height: auto; }}</style>'
                f"</head><body><figure>{heatmap}</figure><figure>{bars}</figure></body></html>")
    text = logical(pdf_text(render.pdf_of(document)))
    assert logical(channel) in text and logical(weekdays[1]) in text


@pytest.mark.parametrize(("language", "channel"), RIGHT_TO_LEFT)
def test_a_right_to_left_report_names_its_channels_in_logical_order(workspace, language, channel):
    small_dataset(workspace)
    workspace.channels.filter(name="Kafe Mastodon").update(name=channel)
    report = build.build(template_of(workspace, language), WEEK_START, WEEK_END)
    assert f"<bdi>{channel}</bdi>" in str(report["growth_chart"])  # the legend is HTML, out of the SVG
    assert logical(channel) in logical(pdf_text(render.pdf(report)))


def test_the_new_report_form_has_every_section_ticked(client, owner, workspace):
    client.force_login(owner)
    page = client.get(reverse("reports")).content.decode()
    ticked = [box for box in page.split("<input")[1:] if 'name="sections"' in box.split(">")[0]]
    assert len(ticked) == len(Section.choices) and all("checked" in box.split(">")[0] for box in ticked)
