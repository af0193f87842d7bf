"""A KPI's figure as the pages and the reports show it: a count without decimals, hours in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from stoa.analytics.kpis import KpiStatus
from stoa.analytics.models import Kpi

register = template.Library()


@register.simple_tag
def kpi_figure(kpi: KpiStatus, value: float | Decimal) -> SafeString:
    # A whole figure without decimals (a target of 150 followers is stored as 150.00); 23.33 (a target scaled to a
    # week) and 2.5 hours as they are.
    shown = str(int(value)) if value == int(value) else localize(value)
    if kpi.kpi == Kpi.RESPONSE_TIME:
        # Translators: a response time in hours, e.g. "2.5 h"; the abbreviation of hours in your language.
        hours = gettext("%(hours)s h") % {"hours": shown}
        return format_html("<bdi>{}</bdi>", hours)  # in the direction of its words: "9.27 שע׳" reads right to left
    return format_html('<bdi dir="ltr">{}{}</bdi>', shown, kpi.unit)  # +12 and 3.1% read left to right
