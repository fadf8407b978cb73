"""Common English words (from pyspellchecker's frequency list), so that the matcher tells a
typo ("balanse", "expird") from a real word it does not know ("weather", "Alice"): the first
is corrected to the word meant, the second is evidence that the text is about something else."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

# Words at least this frequent in pyspellchecker's English corpus count as real words
# (about 18,000 words; rarer entries include many misspellings).
MIN_FREQUENCY = 1000


def _word_list() -> Path:
    # Found without importing pyspellchecker, which the bot does not otherwise use.
    spec = importlib.util.find_spec("spellchecker")
    assert spec is not None and spec.submodule_search_locations is not None
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "en.json.gz"


WORD_LIST = _word_list()

_words: frozenset[str] | None = None


def common_english_words() -> frozenset[str]:
    """Read once per process, or handed over by the knowledge base's cache (cache.py)."""
    global _words
    if _words is None:
        frequencies: dict[str, int] = json.loads(gzip.decompress(WORD_LIST.read_bytes()))
        _words = frozenset(
            word
            for word, count in frequencies.items()
            if count >= MIN_FREQUENCY and word.isascii() and word.isalpha()
        )
    return _words


def adopt_common_english_words(words: frozenset[str]) -> None:
    """Use `words` (read by an earlier process) instead of reading the list again."""
    global _words
    _words = words
