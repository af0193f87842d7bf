"""A report as a web page, a PDF and CSV files. The page and the PDF are the same HTML with the same inline SVG
charts (stoa.analytics.charts); WeasyPrint lays it out with Pango, which shapes Hebrew, Arabic and Persian and
puts them right to left. The fonts come from the system (`make fonts` installs them on Debian)."""

from __future__ import annotations

import base64
import csv
import html as html_text
import io
import logging
import re
from typing import Any

import arabic_reshaper
from bidi import get_display
from django.template.loader import render_to_string
from django.utils import translation

from stoa.posts.csv_io import neutralise
from stoa.reports.build import Table
from stoa.reports.models import ReportTemplate

# WeasyPrint logs each step of every PDF, and each CSS property it skips (the charts' `unicode-bidi: isolate`,
# which the browser reads): only its errors belong in Stoa's log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def logo_address(template: ReportTemplate) -> str:
    """The brand's logo as a data: address (the PDF is made without a web server to ask), or ''."""
    if not template.logo:
        return ""
    try:
        with template.logo.open("rb") as file:
            data = file.read()
    except OSError:
        return ""
    name = (template.logo.name or "").lower()
    kind = ("image/svg+xml" if name.endswith(".svg") else
            "image/jpeg" if name.endswith((".jpg", ".jpeg")) else "image/png")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def html(report: dict[str, Any], links: dict[str, str] | None = None) -> str:
    """The report's HTML document; `links` (pdf, csv addresses) are shown on the web page only."""
    with translation.override(report["language"]):
        return render_to_string("reports/report.html", report | {"links": links or {},
                                                                  "logo": logo_address(report["template"])})


def pdf(report: dict[str, Any]) -> bytes:
    return pdf_of(html(report))


def pdf_of(document: str) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML  # loads Pango when a PDF is asked for, not with every process

    # Importing WeasyPrint makes Pillow accept truncated pictures in the whole process; the media library relies on
    # Pillow refusing them (stoa/posts/media_files.py). The report's own pictures were checked when uploaded.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=svg_text_in_visual_order(document)).write_pdf()


_SVG_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")


def _visual(match: re.Match) -> str:
    text = html_text.unescape(match.group(2))
    # Arabic and Persian letters take their joined forms first, then the line is put in the order it is drawn in.
    shown = get_display(arabic_reshaper.reshape(text))
    return match.group(1) + html_text.escape(shown, quote=False) + match.group(3)


def svg_text_in_visual_order(document: str) -> str:
    """WeasyPrint draws an SVG <text> letter by letter from left to right, with neither the bidi algorithm nor
    Arabic joining (the browser applies both): the PDF's chart labels are given already joined and in visual order.
    The HTML around the charts is laid out by Pango and stays in logical order."""
    return _SVG_TEXT.sub(_visual, document)


def _cell(value: Any) -> Any:
    if value is None:
        return ""  # no figure, never 0
    return neutralise(value) if isinstance(value, str) else value  # a post's text is never run as a formula


def csv_of(table: Table) -> str:
    """As the posts' export writes CSV: a BOM (so Excel reads Hebrew or Arabic), CRLF, text cells neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([[_cell(value) for value in row] for row in table.rows])
    return out.getvalue()
