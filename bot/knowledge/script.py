"""Conversion between Simplified and Traditional Chinese (zhconv), imported cheaply.

zhconv imports setuptools' pkg_resources only to open its own dictionary: about a fifth of a
second of the bot's start-up. When that import fails, zhconv opens the file beside its module,
which is where pkg_resources would find it too; so pkg_resources is hidden while zhconv loads.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HIDE = "pkg_resources" not in sys.modules
if _HIDE:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes its import fail
try:
    import zhconv
finally:
    if _HIDE:
        del sys.modules["pkg_resources"]

# The conversion tables zhconv reads (they shape the knowledge base's features: see cache.py).
DICTIONARY = Path(zhconv.__file__).with_name("zhcdict.json")


def convert(text: str, locale: str) -> str:
    """`text` in the script (and with the words) of `locale`: zh-hans, zh-hant, zh-hk, zh-tw."""
    result: str = zhconv.convert(text, locale)
    return result
