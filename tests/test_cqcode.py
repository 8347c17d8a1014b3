"""CQ-code codec: NapCat 4.18's string <-> segment rules as a bot observes them."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.onebot.codec import (
    MessageFormatError,
    Segment,
    escape_text,
    escape_value,
    parse_cq,
    render_cq,
    segments_to_text,
    to_segments,
    unescape_text,
    unescape_value,
)


def text(t: str) -> Segment:
    return {"type": "text", "data": {"text": t}}


def seg(type_: str, **data: object) -> Segment:
    return {"type": type_, "data": dict(data)}


# ------------------------------------------------------------------ escaping


def test_text_escaping_example_from_spec() -> None:
    assert escape_text("a[b]&c,d") == "a&#91;b&#93;&amp;c,d"
    assert unescape_text("a&#91;b&#93;&amp;c,d") == "a[b]&c,d"


def test_value_escaping_also_escapes_comma() -> None:
    assert escape_value("a[b]&c,d") == "a&#91;b&#93;&amp;c&#44;d"
    assert unescape_value("a&#91;b&#93;&amp;c&#44;d") == "a[b]&c,d"


def test_escaped_entity_decodes_to_literal_entity() -> None:
    assert unescape_text("&amp;#91;") == "&#91;"
    assert unescape_value("&amp;#44;") == "&#44;"
    assert escape_text("&#91;") == "&amp;#91;"


def test_share_example_from_spec() -> None:
    cq = "[CQ:share,url=http://e.com/?a=1&amp;b=2,title=x&#44;y]"
    share = seg("share", url="http://e.com/?a=1&b=2", title="x,y")
    assert parse_cq(cq) == [share]
    assert render_cq([share]) == cq


# ------------------------------------------------------------------ parsing


def test_parse_common_segments() -> None:
    assert parse_cq("[CQ:at,qq=10001]") == [seg("at", qq="10001")]
    assert parse_cq("[CQ:at,qq=all]") == [seg("at", qq="all")]
    assert parse_cq("[CQ:face,id=14]") == [seg("face", id="14")]
    assert parse_cq("[CQ:reply,id=-2147483648]") == [seg("reply", id="-2147483648")]
    assert parse_cq("[CQ:image,file=abc.jpg,type=flash]") == [
        seg("image", file="abc.jpg", type="flash")
    ]


def test_parse_mixed_text_and_codes() -> None:
    assert parse_cq("[CQ:reply,id=7]hi [CQ:at,qq=1] &amp; bye") == [
        seg("reply", id="7"),
        text("hi "),
        seg("at", qq="1"),
        text(" & bye"),
    ]


def test_parse_code_without_params_and_trailing_text() -> None:
    assert parse_cq("[CQ:face]") == [seg("face")]
    assert parse_cq("[CQ:dice]tail") == [seg("dice"), text("tail")]


def test_value_may_contain_equals_sign() -> None:
    assert parse_cq("[CQ:image,url=http://x/?a=1&amp;b=2]") == [
        seg("image", url="http://x/?a=1&b=2")
    ]
    assert parse_cq("[CQ:json,data=k==v]") == [seg("json", data="k==v")]


def test_empty_value_is_kept_as_empty_string() -> None:
    assert parse_cq("[CQ:at,qq=]") == [seg("at", qq="")]


def test_repeated_key_takes_last_value() -> None:
    assert parse_cq("[CQ:at,qq=1,qq=2]") == [seg("at", qq="2")]


@pytest.mark.parametrize(
    "raw",
    [
        "[CQ:at,qq=1",  # unterminated
        "[CQ:at,qq]",  # parameter without '='
        "[CQ:at,qq=1,]",  # trailing comma
        "[CQ:at, qq=1]",  # space makes the key invalid
        "[CQ:]",  # empty type
        "[CQ:表情,id=1]",  # non-ASCII type (JS \\w is ASCII)
        "[cq:at,qq=1]",  # lowercase prefix
        "[CQ:at,q-q=1]",  # '-' is not a word character
    ],
)
def test_malformed_code_stays_literal_text(raw: str) -> None:
    assert parse_cq(raw) == [text(raw)]


def test_unterminated_code_swallows_next_one_like_napcat() -> None:
    # A value may contain '[', so the first ']' closes the first code.
    assert parse_cq("[CQ:at,qq=1[CQ:face,id=2]") == [seg("at", qq="1[CQ:face", id="2")]
    assert parse_cq("[CQ:at,qq[CQ:face,id=2]") == [text("[CQ:at,qq"), seg("face", id="2")]


def test_text_pieces_are_unescaped_including_comma_entity() -> None:
    # NapCat runs the same unescape over text and values, so &#44; decodes in text.
    assert parse_cq("a&#44;b&#91;x&#93;") == [text("a,b[x]")]


def test_empty_string_parses_to_no_segments() -> None:
    assert parse_cq("") == []


def test_parse_rejects_non_string() -> None:
    with pytest.raises(MessageFormatError):
        parse_cq(123)  # type: ignore[arg-type]


# ------------------------------------------------------------------ rendering


def test_render_text_escapes_without_comma() -> None:
    assert render_cq([text("a[b]&c,d")]) == "a&#91;b&#93;&amp;c,d"


def test_render_keeps_key_order() -> None:
    image = seg(
        "image", summary="", file="ABC.jpg", sub_type=0, url="https://x/?a&b", file_size="1"
    )
    assert render_cq([image]) == (
        "[CQ:image,file=ABC.jpg,sub_type=0,url=https://x/?a&amp;b,file_size=1]"
    )
    assert render_cq([seg("x", b="1", a="2")]) == "[CQ:x,b=1,a=2]"


def test_render_skips_none_and_empty_values_but_not_zero_or_false() -> None:
    assert render_cq([seg("face", id="14", resultId=None, chainCount="")]) == "[CQ:face,id=14]"
    assert render_cq([seg("x", n=0, f=False, t=True)]) == "[CQ:x,n=0,f=false,t=true]"


def test_render_numbers_like_javascript() -> None:
    assert render_cq([seg("location", lat=39.9, lon=116.0)]) == "[CQ:location,lat=39.9,lon=116]"


def test_render_code_without_data() -> None:
    assert render_cq([seg("dice")]) == "[CQ:dice]"
    assert render_cq([{"type": "rps"}]) == "[CQ:rps]"


def test_render_object_values_as_escaped_compact_json() -> None:
    face = seg("face", id="14", raw={"faceIndex": 14, "faceText": "[微笑]", "x": [1, 2]})
    assert render_cq([face]) == (
        '[CQ:face,id=14,raw={"faceIndex":14&#44;"faceText":"&#91;微笑&#93;"&#44;'
        '"x":&#91;1&#44;2&#93;}]'
    )


def test_render_list_values_like_javascript_array_tostring() -> None:
    # NapCat only JSON-encodes plain objects; arrays go through Array#toString.
    assert render_cq([seg("x", a=["1", 2, None], b=[{"k": 1}])]) == (
        "[CQ:x,a=1&#44;2&#44;,b=&#91;object Object&#93;]"
    )
    assert render_cq([seg("x", a=[])]) == "[CQ:x]"


def test_render_values_are_value_escaped() -> None:
    assert render_cq([seg("json", data='{"a":1,"b":"[x]&"}')]) == (
        '[CQ:json,data={"a":1&#44;"b":"&#91;x&#93;&amp;"}]'
    )


def test_render_mixed_message() -> None:
    segs = [seg("reply", id="7"), text("hi "), seg("at", qq="1"), text(" [ok]")]
    assert render_cq(segs) == "[CQ:reply,id=7]hi [CQ:at,qq=1] &#91;ok&#93;"


# ------------------------------------------------------------------ to_segments


def test_to_segments_from_string() -> None:
    assert to_segments("hi[CQ:face,id=1]") == [text("hi"), seg("face", id="1")]


def test_to_segments_auto_escape_keeps_code_literal() -> None:
    assert to_segments("[CQ:at,qq=1]", auto_escape=True) == [text("[CQ:at,qq=1]")]
    assert to_segments("&amp;", auto_escape=True) == [text("&amp;")]


def test_to_segments_auto_escape_ignored_for_arrays() -> None:
    assert to_segments([seg("at", qq="1")], auto_escape=True) == [seg("at", qq="1")]


def test_to_segments_from_single_segment() -> None:
    assert to_segments({"type": "at", "data": {"qq": 1}}) == [seg("at", qq=1)]


def test_to_segments_from_list_defaults_missing_or_null_data() -> None:
    message = [{"type": "dice"}, {"type": "rps", "data": None}, text("x")]
    assert to_segments(message) == [seg("dice"), seg("rps"), text("x")]


def test_to_segments_copies_dicts_but_not_values() -> None:
    content = [text("nested")]
    original = {"type": "node", "data": {"user_id": 1, "content": content}}
    result = to_segments([original])
    assert result == [original]
    assert result[0] is not original
    assert result[0]["data"] is not original["data"]
    assert result[0]["data"]["content"] is content
    result[0]["data"]["user_id"] = 2
    assert original["data"] == {"user_id": 1, "content": content}


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        (None, "got null"),
        (42, "got int"),
        (1.5, "got float"),
        (True, "got bool"),
        ([text("a"), "b"], "message[1] must be a segment object, got str"),
        ([[text("a")]], "message[0] must be a segment object, got list"),
        ({"data": {}}, "needs a string 'type'"),
        ({"type": 1, "data": {}}, "needs a string 'type', got int"),
        ([{"type": "at", "data": "qq=1"}], "'data' of type str"),
        ({"type": "at", "data": [1]}, "'data' of type list"),
    ],
)
def test_to_segments_rejects_bad_shapes(message: object, fragment: str) -> None:
    with pytest.raises(MessageFormatError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        to_segments(message)


def test_message_format_error_is_value_error() -> None:
    assert issubclass(MessageFormatError, ValueError)


def test_empty_list_is_empty_message() -> None:
    assert to_segments([]) == []


# ------------------------------------------------------------------ preview


def test_segments_to_text_preview() -> None:
    segs = [seg("reply", id="1"), text("hi "), seg("at", qq="2"), text("!")]
    assert segments_to_text(segs) == "[reply]hi [at]!"


# ------------------------------------------------------------------ properties

WORD = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8)
# Pieces that collide with the escape tables, joined into strings.
TRICKY = st.lists(
    st.sampled_from([*"[]&,=;#91CQ:ab \né", "&amp;", "&#44;", "&#91;", "&#93;"]), max_size=12
).map("".join)
ANY_TEXT = st.one_of(st.text(), TRICKY)


@given(ANY_TEXT)
def test_text_escape_roundtrip(t: str) -> None:
    assert unescape_text(escape_text(t)) == t
    assert "[" not in escape_text(t) and "]" not in escape_text(t)


@given(ANY_TEXT)
def test_value_escape_roundtrip(t: str) -> None:
    assert unescape_value(escape_value(t)) == t
    assert not set(escape_value(t)) & set("[],")


text_segments = ANY_TEXT.map(text)
code_segments = st.builds(
    lambda t, d: {"type": t, "data": d},
    WORD.filter(lambda w: w != "text"),
    st.dictionaries(WORD, ANY_TEXT.filter(bool), max_size=4),
)


def merge_texts(segs: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segs:
        if s["type"] == "text":
            if s["data"]["text"] == "":
                continue
            if out and out[-1]["type"] == "text":
                out[-1] = text(str(out[-1]["data"]["text"]) + str(s["data"]["text"]))
                continue
        out.append(s)
    return out


@given(st.lists(st.one_of(text_segments, code_segments), max_size=8))
def test_render_then_parse_roundtrip(segs: list[Segment]) -> None:
    assert parse_cq(render_cq(segs)) == merge_texts(segs)


CQ_ISH = st.lists(
    st.one_of(
        TRICKY,
        st.sampled_from(["[CQ:", "[CQ:at,qq=1]", ",k=v", "]", "[CQ:text,text=", "[CQ:x,a="]),
    )
).map("".join)


@given(st.one_of(st.text(), CQ_ISH))
def test_parse_render_reaches_fixed_point(s: str) -> None:
    once = render_cq(parse_cq(s))
    assert render_cq(parse_cq(once)) == once


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | CQ_ISH,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "data", "text", "qq"]) | st.text(), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(JSON_LIKE, st.booleans())
def test_intake_only_raises_message_format_error(value: object, auto_escape: bool) -> None:
    def parse() -> list[Segment]:
        return parse_cq(value)  # type: ignore[arg-type]

    def intake() -> list[Segment]:
        return to_segments(value, auto_escape=auto_escape)

    for call in (parse, intake):
        try:
            segs = call()
        except MessageFormatError:
            continue
        # Whatever was accepted must render and preview without error.
        assert isinstance(render_cq(segs), str)
        assert isinstance(segments_to_text(segs), str)
