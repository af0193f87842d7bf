"""What an uploaded file is: its format from its own bytes, its size in pixels and seconds, and a thumbnail.

Images are opened with Pillow (which refuses decompression bombs); MP4 videos are read from their
ISO base media boxes (ISO/IEC 14496-12: `moov` > `mvhd` for the duration, `trak` > `tkhd` for the
picture size), so no video tool has to be installed.
"""

import io
import struct
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from stoa.errors import ActionError

# Allowed uploads and the bytes each format starts with: the file's own bytes decide, not its name.
MEDIA_SIGNATURES: dict[str, tuple[int, bytes]] = {
    "image/jpeg": (0, b"\xff\xd8\xff"),
    "image/png": (0, b"\x89PNG\r\n\x1a\n"),
    "image/gif": (0, b"GIF8"),
    "image/webp": (8, b"WEBP"),
    "video/mp4": (4, b"ftyp"),
}
THUMBNAIL_PIXELS = 320
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


@dataclass(frozen=True)
class MediaInfo:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    thumbnail: bytes | None = None  # a JPEG or PNG at most THUMBNAIL_PIXELS on its longer side


def sniff_content_type(data: bytes) -> str | None:
    for content_type, (offset, signature) in MEDIA_SIGNATURES.items():
        if data[offset:offset + len(signature)] == signature:
            return content_type
    return None


def inspect(filename: str, content_type: str, data: bytes) -> MediaInfo:
    """Read the file as what its bytes say it is; a file that does not open is refused."""
    if content_type == "video/mp4":
        return inspect_mp4(filename, data)
    return inspect_image(filename, content_type, data)


def inspect_image(filename: str, content_type: str, data: bytes) -> MediaInfo:
    unreadable = ActionError({"file": [_("%(file)s could not be read as an image; it may be damaged.")
                                       % {"file": filename}]})
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[content_type]]) as image:
            width, height = image.size
            image.load()  # decodes the (first frame of the) picture: truncated files fail here
            return MediaInfo(width, height, thumbnail=thumbnail_of(image))
    except Image.DecompressionBombError:
        raise ActionError({"file": [_("%(file)s has too many pixels to be a picture for social media.")
                                    % {"file": filename}]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None


def thumbnail_of(image: Image.Image) -> bytes:
    picture = ImageOps.exif_transpose(image)  # phones store photos sideways with an orientation tag
    picture.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    out = io.BytesIO()
    if picture.mode in ("RGBA", "LA", "P"):
        picture.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        picture.convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()


def inspect_mp4(filename: str, data: bytes) -> MediaInfo:
    moov = _child(data, 0, len(data), b"moov")
    if moov is None:
        raise ActionError({"file": [_("%(file)s is not a complete MP4 video (it has no movie header).")
                                    % {"file": filename}]})
    duration = width = height = None
    start, end = moov
    if (mvhd := _child(data, start, end, b"mvhd")) is not None:
        duration = _mvhd_seconds(data, mvhd[0])
    for trak_start, trak_end in _children(data, start, end, b"trak"):
        if (tkhd := _child(data, trak_start, trak_end, b"tkhd")) is not None:
            w, h = _tkhd_size(data, *tkhd)
            if w and h:
                width, height = w, h
                break
    return MediaInfo(width, height, duration)


def _children(data: bytes, start: int, end: int, kind: bytes):
    """(content start, end) of each box of `kind` directly inside data[start:end]."""
    position = start
    while position + 8 <= end:
        size, box = struct.unpack(">I4s", data[position:position + 8])
        header = 8
        if size == 1 and position + 16 <= end:  # a 64-bit size follows
            size, header = struct.unpack(">Q", data[position + 8:position + 16])[0], 16
        elif size == 0:  # the box runs to the end
            size = end - position
        if size < header or position + size > end:
            return
        if box == kind:
            yield position + header, position + size
        position += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(_children(data, start, end, kind), None)


def _mvhd_seconds(data: bytes, start: int) -> float | None:
    version = data[start]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[start + 20:start + 32])
    else:
        timescale, duration = struct.unpack(">II", data[start + 12:start + 20])
    return round(duration / timescale, 3) if timescale else None


def _tkhd_size(data: bytes, start: int, end: int) -> tuple[int, int]:
    # Width and height are the last eight bytes of the box, as 16.16 fixed-point numbers.
    if end - start < 84:
        return 0, 0
    width, height = struct.unpack(">II", data[end - 8:end])
    return width >> 16, height >> 16
