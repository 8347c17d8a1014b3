"""Group albums (群相册) and Qzone posts (说说), kept in the world.

NapCat passes the album service's answer through: a ``response``-style object
with ``result`` and ``errMs`` (sic) instead of throwing, so a refused album
operation is a *successful* call whose ``result`` is non-zero. Qzone actions
throw on failure, as NapCat's do.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypedDict

from ...errors import InvalidState, Why, WorldError
from ...world.albums import Album, AlbumPhoto
from ..context import ActionContext
from ..images import image_size_or_fallback
from ..media import media_url, resolve_media
from ..params import Params, Str
from ..registry import Origin, action
from ._nt import js_int, number_or_string
from ._util import loose_int

#: Albums per page of ``get_qun_album_list`` (the rest is behind ``attach_info``).
ALBUM_PAGE = 20
#: The album service's ``result`` for a refused operation.
REFUSED = 10001


def _user(ctx: ActionContext, user_id: int) -> dict[str, Any]:
    account = ctx.world.accounts.find(user_id)
    return {"uin": str(user_id), "nick": account.nickname if account else ""}


def _service_answer(ctx: ActionContext, seed: str, result: int = 0, err: str = "",
                    **extra: Any) -> dict[str, Any]:
    trace = hashlib.md5(f"{seed}-{ctx.world.now()}".encode()).hexdigest()
    return {"seq": 0, "result": result, "errMs": err, "trace_id": trace,
            "request_time_line": {"request_invoke_time": "0"}, **extra}


def _group_id(raw: str) -> int:
    return loose_int(raw) or 0


# -- albums -----------------------------------------------------------------------------


class AlbumListParams(Params):
    group_id: Str
    attach_info: Str = ""


class AlbumList(TypedDict):
    album_list: list[dict[str, Any]]
    attach_info: str
    has_more: bool


def _album_info(ctx: ActionContext, album: Album) -> dict[str, Any]:
    cover = ctx.world.media.find(album.cover) if album.cover else None
    return {
        "album_id": album.album_id, "name": album.name, "desc": album.desc,
        "create_time": album.created_at, "modify_time": album.modified_at,
        "upload_number": album.photo_count, "creator": _user(ctx, album.creator_id),
        "cover_url": media_url(cover) if cover else "",
    }


@action("get_qun_album_list", origin=Origin.NAPCAT)
def get_qun_album_list(ctx: ActionContext, p: AlbumListParams) -> AlbumList:
    """A group's albums, newest first, a page at a time (``attach_info`` pages on)."""
    albums = ctx.world.albums.albums(_group_id(p.group_id), ctx.self_id)
    start = max(js_int(p.attach_info) or 0, 0)
    page = albums[start:start + ALBUM_PAGE]
    more = start + ALBUM_PAGE < len(albums)
    return {"album_list": [_album_info(ctx, album) for album in page],
            "attach_info": str(start + ALBUM_PAGE) if more else "", "has_more": more}


class MediaListParams(Params):
    group_id: Str
    album_id: Str
    attach_info: Str = ""


def _photo_info(ctx: ActionContext, photo: AlbumPhoto) -> dict[str, Any]:
    media = ctx.world.media.find(photo.media_name)
    return {
        "lloc": photo.lloc, "batch_id": photo.batch_id, "type": 0,
        "image": {"url": media_url(media) if media else "", "width": photo.width,
                  "height": photo.height, "md5": media.md5 if media else ""},
        "uploader": _user(ctx, photo.uploader_id), "upload_time": photo.uploaded_at,
        "comment": {"num": len(photo.comments), "comments": [
            {"id": str(c.comment_id), "user": _user(ctx, c.user_id), "content": c.content,
             "time": c.time} for c in photo.comments]},
        "like": {"num": len(photo.likers), "liked": ctx.self_id in photo.likers,
                 "users": [_user(ctx, uid) for uid in photo.likers]},
    }


@action("get_group_album_media_list", origin=Origin.NAPCAT)
def get_group_album_media_list(ctx: ActionContext, p: MediaListParams) -> dict[str, Any]:
    """The photos of one album with their comments and likes (the album service's answer)."""
    try:
        album = ctx.world.albums.album(_group_id(p.group_id), p.album_id, ctx.self_id)
        photos = ctx.world.albums.photos(album.group_id, album.album_id, ctx.self_id)
    except WorldError as exc:
        return _service_answer(ctx, p.album_id, REFUSED, str(exc))
    return _service_answer(ctx, p.album_id, album=_album_info(ctx, album),
                           media_list=[_photo_info(ctx, photo) for photo in photos],
                           attach_info="", has_more=False)


class UploadParams(Params):
    group_id: Str
    album_id: Str
    album_name: Str
    file: Str


@action("upload_image_to_qun_album", origin=Origin.NAPCAT, void=True)
def upload_image_to_qun_album(ctx: ActionContext, p: UploadParams) -> None:
    """Upload one image to a group album (NapCat returns nothing, not even null)."""
    media = resolve_media(ctx, p.file, kind="image")
    width, height = image_size_or_fallback(media.data)
    try:
        ctx.world.albums.upload(_group_id(p.group_id), p.album_id, ctx.self_id, media,
                                width=width, height=height)
    except WorldError:
        raise InvalidState(Why.ALBUM_SESSION_FAILED, album_id=p.album_id) from None


class PhotoParams(Params):
    group_id: Str
    album_id: Str
    lloc: Str


@action("del_group_album_media", origin=Origin.NAPCAT)
def del_group_album_media(ctx: ActionContext, p: PhotoParams) -> dict[str, Any]:
    """Delete a photo (one's own, or any as a group admin); refusals come back as result."""
    try:
        ctx.world.albums.delete_photo(_group_id(p.group_id), p.album_id, p.lloc, ctx.self_id)
    except WorldError as exc:
        return _service_answer(ctx, p.lloc, REFUSED, str(exc))
    return _service_answer(ctx, p.lloc)


class CommentParams(PhotoParams):
    content: Str


@action("do_group_album_comment", origin=Origin.NAPCAT)
def do_group_album_comment(ctx: ActionContext, p: CommentParams) -> dict[str, Any]:
    """Comment on a photo in a group album."""
    try:
        comment = ctx.world.albums.comment(_group_id(p.group_id), p.album_id, p.lloc,
                                           ctx.self_id, p.content)
    except WorldError as exc:
        return _service_answer(ctx, p.lloc, REFUSED, str(exc))
    return _service_answer(ctx, p.lloc, comment={
        "id": str(comment.comment_id), "user": _user(ctx, comment.user_id),
        "content": comment.content, "time": comment.time})


class AlbumLikeParams(Params):
    group_id: Str
    album_id: Str
    batch_id: Str
    lloc: Str | None = None


def _like(ctx: ActionContext, p: AlbumLikeParams, liked: bool) -> dict[str, Any]:
    try:
        ctx.world.albums.like(_group_id(p.group_id), p.album_id, p.batch_id, p.lloc or "",
                              ctx.self_id, liked)
    except WorldError as exc:
        return _service_answer(ctx, p.batch_id, REFUSED, str(exc))
    return _service_answer(ctx, p.batch_id)


@action("set_group_album_media_like", origin=Origin.NAPCAT)
def set_group_album_media_like(ctx: ActionContext, p: AlbumLikeParams) -> dict[str, Any]:
    """Like an upload batch in a group album, or one photo of it (``lloc``)."""
    return _like(ctx, p, True)


@action("cancel_group_album_media_like", origin=Origin.NAPCAT)
def cancel_group_album_media_like(ctx: ActionContext, p: AlbumLikeParams) -> dict[str, Any]:
    """Take back a like on an upload batch or a photo."""
    return _like(ctx, p, False)


# -- Qzone ------------------------------------------------------------------------------


class QzonePostParams(Params):
    content: Str
    images: list[Str] | None = None
    ugc_right: Any = 1
    target_uins: list[Any] | None = None


class QzonePosted(TypedDict):
    tid: str


@action("send_qzone_msg", origin=Origin.NAPCAT)
def send_qzone_msg(ctx: ActionContext, p: QzonePostParams) -> QzonePosted:
    """Post to the bot's Qzone (text and images; who may see it per ``ugc_right``)."""
    right = js_int(number_or_string(p.ugc_right))
    targets = [js_int(number_or_string(uin)) for uin in p.target_uins or []]
    images = []
    for image in p.images or []:
        try:
            images.append(resolve_media(ctx, image, kind="image"))
        except WorldError as exc:
            raise InvalidState(Why.QZONE_IMAGE_FAILED, image=image, cause=exc) from None
    post = ctx.world.albums.post(ctx.self_id, p.content, images,
                                 ugc_right=-1 if right is None else right,
                                 target_uins=[t for t in targets if t is not None])
    return {"tid": post.tid}


class QzoneDeleteParams(Params):
    tid: Str


@action("delete_qzone_msg", origin=Origin.NAPCAT, void=True)
def delete_qzone_msg(ctx: ActionContext, p: QzoneDeleteParams) -> None:
    """Delete one of the bot's Qzone posts by its tid."""
    ctx.world.albums.delete_post(ctx.self_id, p.tid)
