"""Reading what an image file says about itself: its size and the text it carries.

Used where NapCat asks the image (``image-size``) or the OS (Windows OCR): qqsim
reads PNG, GIF, JPEG, BMP and WebP headers, and treats text stored in the
image (PNG text chunks, JPEG comments) as the text an OCR would read.
"""

from __future__ import annotations

import struct
import zlib

#: NapCat's fallback when it cannot tell an image's size.
FALLBACK_SIZE = (1024, 1024)


def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from the header, or None for unknown formats."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def image_size_or_fallback(data: bytes | None) -> tuple[int, int]:
    return (image_size(data) if data else None) or FALLBACK_SIZE


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """``(marker, payload)`` of each JPEG header segment up to the image data."""
    segments: list[tuple[int, bytes]] = []
    offset = 2
    while offset + 4 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        length = int.from_bytes(data[offset + 2:offset + 4], "big")
        segments.append((marker, data[offset + 4:offset + 2 + length]))
        if marker == 0xDA:  # start of scan: header over
            break
        offset += 2 + length
    return segments


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    for marker, payload in _jpeg_segments(data):
        if marker in (0xC0, 0xC1, 0xC2) and len(payload) >= 5:
            height, width = struct.unpack(">HH", payload[1:5])
            return int(width), int(height)
    return None


def embedded_text(data: bytes) -> str:
    """Text stored in the image: PNG tEXt/zTXt/iTXt chunks or JPEG comments, joined."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "\n".join(_png_texts(data))
    if data.startswith(b"\xff\xd8"):
        return "\n".join(payload.decode("utf-8", "replace")
                         for marker, payload in _jpeg_segments(data) if marker == 0xFE)
    return ""


def _png_texts(data: bytes) -> list[str]:
    texts: list[str] = []
    offset = 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        text = _png_text(kind, body)
        if text:
            texts.append(text)
        offset += 12 + length
    return texts


def _png_text(kind: bytes, body: bytes) -> str:
    _keyword, _, rest = body.partition(b"\x00")
    try:
        if kind == b"tEXt":
            return rest.decode("latin-1")
        if kind == b"zTXt":
            return zlib.decompress(rest[1:]).decode("latin-1")
        if kind == b"iTXt":
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _translated, _, text = rest.partition(b"\x00")
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, IndexError):
        return ""
    return ""
