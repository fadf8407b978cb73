"""Common English words (from pyspellchecker's frequency list), so that the matcher tells a
typo ("balanse", "expird") from a real word it does not know ("weather", "Alice"): the first
is corrected to the word meant, the second is evidence that the text is about something else."""

from __future__ import annotations

import gzip
import importlib.resources
import json
from functools import cache

# Words at least this frequent in pyspellchecker's English corpus count as real words
# (about 18,000 words; rarer entries include many misspellings).
MIN_FREQUENCY = 1000


@cache
def common_english_words() -> frozenset[str]:
    resource = importlib.resources.files("spellchecker") / "resources" / "en.json.gz"
    frequencies: dict[str, int] = json.loads(gzip.decompress(resource.read_bytes()))
    return frozenset(
        word
        for word, count in frequencies.items()
        if count >= MIN_FREQUENCY and word.isascii() and word.isalpha()
    )
