"""CSV import and export of posts: for people coming from other tools, and for spreadsheets.

Export: one row per publication, UTF-8 with a BOM (so that Excel shows Hebrew, Arabic, Greek and
Russian correctly), RFC 4180 quoting, CRLF line ends. A cell that starts with = + - @, a tab or a
carriage return gets a leading apostrophe, so that a spreadsheet shows it as text instead of
running it as a formula ("@dana thanks!" or "-20% today" are ordinary post texts).

Import: the same columns (so that export -> import round-trips) and the names other tools use.
Every cell that starts with an apostrophe followed by one of those characters loses that one
apostrophe, undoing the export's protection. (So a text that really starts with "'=" loses its
apostrophe; that is the price of round trips, and rare.) Rows with the same post_id become one
post with a variant per row. Each post goes through create_post, the composer's own validation,
in its own transaction: good rows are imported, bad ones reported with their physical line. So is a line
that is not valid CSV (a stray quote): reading starts again on the line after it. A cell holding text no
database takes (a NUL, or in a UTF-16 file a lone surrogate) makes its row a bad one, naming the column.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stoa.broken_text import problem
from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import ContentType, Media, Publication, State, Variant
from stoa.posts.queries import publications_in
from stoa.posts.times import parse_when, to_local, to_utc
from stoa.workspaces.access import Forbidden, Permission, check
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

MAX_ROWS = 5000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
THREAD_SEPARATOR = "\n---\n"
EXPORT_COLUMNS = ["post_id", "title", "content_type", "tags", "channel", "network", "scheduled_local", "timezone",
                  "state", "approval_state", "text", "media", "thread", "remote_url", "last_error"]
# Our column -> the header names accepted for it (after _normalise), ours first.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "content", "post", "post_text", "body", "caption"),
    "channels": ("channels", "channel", "channel_name", "profiles", "profile", "accounts", "account"),
    "scheduled_local": ("scheduled_local", "scheduled_at", "scheduled", "datetime", "date_time", "publish_at"),
    "date": ("date", "day"),
    "time": ("time",),
    "timezone": ("timezone", "time_zone", "tz"),
    "title": ("title",),
    "content_type": ("content_type", "type", "category"),
    "tags": ("tags", "tag", "labels"),
    "media": ("media", "media_files", "images", "image", "attachments"),
    "thread": ("thread", "thread_parts"),
    "post_id": ("post_id",),
}
# Columns of our export that mean nothing on import: not reported as unknown.
EXPORT_ONLY = {"network", "state", "approval_state", "remote_url", "last_error"}
WALL_TIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass
class ImportReport:
    dry_run: bool = False
    created: list[int] = field(default_factory=list)  # post ids (none in a dry run)
    imported_lines: list[int] = field(default_factory=list)  # lines that are (or would be) imported
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "created": self.created, "imported_lines": self.imported_lines,
                "errors": [{"line": line, "reasons": reasons} for line, reasons in self.errors],
                "duplicates": self.duplicates, "ignored_columns": self.ignored_columns}


@dataclass
class _Item:
    """One post to create: a row, or several rows sharing a post_id."""

    key: str
    line: int
    when: datetime | None  # UTC
    title: str
    content_type: str
    tags: list[str]
    variants: list[VariantInput] = field(default_factory=list)
    variant_lines: list[int] = field(default_factory=list)
    errors: dict[int, list[str]] = field(default_factory=dict)


# -- Export -------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _local_midnight(day: date, tz: str) -> datetime:
    # Not to_utc: a day may start in a DST gap, and a day's boundary needs no refusal.
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def export_rows(workspace: Workspace, *, start: date | None = None, end: date | None = None,
                states: list[str] | None = None) -> Iterator[list]:
    """One list per publication, in EXPORT_COLUMNS order. A date range (inclusive, local days)
    leaves out drafts without a time."""
    publications = publications_in([workspace.pk], states).prefetch_related("variant__variantmedia_set__media")
    if start:
        publications = publications.filter(scheduled_at__gte=_local_midnight(start, workspace.timezone))
    if end:
        publications = publications.filter(scheduled_at__lt=_local_midnight(end + timedelta(days=1),
                                                                              workspace.timezone))
    for p in publications.iterator(chunk_size=500):
        post, variant = p.variant.post, p.variant
        local = to_local(p.scheduled_at, workspace.timezone)
        yield [post.pk, post.title, post.content_type, ", ".join(post.tags), p.channel.name, p.channel.network,
               f"{local:%Y-%m-%d %H:%M}" if local else "", workspace.timezone, p.state, post.approval_state,
               variant.text, "|".join(m.filename for m in variant.ordered_media()),
               THREAD_SEPARATOR.join(variant.options.get("thread") or []), p.remote_url, p.last_error]


def export_posts(workspace: Workspace, *, start: date | None = None, end: date | None = None,
                 states: list[str] | None = None, actor=None) -> Iterator[str]:
    """The CSV text in pieces (for a streaming response): a BOM and the header, then a row each.
    With an `actor`, the export is audited: it takes the workspace's plans out of Stoa."""
    if actor is not None:
        audit(workspace.pk, actor, "posts.exported", None, start=start and start.isoformat(),
              end=end and end.isoformat(), states=states or [])
    return _export_chunks(workspace, start, end, states)


def _export_chunks(workspace: Workspace, start: date | None, end: date | None,
                   states: list[str] | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: minimal quoting, doubled quotes, CRLF

    def line(cells: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(EXPORT_COLUMNS)
    for row in export_rows(workspace, start=start, end=end, states=states):
        yield line(row)


def export_filename(workspace: Workspace) -> str:
    return f"stoa-{workspace.slug}-posts.csv"


# -- Reading the file ---------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:  # a lone surrogate is kept, to be reported on its row (_Row.broken)
            return data.decode("utf-16", errors="surrogatepass")
        except UnicodeDecodeError:
            raise ActionError({"file": [_("The file starts as UTF-16 but ends in the middle of a character: is "
                                          "it cut short?")]}) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ActionError({"file": [
            _("The file is not UTF-8 (line %(line)d has bytes that are not). In Excel choose Save as > "
              "\"CSV UTF-8 (comma delimited)\"; in LibreOffice choose the character set Unicode (UTF-8).")
            % {"line": line}]}) from None


def _delimiter(text: str) -> str:
    """The header row tells: it rarely holds a comma, semicolon or tab of its own."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _read(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, list[str]]]]:
    """(physical line where the row starts, cells) for each non-blank row, header first; and the lines that are
    not valid CSV, with the reason. After a broken line, reading starts again on the line after it: a stray
    quote costs its own row, not every row after it."""
    lines = io.StringIO(text, newline="").readlines()  # split as the csv module splits them
    delimiter = _delimiter(text)
    rows: list[tuple[int, list[str]]] = []
    broken: list[tuple[int, list[str]]] = []
    start = 0  # the index in `lines` where reading (re)starts
    while start < len(lines):
        reader = csv.reader((lines[i] for i in range(start, len(lines))), delimiter=delimiter, strict=True)
        line = start + 1
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append((line, cells))
                    if len(rows) > MAX_ROWS + 1:
                        raise ActionError({"file": [ngettext(
                            "The file has more than %(max)d row; split it into smaller files.",
                            "The file has more than %(max)d rows; split it into smaller files.", MAX_ROWS)
                            % {"max": MAX_ROWS}]})
                line = start + reader.line_num + 1
            break
        except csv.Error as e:
            if not rows:
                raise ActionError({"file": [_("The header row (line %(line)d) is not valid CSV: %(problem)s")
                                            % {"line": line, "problem": _csv_problem(e)}]}) from None
            broken.append((line, [_csv_problem(e)]))
            start = line  # the line after the one the broken row starts on
    if not rows:
        raise ActionError({"file": [_("The file is empty.")]})
    return rows, broken


def _csv_problem(error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        return _("A quote opened on this line is never closed, so the row cannot be read; the lines after it "
                 "were read on their own. Close the quote, or write a quote inside a cell as two (\"\").")
    if "expected after" in str(error):
        return _("A quoted cell goes on after its closing quote. Write a quote inside a cell as two (\"\"), "
                 "and quote the whole cell.")
    return _("This line is not valid CSV (%(problem)s); check its quotes.") % {"problem": error}


def _normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Our column -> its index in the file, and the columns we ignore."""
    names = {alias: ours for ours, aliases in IMPORT_COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    ignored = []
    for i, raw in enumerate(header):
        if reason := problem(raw):
            raise ActionError({"file": [_("Column %(column)d of the header row: %(problem)s")
                                        % {"column": i + 1, "problem": reason}]})
        ours = names.get(_normalise(raw))
        if ours is None:
            if raw.strip() and _normalise(raw) not in EXPORT_ONLY:
                ignored.append(raw.strip())
        elif ours in found:
            raise ActionError({"file": [_("The header row has two columns for %(column)s.") % {"column": ours}]})
        else:
            found[ours] = i
    missing = [c for c in ("text", "channels") if c not in found]
    if missing:
        raise ActionError({"file": [_("The header row needs the columns %(missing)s (it has: %(header)s).")
                                    % {"missing": ", ".join(missing), "header": ", ".join(header)}]})
    return found, ignored


# -- One row ------------------------------------------------------------------------------


class _Row:
    """The cells of one row by our column names, with every problem found in them."""

    def __init__(self, workspace: Workspace, channels: list[Channel], columns: dict[str, int], cells: list[str]):
        self.workspace, self.channels = workspace, channels
        self.reasons: list[str] = []
        self.values = {c: unneutralise(cells[i]) if i < len(cells) else "" for c, i in columns.items()}

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def broken(self) -> list[str]:
        """A reason per cell whose text no network and no database takes (stoa/broken_text.py)."""
        return [f"{column}: {reason}" for column, value in self.values.items() if (reason := problem(value))]

    def channel_ids(self) -> list[int]:
        cell = self.get("channels")
        if not cell:
            self.reasons.append(_("The channels cell is empty: name at least one channel."))
            return []
        by_name = [c for c in self.channels if c.name.casefold() == cell.casefold()]
        names = [cell] if by_name else [n.strip() for n in re.split(r"\|" if "|" in cell else ",", cell)]
        ids = []
        for name in filter(None, names):
            matches = [c for c in self.channels if c.name.casefold() == name.casefold()] or [
                c for c in self.channels if name.isdigit() and c.pk == int(name)]
            if len(matches) == 1:
                ids.append(matches[0].pk)
            elif matches:
                self.reasons.append(_("Several channels are named \"%(name)s\"; write one's id instead (%(ids)s).")
                                    % {"name": name, "ids": ", ".join(str(c.pk) for c in matches)})
            else:
                self.reasons.append(_("No channel \"%(name)s\" in %(workspace)s; its channels are: %(names)s.") % {
                    "name": name, "workspace": self.workspace.name,
                    "names": ", ".join(c.name for c in self.channels) or "-"})
        return ids

    def when(self) -> datetime | None:
        """The time in UTC: written local to the row's timezone (or the workspace's), or with an offset."""
        value = self.get("scheduled_local")
        day, clock = self.get("date"), self.get("time")
        if not value and day and not clock and WALL_TIME.match(day):
            value = day  # a "date" column holding the time too
        elif not value and (day or clock):
            if not (day and clock):
                self.reasons.append(_("Give both a date and a time, or neither for a draft."))
                return None
            value = f"{day} {clock}"
        if not value:
            return None
        tz = self.get("timezone") or self.workspace.timezone
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.reasons.append(_("\"%(tz)s\" is not a timezone such as Asia/Jerusalem.") % {"tz": tz})
            return None
        try:
            match = WALL_TIME.match(value)
            naive = _wall_time(match) if match else parse_when(value)
            return to_utc(naive, tz)
        except ValueError:
            self.reasons.append(_("\"%(value)s\" is not a date and time; write it as YYYY-MM-DD HH:MM (%(tz)s).")
                                % {"value": value, "tz": tz})
        except ActionError as e:
            self.reasons.extend(m for messages in e.errors.values() for m in messages)
        return None

    def content_type(self) -> str:
        value = self.get("content_type").casefold()
        if not value:
            return ContentType.OTHER
        for key, label in ContentType.choices:
            if value in (key, str(label).casefold()):
                return key
        self.reasons.append(_("Unknown content_type \"%(value)s\"; choose one of %(choices)s.")
                            % {"value": self.get("content_type"), "choices": ", ".join(ContentType.values)})
        return ContentType.OTHER

    def media_ids(self) -> list[int]:
        names = [n.strip() for n in self.get("media").split("|") if n.strip()]
        found = dict(Media.objects.filter(workspace=self.workspace, filename__in=names)
                     .order_by("created_at", "pk").values_list("filename", "pk"))  # the newest of a name wins
        for name in names:
            if name not in found:
                self.reasons.append(_("No file \"%(name)s\" in the media library of %(workspace)s; upload it "
                                      "there first.") % {"name": name, "workspace": self.workspace.name})
        return [found[n] for n in names if n in found]

    def thread(self) -> list[str]:
        parts = re.split(r"^[ \t]*---[ \t]*$", self.values.get("thread", ""), flags=re.M)
        return [p.strip() for p in parts if p.strip()]


def _wall_time(match: re.Match[str]) -> datetime:
    """A naive datetime from WALL_TIME's groups (seconds when given)."""
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    return datetime(year, month, day, hour, minute, second)


def _item_for(row: _Row, line: int, can_publish: bool) -> _Item:
    """The post a row asks for (its channels, its text) and what is wrong with it in row.reasons."""
    channel_ids = row.channel_ids()
    when = row.when()
    if when and not can_publish:
        row.reasons.append(_("Your role may only save drafts: leave the time empty, or ask someone who may "
                             "publish to import scheduled posts."))
    item = _Item(key=row.get("post_id"), line=line, when=when, title=row.get("title")[:200],
                 content_type=row.content_type(), tags=[t.strip() for t in row.get("tags").split(",") if t.strip()])
    media_ids = row.media_ids()
    text = row.values.get("text", "")
    if not text.strip() and not media_ids:
        row.reasons.append(_("The text is empty."))
    thread = row.thread()
    for channel_id in channel_ids:
        item.variants.append(VariantInput(channel_id, text=text, media_ids=media_ids,
                                          options={"thread": thread} if thread else {}))
        item.variant_lines.append(line)
    return item


def _merge(into: _Item, item: _Item) -> None:
    """A later row of the same post_id adds its variants to the post."""
    if item.when != into.when and not item.errors and not into.errors:  # an error may be why a row has no time
        item.errors.setdefault(item.line, []).append(
            _("Rows of post %(post)s must share one time; line %(line)d has another.")
            % {"post": item.key, "line": into.line})
    taken = {v.channel_id for v in into.variants}
    for variant, line in zip(item.variants, item.variant_lines, strict=True):
        if variant.channel_id in taken:
            item.errors.setdefault(line, []).append(_("Post %(post)s already has a row for this channel.")
                                                    % {"post": item.key})
        into.variants.append(variant)
        into.variant_lines.append(line)
    for line, reasons in item.errors.items():
        into.errors.setdefault(line, []).extend(reasons)


# -- Import -------------------------------------------------------------------------------


def _signature(item: _Item) -> tuple:
    return frozenset((v.channel_id, v.text) for v in item.variants), item.when


def _already_there(workspace: Workspace, item: _Item) -> bool:
    """An existing post with the same channels, texts and time (cancelled ones do not count)."""
    post_ids: set[int] | None = None
    for v in item.variants:
        same = Publication.objects.filter(workspace=workspace, channel_id=v.channel_id, variant__text=v.text,
                                          scheduled_at=item.when).exclude(state=State.CANCELLED)
        ids = set(same.values_list("variant__post_id", flat=True))
        post_ids = ids if post_ids is None else post_ids & ids
        if not post_ids:
            return False
    channels = {v.channel_id for v in item.variants}
    return any(set(Variant.objects.filter(post_id=pk).values_list("channel_id", flat=True)) == channels
               for pk in post_ids or ())


def _reasons(error: ActionError, item: _Item) -> dict[int, list[str]]:
    """create_post's errors by line: a channel's problems on the line of its row."""
    by_line: dict[int, list[str]] = {}
    for key, messages in error.errors.items():
        match = re.match(r"variants\[(\d+)\]", key)
        line = item.variant_lines[int(match.group(1))] if match else item.line
        plain = match or key in ("__all__", "scheduled_at", "variants")
        by_line.setdefault(line, []).extend(m if plain else f"{key}: {m}" for m in messages)
    return by_line


def _parse(actor, workspace: Workspace, data: bytes, report: ImportReport) -> list[_Item]:
    limit = settings.STOA_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ActionError({"file": [_("The file is %(size).1f MB; Stoa accepts at most %(max).0f MB.")
                                    % {"size": len(data) / 1e6, "max": limit / 1e6}]})
    ((_line, header), *rows), report.errors = _read(_decode(data))
    columns, report.ignored_columns = _columns(header)
    try:
        check(actor, workspace, Permission.PUBLISH)
        can_publish = True
    except Forbidden:
        can_publish = False
    channels = list(Channel.objects.filter(workspace=workspace).order_by("pk"))
    items: list[_Item] = []
    by_key: dict[str, _Item] = {}
    for line, cells in rows:
        row = _Row(workspace, channels, columns, cells)
        if broken := row.broken():  # nothing else is read from such a row: its reasons would quote the text
            key = "" if any(reason.startswith("post_id:") for reason in broken) else row.get("post_id")
            item = _Item(key=key, line=line, when=None, title="", content_type=ContentType.OTHER, tags=[],
                         errors={line: broken})
        else:
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                row.reasons.append(_("This row has %(cells)d cells but the header has %(header)d: does a cell "
                                     "holding the delimiter lack its quotes?")
                                   % {"cells": len(cells), "header": len(header)})
            item = _item_for(row, line, can_publish)
            if row.reasons:
                item.errors[line] = row.reasons
        if item.key and item.key in by_key:
            _merge(by_key[item.key], item)
            continue
        items.append(item)
        if item.key:
            by_key[item.key] = item
    return items


def _import_one(actor, workspace: Workspace, item: _Item, seen: set, report: ImportReport) -> None:
    lines = sorted({item.line, *item.variant_lines, *item.errors})
    if any(item.errors.values()):
        for line in lines:
            reasons = item.errors.get(line) or [
                _("Not imported: another row of post %(post)s has errors.") % {"post": item.key}]
            report.errors.append((line, reasons))
        return
    signature = _signature(item)
    if signature in seen or _already_there(workspace, item):
        report.duplicates.extend(lines)
        return
    try:
        post = create_post(actor, workspace, variants=item.variants, scheduled_at=item.when, title=item.title,
                           content_type=item.content_type, tags=item.tags)
    except ActionError as e:
        by_line = _reasons(e, item)
        report.errors.extend((line, by_line.get(line) or [
            _("Not imported: another row of post %(post)s has errors.") % {"post": item.key}]) for line in lines)
        return
    seen.add(signature)
    report.imported_lines.extend(lines)
    if not report.dry_run:
        report.created.append(post.pk)


def import_posts(actor, workspace: Workspace, file_bytes: bytes, dry_run: bool = False) -> ImportReport:
    """Create a post for each good row (or rows sharing a post_id), each in its own transaction.
    A dry run does the same inside one transaction that is rolled back, so later rows are checked
    against earlier ones (gaps between posts, daily limits) exactly as in the real import.
    Raises ActionError for a file that cannot be read at all; then nothing is imported."""
    report = ImportReport(dry_run=dry_run)
    items = _parse(actor, workspace, file_bytes, report)
    seen: set = set()
    if dry_run:
        with transaction.atomic():
            for item in items:
                _import_one(actor, workspace, item, seen, report)
            transaction.set_rollback(True)
    else:
        for item in items:
            _import_one(actor, workspace, item, seen, report)
        audit(workspace.pk, actor, "posts.imported", None, posts=report.created, errors=len(report.errors),
              duplicates=len(report.duplicates), bytes=len(file_bytes))
    report.errors.sort(key=lambda e: e[0])
    report.duplicates.sort()
    report.imported_lines.sort()
    return report
