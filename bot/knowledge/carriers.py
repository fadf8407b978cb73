"""The carriers the bot knows (data/carriers.yaml) and finding them in what users type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.knowledge.errors import KnowledgeDataError
from bot.knowledge.normalize import alternatives, normalize

REGIONS = ("cn", "hk", "tw", "mo", "ph", "global")
DATA_DIR = Path(__file__).with_name("data")
CARRIERS_FILE = "carriers.yaml"

# Aliases this short ("tm", "3hk") are only recognised exactly: fuzzily they match too much.
_MIN_FUZZY_ALIAS = 4
# find_carrier only tries fuzzy matching on short inputs (a carrier name, not a paragraph).
_MAX_FUZZY_INPUT = 40
_FUZZY_CUTOFF = 82.0


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name_zh: str
    name_en: str
    region: str
    aliases: tuple[str, ...]
    guide_entry_id: str
    prefixes: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_zh if lang.lower().startswith("zh") else self.name_en


def _require_str(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeDataError(f"{CARRIERS_FILE}: {where}: '{key}' must be a non-empty string")
    return value.strip()


def _parse_carrier(item: Any, index: int) -> Carrier:
    if not isinstance(item, dict):
        raise KnowledgeDataError(f"{CARRIERS_FILE}: carrier #{index} is not a mapping")
    code = _require_str(item, "code", f"carrier #{index}")
    where = f"carrier '{code}'"
    region = _require_str(item, "region", where)
    if region not in REGIONS:
        raise KnowledgeDataError(f"{CARRIERS_FILE}: {where}: unknown region {region!r}")
    aliases = item.get("aliases")
    if not isinstance(aliases, list) or not aliases:
        raise KnowledgeDataError(f"{CARRIERS_FILE}: {where}: 'aliases' must be a non-empty list")
    prefixes = item.get("prefixes", [])
    if not isinstance(prefixes, list) or not all(
        isinstance(prefix, str) and prefix.isdigit() for prefix in prefixes
    ):
        raise KnowledgeDataError(f"{CARRIERS_FILE}: {where}: 'prefixes' must list quoted digits")
    return Carrier(
        code=code,
        name_zh=_require_str(item, "name_zh", where),
        name_en=_require_str(item, "name_en", where),
        region=region,
        aliases=tuple(str(alias) for alias in aliases),
        guide_entry_id=_require_str(item, "guide", where),
        prefixes=tuple(prefixes),
    )


def _load() -> tuple[tuple[Carrier, ...], tuple[str, ...]]:
    try:
        data = yaml.load((DATA_DIR / CARRIERS_FILE).read_text("utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        raise KnowledgeDataError(f"{CARRIERS_FILE}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("carriers"), list):
        raise KnowledgeDataError(f"{CARRIERS_FILE}: expected a mapping with a 'carriers' list")
    carriers = tuple(_parse_carrier(item, i) for i, item in enumerate(data["carriers"], 1))
    codes = [carrier.code for carrier in carriers]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise KnowledgeDataError(f"{CARRIERS_FILE}: duplicate carrier codes {duplicates}")
    phrases = tuple(str(phrase) for phrase in data.get("not_carrier_phrases") or ())
    return carriers, phrases


CARRIERS, _NOT_CARRIER_PHRASES = _load()
_BY_CODE = {carrier.code: carrier for carrier in CARRIERS}

# Normalised alias -> carrier code. An alias listed under two carriers would be ambiguous.
_ALIAS_CODE: dict[str, str] = {}
for _carrier in CARRIERS:
    for _alias in _carrier.aliases:
        _key = normalize(_alias)
        if _ALIAS_CODE.setdefault(_key, _carrier.code) != _carrier.code:
            raise KnowledgeDataError(f"{CARRIERS_FILE}: alias {_alias!r} is used twice")


_ALIAS_RE = re.compile(alternatives(_ALIAS_CODE))

_PREFIX_CODE: dict[str, str] = {}
for _carrier in CARRIERS:
    for _prefix in _carrier.prefixes:
        if _PREFIX_CODE.setdefault(_prefix, _carrier.code) != _carrier.code:
            raise KnowledgeDataError(f"{CARRIERS_FILE}: prefix {_prefix!r} is listed twice")
# A number where a carrier would be named (normalised text): a whole mainland (1xx xxxx xxxx)
# or Philippine (09xx xxx xxxx, +63 9xx …) mobile number, or its first digits said to be its
# beginning ("139开头的号", "the 0917 number", "starts with 138").
_NUMBER_PREFIX = re.compile(
    r"(?<!\d)(?:(1[3-9]\d)\d{8}|(09\d\d)\d{7}|63 ?(9\d\d) ?\d{3} ?\d{4})(?!\d)"
    r"|(?<!\d)(1[3-9]\d|09\d\d)(?!\d) ?(?=开头|的号|号段|号码|的卡|的手机|的流量卡|number|no\b|sim)"
    r"|(?:starts?(?: with)?|starting with|begins? with|prefix|my|number is) (1[3-9]\d|09\d\d)"
    r"(?!\d)"
)
_NOT_CARRIER_RE = re.compile(
    "|".join(re.escape(normalize(p)) for p in sorted(_NOT_CARRIER_PHRASES, key=len, reverse=True))
)
_FUZZY_ALIASES = [alias for alias in _ALIAS_CODE if len(alias) >= _MIN_FUZZY_ALIAS]
# Every alias, normalised.
ALIASES = tuple(_ALIAS_CODE)


def carrier_by_code(code: str) -> Carrier | None:
    return _BY_CODE.get(code)


def _without_false_friends(normalized: str) -> str:
    return _NOT_CARRIER_RE.sub(" ", normalized).strip() if _NOT_CARRIER_PHRASES else normalized


@lru_cache(maxsize=4096)  # the intents, the matcher and the regions each ask for a text
def carriers_in(normalized: str) -> tuple[str, ...]:
    """Codes of the carriers named in already-normalised text, in order of appearance."""
    normalized = _without_false_friends(normalized)
    codes: list[str] = []
    for match in _ALIAS_RE.finditer(normalized):
        code = _ALIAS_CODE[match.group(0)]
        if code not in codes:
            codes.append(code)
    return tuple(codes)


# Said right after a carrier's name, it is the card the asker has dealt with ("移动的会充了 电信那张
# 咋续", "the smart one is fine, how do i reload the globe one"): the question is about the other.
_SETTLED = re.compile(
    r"\s?(?:的|那张|这张|的那张|卡|的卡|one|sim|card)?\s?"
    r"(?:我?会充了?|充好了|续好了|已经续了|已经充了|没问题|没事|不用管|is fine|s fine|is ok|is okay"
    r"|is sorted|is done|already renewed|already paid|already topped up)"
)


def settled_carriers(normalized: str) -> frozenset[str]:
    """Codes of the carriers named in already-normalised text as dealt with already."""
    normalized = _without_false_friends(normalized)
    return frozenset(
        _ALIAS_CODE[match.group(0)]
        for match in _ALIAS_RE.finditer(normalized)
        if _SETTLED.match(normalized, match.end())
    )


# What may stand beside a carrier's name in a text that names nothing else ("移动卡", "globe
# sim").
_CARD_WORDS = frozenset(
    {"卡", "号", "号码", "手机卡", "电话卡", "流量卡", "的", "我", "我的",
     "sim", "card", "prepaid", "esim", "my"}
)


def carriers_by_prefix(normalized: str) -> tuple[tuple[str, str], ...]:
    """(prefix, carrier code) for the numbers in normalised text whose first digits are in a
    carrier's number blocks, one per carrier."""
    found: dict[str, str] = {}
    for match in _NUMBER_PREFIX.finditer(normalized):
        digits = next(group for group in match.groups() if group)
        # "+63 917 …" is the 0917 block.
        prefix = digits if len(digits) != 3 or digits[0] == "1" else "0" + digits
        code = _PREFIX_CODE.get(prefix)
        if code is not None:
            found.setdefault(code, prefix)
    return tuple((prefix, code) for code, prefix in found.items())


def names_only_carriers(normalized: str) -> bool:
    """Whether already-normalised text names carriers and nothing else ("移动", "smart sim")."""
    rest = _ALIAS_RE.sub(" ", _without_false_friends(normalized)).split()
    return rest != normalized.split() and set(rest) <= _CARD_WORDS


def find_carrier(text: str) -> Carrier | None:
    """The carrier a user means by `text` ("china mobil", "移動", "smart prepaid"), or None.

    An exact alias anywhere in the text wins (the first one named); otherwise a short text is
    compared fuzzily with the aliases, which forgives typos such as "chna mobile".
    """
    normalized = _without_false_friends(normalize(text))
    codes = carriers_in(normalized)
    if codes:
        return _BY_CODE[codes[0]]
    if not normalized or len(normalized) > _MAX_FUZZY_INPUT:
        return None
    found = process.extractOne(
        normalized, _FUZZY_ALIASES, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
    )
    return _BY_CODE[_ALIAS_CODE[found[0]]] if found else None
