"""Which language to answer a free-text message in.

People ask in the language they think in, whatever the chat is set to: a Chinese question gets
a Chinese answer (in Traditional characters when written in them), an English sentence an
English one (Taglish too). Text that shows no language (a number, an emoji, one brand name
such as "gcash", keyboard mash) follows the chat's language.
"""

from __future__ import annotations

import re

from bot.knowledge.english import common_english_words
from bot.knowledge.normalize import has_cjk
from bot.knowledge.variants import variant_tag

_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def reply_language(text: str, chat_lang: str, client_code: str | None = None) -> str:
    """"en", "zh", or a Traditional tag ("zh-hk", "zh-tw", "zh-hant") for `text`."""
    if has_cjk(text):
        return variant_tag(text, client_code) or "zh"
    words = [word.lower() for word in _LATIN_WORD.findall(text)]
    if len(words) >= 2 and any(word in common_english_words() for word in words):
        return "en"
    if chat_lang.lower().startswith("zh"):
        return variant_tag(text, client_code) or "zh"
    return "en"


def writes_chinese(text: str) -> bool:
    """Whether a message clearly shows its writer thinks in Chinese (two Chinese characters
    or more; one may be a quoted name)."""
    return sum(map(has_cjk, text)) >= 2
