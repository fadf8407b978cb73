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
    if _english_words(text) >= 1:
        return "en"
    if chat_lang.lower().startswith("zh"):
        return variant_tag(text, client_code) or "zh"
    return "en"


def written_language(text: str) -> str | None:
    """"zh" or "en" when a message clearly shows the language its writer thinks in (a Chinese
    sentence; an English one, not "ok thanks" or a brand name), else None."""
    if sum(map(has_cjk, text)) >= 2:
        return "zh"
    if not has_cjk(text) and len(_LATIN_WORD.findall(text)) >= 3 and _english_words(text) >= 2:
        return "en"
    return None


def _english_words(text: str) -> int:
    """How many common English words a text with at least two Latin words holds."""
    words = [word.lower() for word in _LATIN_WORD.findall(text)]
    return sum(word in common_english_words() for word in words) if len(words) >= 2 else 0
