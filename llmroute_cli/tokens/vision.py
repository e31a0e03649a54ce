"""Image parts as OpenAI bills them: the size read from a data: URL's header, then the vision formula.

OpenAI's published formula for gpt-4o, gpt-4.1 and gpt-4.5 (platform.openai.com/docs/guides/vision):
``detail: low`` costs 85 tokens; otherwise the image is scaled to fit in 2048x2048, then (only ever
down) so that its shortest side is 768, and costs 170 per 512px tile plus 85. gpt-4o-mini bills 2833
plus 5667 per tile. Only the header of an image is decoded, never fetched: a URL's image counts as
``GUESS_SIZE``, and the reason is returned so the report can say so.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct

LOW_DETAIL = 85
RATES = {"gpt-4o": (85, 170), "gpt-4o-mini": (2833, 5667)}  # base, per 512px tile
GUESS_SIZE = (1024, 1024)  # OpenAI's own example image: 765 tokens at gpt-4o's rates
BY_URL = "image by URL, size unknown: counted as 1024x1024"
UNREAD = "image format not read: counted as 1024x1024"
OTHER = "image part not in OpenAI's form: counted as 1024x1024"
_HEAD = 64  # bytes of header enough for PNG, GIF and WebP; JPEG reads on to its frame header
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


class BadImage(ValueError):
    """A data: URL that is not base64 an image could be in."""


def tiles(width: int, height: int) -> int:
    """512px tiles of an image at high detail: fit in 2048x2048, shortest side down to 768."""
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return math.ceil(w / 512) * math.ceil(h / 512)


def image_tokens(size: tuple[int, int] | None, detail: str, model: str = "gpt-4o") -> int:
    """Tokens of one image of ``size`` (None: ``GUESS_SIZE``) at ``detail``, at ``model``'s rates."""
    base, per_tile = RATES[model]
    if detail == "low":
        return base
    width, height = size or GUESS_SIZE
    return base + per_tile * tiles(width, height)


def url_image(url: str, detail: str) -> tuple[int, str | None]:
    """Tokens of an ``image_url`` part and the reason they are a guess (None when exact)."""
    if detail == "low":
        return LOW_DETAIL, None
    if not url.startswith("data:"):
        return image_tokens(None, detail), BY_URL
    size = data_url_size(url)
    return image_tokens(size, detail), None if size else UNREAD


def data_url_size(url: str) -> tuple[int, int] | None:
    """Width and height from a base64 data: URL's PNG, GIF, WebP or JPEG header; None for other formats."""
    head, _, data = url.partition(",")
    if not head.endswith(";base64"):
        raise BadImage("is a data: URL that is not base64")
    size = _size(_decode(data, _HEAD))
    if size is None and _decode(data, 4)[:2] == b"\xff\xd8":
        size = _jpeg(data)
    return size


def _decode(data: str, n: int) -> bytes:
    """The first ``n`` bytes (or all there are) of base64 text."""
    chunk = data[: -(-n // 3) * 4].strip()
    try:
        return base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True)[:n]
    except (binascii.Error, ValueError):
        raise BadImage("is a data: URL whose base64 does not decode") from None


def _size(b: bytes) -> tuple[int, int] | None:
    if b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR":
        return _positive(struct.unpack(">II", b[16:24]))
    if b[:6] in (b"GIF87a", b"GIF89a"):
        return _positive(struct.unpack("<HH", b[6:10]))
    if b[:4] == b"RIFF" and b[8:12] == b"WEBP" and len(b) >= 30:
        return _webp(b)
    return None


def _webp(b: bytes) -> tuple[int, int] | None:
    chunk = b[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", b[26:30])
        return _positive((w & 0x3FFF, h & 0x3FFF))
    if chunk == b"VP8L":
        b0, b1, b2, b3 = b[21:25]
        return (1 + (b0 | (b1 & 0x3F) << 8), 1 + ((b1 >> 6) | b2 << 2 | (b3 & 0x0F) << 10))
    if chunk == b"VP8X":
        return (1 + int.from_bytes(b[24:27], "little"), 1 + int.from_bytes(b[27:30], "little"))
    return None


def _jpeg(data: str) -> tuple[int, int] | None:
    """The frame header's size, decoding more of the image only as far as the segments reach."""
    n = 4096
    while True:
        b = _decode(data, n)
        found, needed = _jpeg_walk(b)
        if found or needed is None or len(b) < n:
            return found
        n = max(2 * n, needed)


def _jpeg_walk(b: bytes) -> tuple[tuple[int, int] | None, int | None]:
    """(size, None) when found, (None, bytes needed) to read on, (None, None) when it is not a JPEG."""
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            return None, None
        marker = b[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in _SOF:
            if i + 9 > len(b):
                return None, i + 9
            h, w = struct.unpack(">HH", b[i + 5 : i + 9])
            return _positive((w, h)), None
        i += 2 + int.from_bytes(b[i + 2 : i + 4], "big")
    return None, i + 9


def _positive(size: tuple[int, int]) -> tuple[int, int] | None:
    return size if size[0] > 0 and size[1] > 0 else None
