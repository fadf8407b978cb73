"""Where a question is from: which regions (and whether travel eSIMs) it points to.

Most people who ask are in mainland China, so an answer only for Hong Kong, Taiwan, the
Philippines or travel eSIMs needs something in the question that points there: a carrier of
that region, a local word (load, 增值, 儲值), Traditional characters, Taglish, "eSIM".
"""

from __future__ import annotations

import re

from bot.knowledge.carriers import carrier_by_code, carriers_in
from bot.knowledge.entries import Entry
from bot.knowledge.normalize import alternatives
from bot.knowledge.variants import variant_tag

ESIM = "esim"
# Regions that count as serving everyone: an entry for one of them needs no evidence.
_EVERYWHERE = frozenset({"cn", "global"})
_ESIM_CARRIERS = frozenset({"airalo", "holafly", "nomad"})

# Small Tagalog words of Taglish; two of them (not one: "sa" is too common a syllable) point
# to the Philippines.
_TAGLISH = frozenset({
    "po", "pano", "paano", "mag", "nag", "yung", "ung", "naman", "ba", "ko", "sa", "na", "ng",
    "ang", "ako", "lang", "kasi", "daw", "pa", "baka", "wala", "walang", "pwede", "ano", "sya",
    "nya", "yun", "dito", "talaga", "kaya", "sana", "muna", "diba", "nga",
})
_TAGLISH_MIN = 2
# Words (in normalised text) that point to a region.
_WORDS = {
    "ph": (
        "philippines", "philippine", "pinas", "菲律宾", "load", "loaded", "loading", "eload",
        "pasaload", "gcash",
        "maya", "sari sari", "sarisari", "peso", "php", *_TAGLISH,
    ),
    "hk": ("hong kong", "hk", "香港", "港卡", "增值", "储值卡", "增值券", "澳门", "macau"),
    "tw": ("taiwan", "台湾", "储值", "预付卡", "门号", "中华电信", "远传", "台湾大哥大", "台哥大"),
    ESIM: ("esim", "e sim", "电子卡", "travel sim"),
}
_PATTERNS = {region: re.compile(alternatives(words)) for region, words in _WORDS.items()}


def regions_in(text: str, normalized: str) -> frozenset[str]:
    """The regions (and "esim") `text` points to; `normalized` is its normalised form."""
    found: set[str] = set()
    for code in carriers_in(normalized):
        carrier = carrier_by_code(code)
        if carrier is not None:
            found.add(ESIM if code in _ESIM_CARRIERS else carrier.region)
    for region, pattern in _PATTERNS.items():
        hits = pattern.findall(normalized)
        only_taglish = region == "ph" and set(hits) <= _TAGLISH
        if only_taglish and len(hits) < _TAGLISH_MIN:
            continue
        if hits:
            found.add(region)
    tag = variant_tag(text, None)
    if tag is not None:  # written in Traditional characters
        found.update({"hk", "tw"} if tag == "zh-hant" else {tag.removeprefix("zh-")})
    if "hk" in found:
        found.add("mo")
    return frozenset(found)


def entry_regions(entry: Entry) -> frozenset[str]:
    """What a question must point to for `entry` to fit it; empty when it fits anyone."""
    if entry.topic == ESIM or (entry.carriers and set(entry.carriers) <= _ESIM_CARRIERS):
        return frozenset({ESIM})
    regions = frozenset(entry.regions)
    return frozenset() if regions & _EVERYWHERE else regions
