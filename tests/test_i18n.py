"""Every user-facing string has a Chinese translation, and language picking works."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, extract_messages, normalize_language, pick_language, translator

_PLACEHOLDER = re.compile(r"{\w*}")


def _zh_catalog() -> dict[str, str]:
    with (LOCALES_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def test_every_message_has_a_chinese_translation() -> None:
    zh = _zh_catalog()
    missing = [m.id for m in extract_messages() if m.id and not zh.get(m.id)]
    assert missing == [], f"untranslated: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for source, translated in _zh_catalog().items():
        assert sorted(_PLACEHOLDER.findall(source)) == sorted(_PLACEHOLDER.findall(translated)), (
            source
        )


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
