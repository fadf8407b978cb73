"""Every user-facing string has a Chinese translation, and language picking works."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, extract_messages, normalize_language, pick_language, translator

_PLACEHOLDER = re.compile(r"{\w*}")


def _msgid(message: Message) -> str:
    """The msgid, or the singular of a plural message's."""
    return message.id if isinstance(message.id, str) else str(message.id[0])


def _zh_catalog() -> dict[str, tuple[str, ...]]:
    """msgid (the singular of a plural message) -> its translations (one per plural form)."""
    with (LOCALES_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {
            _msgid(m): tuple(str(t or "") for t in m.string)
            if isinstance(m.string, tuple | list) else (str(m.string or ""),)
            for m in read_po(po) if m.id
        }


def test_every_message_has_a_chinese_translation() -> None:
    zh = _zh_catalog()
    ids = [_msgid(m) for m in extract_messages() if m.id]
    missing = [i for i in ids if not all(zh.get(i, ("",)))]
    assert missing == [], f"untranslated: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for source, translated in _zh_catalog().items():
        for form in translated:
            assert sorted(_PLACEHOLDER.findall(source)) == sorted(_PLACEHOLDER.findall(form)), (
                source
            )


# A colon that belongs to the sentence, not to a time (09:00, 时:分) or a URL (https://).
_HALF_WIDTH_COLON = re.compile(r"(?<![0-9A-Za-z时/]):(?![0-9/分])")


def test_the_chinese_catalog_uses_full_width_colons() -> None:
    mixed = [form for forms in _zh_catalog().values() for form in forms
             if _HALF_WIDTH_COLON.search(re.sub(r"<[^>]+>|{\w*}", "", form))]
    assert mixed == []
    _ = translator("zh")
    assert _("{label}: {value}") == "{label}：{value}"
    assert _("<b>{label}:</b> {value}") == "<b>{label}：</b>{value}"


def test_plural_forms() -> None:
    en, zh = translator("en"), translator("zh")
    one, many = "Updated the reminders of {count} card.", "Updated the reminders of {count} cards."
    assert en.ngettext(one, many, 1).format(count=1) == "Updated the reminders of 1 card."
    assert en.ngettext(one, many, 2).format(count=2) == "Updated the reminders of 2 cards."
    assert zh.ngettext(one, many, 1).format(count=1) == "已更新 1 张卡的提醒时间。"
    assert zh.ngettext(one, many, 5).format(count=5) == "已更新 5 张卡的提醒时间。"


def test_help_has_no_english_placeholders_in_chinese() -> None:
    from handlers.start import help_text

    text = help_text(translator("zh"), "private") + help_text(translator("zh"), "group")
    for english in ("[carrier]", "[zone]", "[HH:MM]", "[N]", " N ", "<text>"):
        assert english not in text, english
    assert "/renew [运营商]" in text and "/timezone [时区]" in text


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh"), ("zh-TW", "zh"), ("zh", "zh"), ("en", "en"), ("en-US", "en"),
     ("ru", "en"), (None, "en")],
)
def test_pick_language(code: str | None, expected: str) -> None:
    assert pick_language(code) == expected


def test_normalize_language() -> None:
    assert normalize_language("中文") == "zh"
    assert normalize_language(" English ") == "en"
    assert normalize_language("klingon") is None


def test_translator_switches_language() -> None:
    assert translator("zh")("Choose a language:") == "请选择语言："
    assert translator("en")("Choose a language:") == "Choose a language:"
    assert translator("xx")("Choose a language:") == "Choose a language:"
