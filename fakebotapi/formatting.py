"""Text formatting the way the Bot API does it: parse_mode parsing and automatic entities.

Offsets and lengths of entities are in UTF-16 code units, like Telegram's. Error texts follow
tdlib's wording (they end up after "Bad Request: can't parse entities: ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

__all__ = [
    "EntityParseError",
    "detect_entities",
    "parse_formatted",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]


class EntityParseError(ValueError):
    """The text could not be parsed with the requested parse_mode."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (what Telegram's entity offsets count)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JSONDict:
    ent: JSONDict = {"offset": offset, "length": length, "type": kind}
    ent.update({k: v for k, v in extra.items() if v is not None})
    return ent


def _sort(entities: list[JSONDict]) -> list[JSONDict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --------------------------------------------------------------------------------------------
# Automatic entities (what Telegram detects in plain text)
# --------------------------------------------------------------------------------------------

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![/\w])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?!\w)")
_URL_RE = re.compile(r"(?<![\w@])https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""


def detect_entities(text: str, skip: list[JSONDict] | None = None) -> list[JSONDict]:
    """Find bot_command, mention and url entities in ``text``.

    Matches overlapping an entity in ``skip`` (e.g. code or text_link) are left out.
    """
    if "/" not in text and "@" not in text:
        return []
    spans: list[tuple[int, int, str]] = []
    for m in _COMMAND_RE.finditer(text):
        spans.append((m.start(), m.end(), "bot_command"))
    for m in _URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        spans.append((m.start(), end, "url"))
    for m in _MENTION_RE.finditer(text):
        spans.append((m.start(), m.end(), "mention"))
    if not spans:
        return []
    spans.sort()
    ascii_only = text.isascii()
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"])
        for e in (skip or [])
        if e["type"] in ("code", "pre", "text_link", "text_mention", "url", "bot_command")
    ]
    out: list[JSONDict] = []
    last_end = -1
    for start, end, kind in spans:
        if start < last_end:
            continue
        off = start if ascii_only else utf16_len(text[:start])
        length = end - start if ascii_only else utf16_len(text[start:end])
        if any(off < t_end and t_start < off + length for t_start, t_end in taken):
            continue
        out.append(_entity(kind, off, length))
        last_end = end
    return out


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")
_TEXT_CHUNK_RE = re.compile(r"[^<&]+")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_UNQUOTED_VALUE_RE = re.compile(r"[^\s>]*")
_WS = " \t\r\n"


@dataclass(slots=True)
class _OpenTag:
    name: str
    kind: str
    start: int
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    text_start: int = 0


def _decode_entity(m: re.Match[str]) -> str | None:
    dec, hexa, name = m.groups()
    try:
        if dec is not None:
            return chr(int(dec))
        if hexa is not None:
            return chr(int(hexa, 16))
    except (ValueError, OverflowError):
        return None
    return _NAMED_ENTITIES.get(name.lower()) if name else None


def _decode_entities(value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        ch = _decode_entity(m)
        return m.group(0) if ch is None else ch

    return _HTML_ENTITY_RE.sub(repl, value)


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into (plain text, entities); raise EntityParseError."""
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "&":
            m = _HTML_ENTITY_RE.match(text, i)
            ch = _decode_entity(m) if m else None
            if m is not None and ch is not None:
                out.append(ch)
                pos16 += utf16_len(ch)
                i = m.end()
            else:
                out.append("&")
                pos16 += 1
                i += 1
            continue
        if c != "<":
            chunk_m = _TEXT_CHUNK_RE.match(text, i)
            assert chunk_m is not None
            chunk = chunk_m.group()
            out.append(chunk)
            pos16 += utf16_len(chunk)
            i = chunk_m.end()
            continue

        tag_start = i
        if i + 1 < n and text[i + 1] == "/":
            name_m = _TAG_NAME_RE.match(text, i + 2)
            assert name_m is not None
            name = name_m.group().lower()
            j = name_m.end()
            while j < n and text[j] in _WS:
                j += 1
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, tag_start)}"
                )
            if j >= n or text[j] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, tag_start)}"
                )
            top = stack.pop()
            if name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, tag_start)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            i = j + 1
            _close_html_tag(top, stack, entities, pos16, "".join(out[top.text_start :]))
            continue

        name_m = _TAG_NAME_RE.match(text, i + 1)
        assert name_m is not None
        name = name_m.group().lower()
        j = name_m.end()
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, tag_start)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j] in _WS:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                )
            if text[j] == ">":
                j += 1
                break
            attr_m = _ATTR_NAME_RE.match(text, j)
            if attr_m is None:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(text, tag_start)}"
                )
            attr = attr_m.group().lower()
            j = attr_m.end()
            while j < n and text[j] in _WS:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                )
            if text[j] != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {_byte_offset(text, tag_start)}"
                )
            j += 1
            while j < n and text[j] in _WS:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                )
            if text[j] in "\"'":
                end = text.find(text[j], j + 1)
                if end < 0:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                    )
                attrs[attr] = _decode_entities(text[j + 1 : end])
                j = end + 1
            else:
                val_m = _UNQUOTED_VALUE_RE.match(text, j)
                assert val_m is not None
                attrs[attr] = _decode_entities(val_m.group())
                j = val_m.end()
        kind = _HTML_TAGS[name]
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, tag_start)}"
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f"Custom emoji entity must contain a valid custom emoji identifier at byte "
                f"offset {_byte_offset(text, tag_start)}"
            )
        if name == "blockquote" and "expandable" in attrs:
            kind = "expandable_blockquote"
        stack.append(_OpenTag(name, kind, pos16, attrs, text_start=len(out)))
        i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return "".join(out), _sort(entities)


def _close_html_tag(
    tag: _OpenTag, stack: list[_OpenTag], entities: list[JSONDict], pos16: int, inner: str
) -> None:
    length = pos16 - tag.start
    cls = tag.attrs.get("class", "")
    if tag.name == "code" and stack and stack[-1].name == "pre" and cls.startswith("language-"):
        stack[-1].language = cls[len("language-") :]
        return
    if length <= 0:
        return
    if tag.kind == "text_link":
        href = tag.attrs.get("href") or inner
        if href.startswith("tg://user?id="):
            uid = href.split("=", 1)[1]
            if uid.isdigit():
                user = {"id": int(uid), "is_bot": False, "first_name": ""}
                entities.append(_entity("text_mention", tag.start, length, user=user))
                return
        entities.append(_entity("text_link", tag.start, length, url=href))
    elif tag.kind == "pre":
        entities.append(_entity("pre", tag.start, length, language=tag.language))
    elif tag.kind == "custom_emoji":
        entities.append(
            _entity("custom_emoji", tag.start, length, custom_emoji_id=tag.attrs["emoji-id"])
        )
    else:
        entities.append(_entity(tag.kind, tag.start, length))


# --------------------------------------------------------------------------------------------
# MarkdownV2
# --------------------------------------------------------------------------------------------

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass(slots=True)
class _MdOpen:
    kind: str
    start16: int
    byte_index: int
    out_index: int
    argument: str | None = None


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 into (plain text, entities); raise EntityParseError like tdlib."""
    out: list[str] = []
    pos16 = 0
    stack: list[_MdOpen] = []
    entities: list[JSONDict] = []
    quote_start: int | None = None
    quote_expandable = False
    n = len(text)

    def at(k: int) -> str:
        return text[k] if 0 <= k < n else ""

    i = 0
    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        if c == "\\" and at(i + 1) and 0 < ord(at(i + 1)) <= 126:
            ch = text[i + 1]
            out.append(ch)
            pos16 += 1
            i += 2
            continue
        if not in_code and (i == 0 or text[i - 1] == "\n"):
            if c == ">" or (c == "*" and text.startswith("**>", i)):
                if quote_start is None:
                    quote_start = pos16
                    quote_expandable = c == "*"
                i += 3 if c == "*" else 1
                continue
            if quote_start is not None:
                _close_quote(entities, quote_start, pos16, quote_expandable, out)
                quote_start = None
        if c == "|" and quote_start is not None and text.startswith("||", i):
            nxt = at(i + 2)
            if nxt in ("", "\n") and not (stack and stack[-1].kind == "spoiler"):
                i += 2
                continue
        if c not in _MDV2_RESERVED or (in_code and c != "`"):
            out.append(c)
            pos16 += 1 if ord(c) <= 0xFFFF else 2
            i += 1
            continue
        top = stack[-1].kind if stack else None
        is_end = (
            (top == "bold" and c == "*")
            or (top == "italic" and c == "_" and at(i + 1) != "_")
            or (top == "code" and c == "`")
            or (top == "pre" and text.startswith("```", i))
            or (top in ("text_link", "custom_emoji") and c == "]")
            or (top == "underline" and text.startswith("__", i))
            or (top == "strikethrough" and c == "~")
            or (top == "spoiler" and text.startswith("||", i))
        )
        if not is_end:
            begin = i
            argument: str | None = None
            if c == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise _reserved(c)
                kind = "spoiler"
                i += 1
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if text.startswith("```", i):
                    kind = "pre"
                    i += 3
                    lang_end = i
                    while lang_end < n and text[lang_end] not in " \t\r\n`":
                        lang_end += 1
                    if i != lang_end and lang_end < n and text[lang_end] != "`":
                        argument = text[i:lang_end]
                        i = lang_end
                    if at(i) in ("\n", "\r"):
                        if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise _reserved(c)
                kind = "custom_emoji"
                i += 1
            else:
                raise _reserved(c)
            stack.append(_MdOpen(kind, pos16, begin, len(out), argument))
            i += 1
            continue

        opened = stack.pop()
        extra: dict[str, Any] = {}
        if opened.kind in ("underline", "spoiler"):
            i += 1
        elif opened.kind == "pre":
            i += 2
            if opened.argument:
                extra["language"] = opened.argument
        elif opened.kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                if opened.kind == "custom_emoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                url = "".join(out[opened.out_index :])
            else:
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and at(i + 1) and 0 < ord(at(i + 1)) <= 126:
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
                url = "".join(url_chars)
            if opened.kind == "custom_emoji":
                emoji_id = url.removeprefix("tg://emoji?id=")
                if not emoji_id.isdigit():
                    raise EntityParseError("Custom emoji URL must have an emoji identifier")
                extra["custom_emoji_id"] = emoji_id
            elif url.startswith("tg://user?id=") and url[len("tg://user?id=") :].isdigit():
                opened.kind = "text_mention"
                uid = int(url[len("tg://user?id=") :])
                extra["user"] = {"id": uid, "is_bot": False, "first_name": ""}
            else:
                extra["url"] = url
        length = pos16 - opened.start16
        if length > 0:
            entities.append(_entity(opened.kind, opened.start16, length, **extra))
        i += 1
    if stack:
        opened = stack[-1]
        name = _MDV2_NAMES.get(opened.kind, opened.kind)
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset "
            f"{_byte_offset(text, opened.byte_index)}"
        )
    if quote_start is not None:
        _close_quote(entities, quote_start, pos16, quote_expandable, out)
    return "".join(out), _sort(entities)


def _close_quote(
    entities: list[JSONDict], start: int, pos16: int, expandable: bool, out: list[str]
) -> None:
    end = pos16
    if out and out[-1] == "\n":
        end -= 1
    if end > start:
        kind = "expandable_blockquote" if expandable else "blockquote"
        entities.append(_entity(kind, start, end - start))


# --------------------------------------------------------------------------------------------
# Legacy Markdown
# --------------------------------------------------------------------------------------------


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (parse_mode="Markdown") into (plain text, entities)."""
    out: list[str] = []
    pos16 = 0
    entities: list[JSONDict] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            pos16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            pos16 += 1 if ord(c) <= 0xFFFF else 2
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language: str | None = None
        i += 1
        if c == "`" and text.startswith("``", i):
            i += 2
            is_pre = True
            lang_end = i
            while lang_end < n and text[lang_end] not in " \t\r\n`":
                lang_end += 1
            if i != lang_end and lang_end < n and text[lang_end] != "`":
                language = text[i:lang_end]
                i = lang_end
            if i < n and text[i] in "\r\n":
                i += 1
        start16 = pos16
        inner_start = len(out)
        while i < n and not (text[i] == end_char and (not is_pre or text.startswith("```", i))):
            ch = text[i]
            out.append(ch)
            pos16 += 1 if ord(ch) <= 0xFFFF else 2
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        length = pos16 - start16
        if c == "[":
            url = "".join(out[inner_start:])
            if i + 1 < n and text[i + 1] == "(":
                close = text.find(")", i + 2)
                if close >= 0:
                    url = text[i + 2 : close]
                    i = close
            if length > 0:
                entities.append(_entity("text_link", start16, length, url=url))
        elif length > 0:
            if is_pre:
                entities.append(_entity("pre", start16, length, language=language))
                i += 2
            else:
                kind = {"_": "italic", "*": "bold", "`": "code"}[c]
                entities.append(_entity(kind, start16, length))
        elif is_pre:
            i += 2
        i += 1
    return "".join(out), _sort(entities)


# --------------------------------------------------------------------------------------------
# Front door
# --------------------------------------------------------------------------------------------


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    out: list[JSONDict] = []
    for ent in entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, total)
        if end > start:
            new = dict(ent)
            new["offset"] = start
            new["length"] = end - start
            out.append(new)
    return stripped, out


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None = None
) -> tuple[str, list[JSONDict]]:
    """Turn message text + parse_mode (or explicit entities) into Telegram's (text, entities).

    Leading/trailing whitespace is trimmed like Telegram does and url/mention/bot_command
    entities are detected automatically. Raises EntityParseError for malformed markup and
    ValueError("unsupported parse_mode") for an unknown parse mode.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, ents = parse_html(text)
    elif mode == "markdownv2":
        plain, ents = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, ents = parse_markdown(text)
    elif mode == "":
        plain = text
        ents = [dict(e) for e in entities or [] if isinstance(e, dict)]
    else:
        raise ValueError("unsupported parse_mode")
    plain, ents = _trim(plain, ents)
    auto = detect_entities(plain, ents)
    if auto:
        ents = _sort(ents + auto)
    return plain, ents
