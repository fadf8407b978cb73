"""Translations: gettext catalogs (bot/locales/<lang>/LC_MESSAGES/messages.po) for zh and en.

Source strings are English. The .po files are compiled in memory at first use, so the
repository holds only text. `python -m bot.i18n update` re-extracts the strings from the
code into both catalogs (new ones get an empty translation to fill in).
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).with_name("locales")
_SOURCE_DIRS = (Path(__file__).parent, Path(__file__).parent.parent / "handlers")

_LANGUAGE_NAMES = {
    **dict.fromkeys(("zh", "cn", "zh-cn", "zh-hans", "zh-tw", "zh-hant", "chinese"), "zh"),
    **dict.fromkeys(("中文", "汉语", "漢語", "简体", "繁體"), "zh"),
    **dict.fromkeys(("en", "english", "英文", "英语", "英語"), "en"),
}


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it where it is shown."""
    return message


def pick_language(language_code: str | None) -> str:
    """Map a Telegram language_code (zh-hans, zh-TW, en-US, ...) to a supported language."""
    if language_code and language_code.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


def normalize_language(value: str | None) -> str | None:
    """A user-typed language choice (zh, 中文, english, ...) or None when unknown."""
    if not value:
        return None
    return _LANGUAGE_NAMES.get(value.strip().lower())


def _po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def _translations(language: str) -> gettext.NullTranslations:
    path = _po_path(language)
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """`_(message)` translates; `_.ngettext(singular, plural, n)` picks the language's plural
    form ("1 card" / "2 cards"; Chinese has one form)."""

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self._translations = translations

    def __call__(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)


@cache
def translator(language: str | None) -> Translator:
    """The translator for a language (unknown languages fall back to English)."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return Translator(_translations(lang))


def extract_messages() -> Catalog:
    """Every string marked with _() in bot/ and handlers/."""
    catalog = Catalog()
    for directory in _SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            directory, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            catalog.add(message, locations=[(f"{directory.name}/{filename}", lineno)])
    return catalog


def update_catalogs() -> None:
    template = extract_messages()
    for language in LANGUAGES:
        path = _po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=language)
        else:
            catalog = Catalog(locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.project, catalog.version, catalog.fuzzy = "renewbot", "1", False
        with path.open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, no_location=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update_catalogs()
    else:
        print("usage: python -m bot.i18n update")
