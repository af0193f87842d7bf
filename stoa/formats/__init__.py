"""One way to write a date and a time per interface language (settings.FORMAT_MODULE_PATH).

Django's own formats give a page three looks for the same moment ("12/08/2026 4:06 p.m.", "Dec. 8, 2026, 4:06
p.m." and a template's own "Tue 8 Dec 2026, 16:06"). Here the long and the short format of each language are the
same: the day, the month as a word (never 08/12, which half the world reads as August) and the year, then the
24-hour time. Whatever a template or message asks for, DATE_FORMAT or SHORT_DATETIME_FORMAT, reads alike."""

