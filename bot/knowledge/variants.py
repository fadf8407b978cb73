"""Simplified or Traditional Chinese, with the local words of Hong Kong and Taiwan.

The knowledge base is written once, in Simplified Chinese with mainland terms. Someone who asks
in Traditional characters (or whose Telegram client is set to zh-hant / zh-tw / zh-hk) gets the
answer in Traditional characters, and in Hong Kong or Taiwan also in the words used there:
a Hong Kong prepaid card is topped up (增值) at a shop (門市), a Taiwanese one is 儲值.

Language tags used here: "zh" (Simplified), "zh-hant" (Traditional, no region known), "zh-hk",
"zh-tw". Everything else is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.knowledge.normalize import has_cjk
from bot.knowledge.script import convert

TRADITIONAL_TAGS = ("zh-hant", "zh-hk", "zh-tw")
_ZHCONV_LOCALE = {"zh-hant": "zh-hant", "zh-hk": "zh-hk", "zh-tw": "zh-tw"}

# Mainland words and what Hong Kong / Taiwan readers call the same thing. Applied to the
# Simplified text before conversion (longest first), so compounds win over their parts.
_COMMON = {
    "营业厅": "門市",
    "运营商官网": "電訊商官網",
    "二维码": "二維碼",
    "视频": "影片",
}
_LOCAL_TERMS: dict[str, dict[str, str]] = {
    "zh-hant": _COMMON,
    "zh-hk": {
        **_COMMON,
        "运营商": "電訊商",
        "充值卡": "增值券",
        "充值": "增值",
        "流量卡": "數據卡",
        "流量包": "數據包",
        "流量": "數據",
        "套餐": "計劃",
        "短信": "短訊",
        "激活": "啟用",
        "信息": "資訊",
        "客服热线": "客戶服務熱線",
    },
    "zh-tw": {
        **_COMMON,
        "运营商官网": "電信業者官網",
        "运营商": "電信業者",
        "充值卡": "儲值卡",
        "充值": "儲值",
        "套餐": "資費方案",
        "便利店": "便利商店",
        "短信": "簡訊",
        "激活": "開通",
        "信息": "資訊",
        "网络": "網路",
        "手机号码": "手機門號",
        "二维码": "QR Code",
    },
}
_PATTERNS = {
    tag: re.compile("|".join(sorted(map(re.escape, terms), key=len, reverse=True)))
    for tag, terms in _LOCAL_TERMS.items()
}
# Words only Hong Kong or only Taiwan writers use, to tell the two apart in a question.
_HK_MARKERS = re.compile(
    "增值|儲值卡|電訊|咗|唔|嘅|係|冇|啲|點樣|香港|港卡|csl|3hk|smartone|數據卡"
)
_TW_MARKERS = re.compile("儲值|門號|預付卡|台灣|臺灣|中華電信|遠傳|台哥大|大哥大|便利商店|簡訊")


def variant_tag(text: str, language_code: str | None) -> str | None:
    """The Traditional variant to answer in, or None for Simplified.

    A question written in Traditional characters decides; otherwise the client's language
    setting (zh-hant, zh-tw, zh-hk, zh-mo) does. Local words in the question pick Hong Kong or
    Taiwan; a client set to one of them does too.
    """
    code = (language_code or "").lower().replace("_", "-")
    written_traditional = has_cjk(text) and _is_traditional(text)
    client_traditional = code.startswith("zh") and any(
        part in code for part in ("hant", "tw", "hk", "mo")
    )
    if not written_traditional and not (client_traditional and not _is_simplified(text)):
        return None
    lowered = text.lower()
    if _HK_MARKERS.search(lowered) or code.endswith(("hk", "mo")):
        return "zh-hk"
    if _TW_MARKERS.search(lowered) or code.endswith("tw"):
        return "zh-tw"
    return "zh-hant"


def _is_traditional(text: str) -> bool:
    return convert(text, "zh-hans") != text


def _is_simplified(text: str) -> bool:
    return has_cjk(text) and convert(text, "zh-hant") != text


@lru_cache(maxsize=2048)
def to_variant(text: str, tag: str) -> str:
    """Simplified text in the variant `tag` (with its local terms); other tags: unchanged."""
    locale = _ZHCONV_LOCALE.get(tag)
    if locale is None:
        return text
    terms = _LOCAL_TERMS[tag]
    localized = _PATTERNS[tag].sub(lambda m: terms[m.group(0)], text)
    return convert(localized, locale)
