"""NapCat's stream actions (§3.6): files sent to the bot in chunks, and chunked uploads.

A download answers with several envelopes: a ``file_info`` packet, one
``file_chunk`` packet per chunk (base64), then ``file_complete``. An upload is
one call per chunk, each answered by one stream-action envelope; the pending
chunks live in the world, the finished file in qqsim's storage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from typing import Any

from ...errors import InvalidState, NotFound, Why
from ...world.media import Media
from ...world.transfers import UploadStream
from ..context import ActionContext
from ..images import image_size_or_fallback
from ..params import Bool, Int, NoParams, Params, Str
from ..registry import Backing, Origin, action
from ..stream import Packet, Stream

DEFAULT_CHUNK = 64 * 1024
RECORD_FORMATS = ("mp3", "amr", "wma", "m4a", "spx", "ogg", "wav", "flac")


class DownloadStreamParams(Params):
    file: Str | None = None
    file_id: Str | None = None
    chunk_size: Int | None = None


class RecordStreamParams(DownloadStreamParams):
    out_format: Str | None = None


def _media(ctx: ActionContext, p: DownloadStreamParams) -> tuple[Media, bytes, int]:
    """The media to send, its bytes and the chunk size; errors as NapCat words them."""
    name = p.file or p.file_id or ""
    media = ctx.world.media.find(name) if name else None
    if media is None:
        raise NotFound(Why.DOWNLOAD_NOT_FOUND, name=name)
    if media.data is None:  # a URL nobody fetched: there is nothing local to stream
        raise NotFound(Why.DOWNLOAD_NOT_LOCAL, name=media.name)
    chunk = p.chunk_size or DEFAULT_CHUNK
    if chunk < 0:
        raise InvalidState(Why.DOWNLOAD_BAD_CHUNK, chunk=chunk)
    return media, media.data, chunk


def _chunks(data: bytes, chunk_size: int) -> list[Packet]:
    packets: list[Packet] = []
    for index, start in enumerate(range(0, len(data), chunk_size)):
        piece = data[start:start + chunk_size]
        encoded = base64.b64encode(piece).decode()
        packets.append({"type": "stream", "data_type": "file_chunk", "index": index,
                        "data": encoded, "size": len(piece),
                        "progress": round((start + len(piece)) / len(data) * 100),
                        "base64_size": len(encoded)})
    return packets


def _download(info: Packet, data: bytes, chunk_size: int) -> Stream:
    chunks = _chunks(data, chunk_size)
    final = {"type": "response", "data_type": "file_complete", "total_chunks": len(chunks),
             "total_bytes": len(data), "message": "Download completed"}
    return Stream(packets=(info, *chunks), final=final)


def _file_info(media: Media, chunk_size: int) -> Packet:
    return {"type": "stream", "data_type": "file_info", "file_name": media.name,
            "file_size": media.size, "chunk_size": chunk_size}


@action("download_file_stream", origin=Origin.NAPCAT, stream=True)
def download_file_stream(ctx: ActionContext, p: DownloadStreamParams) -> Stream:
    """Send a file the world holds in base64 chunks (file_info, file_chunk..., complete)."""
    media, data, chunk = _media(ctx, p)
    return _download(_file_info(media, chunk), data, chunk)


@action("download_file_image_stream", origin=Origin.NAPCAT, stream=True)
def download_file_image_stream(ctx: ActionContext, p: DownloadStreamParams) -> Stream:
    """Like download_file_stream, with the image's width and height in file_info."""
    media, data, chunk = _media(ctx, p)
    width, height = image_size_or_fallback(data)
    return _download({**_file_info(media, chunk), "width": width, "height": height}, data,
                     chunk)


@action("download_file_record_stream", origin=Origin.NAPCAT, stream=True)
def download_file_record_stream(ctx: ActionContext, p: RecordStreamParams) -> Stream:
    """Like download_file_stream for voices; ``out_format`` is named, bytes are not converted."""
    media, data, chunk = _media(ctx, p)
    info = _file_info(media, chunk)
    if p.out_format:
        if p.out_format not in RECORD_FORMATS:
            raise InvalidState(Why.DOWNLOAD_BAD_FORMAT, out_format=p.out_format)
        info["out_format"] = p.out_format
    return _download(info, data, chunk)


class SelfTestParams(Params):
    error: Bool = False


@action("test_download_stream", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED,
        stream=True)
def test_download_stream(ctx: ActionContext, p: SelfTestParams) -> Stream:
    """NapCat's stream self-test: ten data_chunk packets, then data_complete (or an error)."""
    packets = tuple({"type": "stream", "data": f"Index-> {i}", "data_type": "data_chunk"}
                    for i in range(1, 11))
    if p.error:
        return Stream(packets=packets, error="This is a test error")
    return Stream(packets=packets, final={"type": "response", "data_type": "data_complete",
                                          "data": "Stream transmission complete"})


# -- upload ------------------------------------------------------------------------------


class UploadStreamParams(Params):
    stream_id: Str
    chunk_data: Str | None = None
    chunk_index: Int | None = None
    total_chunks: Int | None = None
    file_size: Int | None = None
    expected_sha256: Str | None = None
    is_complete: Bool | None = None
    filename: Str | None = None
    reset: Bool | None = None
    verify_only: Bool | None = None
    file_retention: Int = 5 * 60 * 1000


def _status(stream: UploadStream, status: str = "file_created", kind: str = "stream"
            ) -> dict[str, Any]:
    return {"type": kind, "stream_id": stream.stream_id, "status": status,
            "received_chunks": len(stream.received), "total_chunks": stream.total_chunks}


def _open(ctx: ActionContext, p: UploadStreamParams) -> UploadStream:
    stream = ctx.world.transfers.find_upload(ctx.self_id, p.stream_id)
    if stream is not None:
        return stream
    if not p.total_chunks:
        raise InvalidState(Why.TOTAL_CHUNKS_REQUIRED, stream_id=p.stream_id)
    name = p.filename or f"upload_{uuid.uuid5(uuid.NAMESPACE_URL, p.stream_id)}"
    return ctx.world.transfers.open_upload(
        ctx.self_id, p.stream_id, filename=name, total_chunks=p.total_chunks,
        file_size=p.file_size, expected_sha256=p.expected_sha256 or "")


def _chunk(ctx: ActionContext, stream: UploadStream, index: int, payload: str
           ) -> dict[str, Any]:
    if index in stream.received and 0 <= index < stream.total_chunks:
        return _status(stream)  # NapCat ignores a chunk it already has
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        data = b""
    stream = ctx.world.transfers.add_chunk(ctx.self_id, stream.stream_id, index, data)
    return _status(stream, "chunk_received")


def _complete(ctx: ActionContext, stream: UploadStream) -> dict[str, Any]:
    data = ctx.world.transfers.finish_upload(ctx.self_id, stream.stream_id)
    result = {**_status(stream, "file_complete", "response"),
              "file_path": ctx.files.export(stream.filename, data), "file_size": len(data)}
    if stream.expected_sha256:
        result["sha256"] = hashlib.sha256(data).hexdigest()
    return result


@action("upload_file_stream", origin=Origin.NAPCAT, stream=True)
def upload_file_stream(ctx: ActionContext, p: UploadStreamParams) -> dict[str, Any]:
    """Upload a file to qqsim's storage one base64 chunk per call; returns its path at the end."""
    if p.reset:
        ctx.world.transfers.drop_upload(ctx.self_id, p.stream_id)
        raise InvalidState(Why.STREAM_RESET, stream_id=p.stream_id)
    if p.verify_only:
        found = ctx.world.transfers.find_upload(ctx.self_id, p.stream_id)
        if found is None:
            raise NotFound(Why.STREAM_NOT_FOUND, stream_id=p.stream_id)
        return _status(found)
    stream = _open(ctx, p)
    if p.chunk_data and p.chunk_index is not None:
        return _chunk(ctx, stream, p.chunk_index, p.chunk_data)
    if p.is_complete or len(stream.received) == stream.total_chunks:
        return _complete(ctx, stream)
    return _status(stream)


@action("clean_stream_temp_file", origin=Origin.NAPCAT, void=True)
def clean_stream_temp_file(ctx: ActionContext, p: NoParams) -> None:
    """Drop the bot's unfinished upload streams (NapCat empties its temp directory)."""
    ctx.world.transfers.drop_upload(ctx.self_id)
