"""The bot's subject (data/domain.yaml): is a text about phone numbers, cards and their bills?

The matcher answers only what is on topic; "how do I renew my passport" shares "renew" with
half the knowledge base and still deserves "that's not something I can help with". A text that
names no subject at all is on topic only if it is about the bot's business (renewing, paying,
expiry, charges): other subjects cannot all be listed, the bot's own business can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.knowledge.carriers import carriers_in
from bot.knowledge.concepts import CONCEPT_PREFIX
from bot.knowledge.errors import KnowledgeDataError
from bot.knowledge.normalize import alternatives, normalize

DOMAIN_FILE = "domain.yaml"

# Script and query injection pasted at the bot is not part of a question, whatever words it
# carries ("<script>alert(1)</script>" once got the reminders article for "alert"), and neither
# is a link's path (a pasted URL alone got an article for the words in it). Removed from the
# raw text, since normalising keeps the words inside markup; what is left is answered.
_PASTED = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|<\s*(script|style|iframe|object|embed|svg)\b[^>]*>.*?(?:<\s*/\s*\1\s*>|$)"
    r"|<[^<>]*\bon[a-z]{3,12}\s*=[^<>]*>?|javascript:\S*"
    r"|'?\s*;?\s*\b(?:drop\s+table|union\s+(?:all\s+)?select|insert\s+into)\b.*"
    r"|'\s*or\s+'?1'?\s*=\s*'?1'?|\{\{.*?\}\}|\$\{.*?\}",
    re.IGNORECASE | re.DOTALL,
)


def without_pasted(text: str) -> str:
    """`text` without pasted code and links."""
    return _PASTED.sub(" ", text)


# 流量 as a post's or a stream's views: not a data card, pack or plan, nor data being used up
# or topped up ("刷抖音太费流量", "流量用得好快", "网站上能充流量吗").
_VIEWS_SENSE = re.compile("(?<![费耗省偷充冲续办])流量(?![卡包套用])")
_DATA_FEATURE = CONCEPT_PREFIX + "data"
# Where a card was bought ("抖音上买的19块100G卡"): the platform is not what the text is about.
_BOUGHT_ON = re.compile(
    r"(?:抖音|快手|淘宝|拼多多|小红书|京东|闲鱼|直播间)(?:上|里)?(?:买|办|领|抢)的(?=.{0,16}?卡)"
)
# Asking how to renew or where to pay ("what ways are there to pay … the app keeps crashing").
_ASKS_RENEWAL = frozenset(
    CONCEPT_PREFIX + name for name in ("renew", "how_to_renew", "channels", "all_ways")
)


def _pattern(forms: list[str]) -> re.Pattern[str]:
    return re.compile(alternatives({normalize(form) for form in forms} - {""}))


class Domain:
    def __init__(
        self,
        subjects: list[str],
        weak: list[str],
        foreign: list[str],
        business_words: list[str],
        business_concepts: list[str],
        views_words: list[str],
        generic: list[str],
        devices: list[str],
    ) -> None:
        self._subjects = _pattern(subjects)
        self._devices = _pattern(devices)
        self._generic = _pattern(generic)
        self._views = _pattern(views_words)
        self._weak = _pattern(weak)
        self._foreign = _pattern(foreign)
        self._business = _pattern(business_words)
        # Listed words are spelt as meant: "overheats" is not a slip for "overseas".
        self.words = frozenset(
            word
            for form in (*subjects, *weak, *foreign, *devices, *business_words)
            for word in normalize(form).split()
        )
        self.business_concepts = frozenset(business_concepts)
        self._business_features = frozenset(CONCEPT_PREFIX + name for name in business_concepts)

    @classmethod
    def load(cls, data_dir: Path) -> Domain:
        path = data_dir / DOMAIN_FILE
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        except (OSError, yaml.YAMLError) as error:
            raise KnowledgeDataError(f"{DOMAIN_FILE}: cannot be read: {error}") from error
        lists: dict[str, list[str]] = {}
        for key in (
            "subjects", "weak_subjects", "foreign_subjects", "business_words", "views_words",
            "generic_subjects", "device_subjects",
        ):
            value = data.get(key) if isinstance(data, dict) else None
            if not isinstance(value, dict) or set(value) != {"zh", "en"}:
                raise KnowledgeDataError(f"{DOMAIN_FILE}: '{key}' needs zh and en lists")
            forms = [*value["zh"], *value["en"]]
            if not forms or not all(isinstance(form, str) and form.strip() for form in forms):
                raise KnowledgeDataError(
                    f"{DOMAIN_FILE}: '{key}' must list non-empty strings (quote numbers)"
                )
            lists[key] = [str(form) for form in forms]
        concepts = data.get("business_concepts")
        if not isinstance(concepts, list) or not all(isinstance(name, str) for name in concepts):
            raise KnowledgeDataError(f"{DOMAIN_FILE}: 'business_concepts' must list concept names")
        return cls(
            lists["subjects"], lists["weak_subjects"], lists["foreign_subjects"],
            lists["business_words"], concepts, lists["views_words"], lists["generic_subjects"],
            lists["device_subjects"],
        )

    def subjects_in(self, normalized: str, features: Iterable[str] = ()) -> tuple[bool, bool]:
        """(about cards, names a foreign subject) for normalised text. About cards: it names
        a phone / card / bill subject (other things renewed, like a gym card or a passport,
        are not counted; the phone itself, or topping up, counts when nothing else is
        named). The phone as a device is foreign unless the text asks about renewing
        (`features`: the text's concept features; a cheap repair or a phone's 256gb is not
        renewing)."""
        normalized = _BOUGHT_ON.sub(" ", normalized)
        rest = self._foreign.sub(" ", normalized)
        foreign = rest != normalized
        without_device = self._devices.sub(" ", rest)
        if without_device != rest:
            foreign = foreign or _ASKS_RENEWAL.isdisjoint(features)
            rest = without_device
        if self._means_views(normalized):
            rest = _VIEWS_SENSE.sub(" ", rest)
        if self._subjects.search(rest):
            return True, foreign
        if self._generic.search(rest) and (
            not foreign or carriers_in(normalized) or self._business.search(normalized)
        ):
            return True, foreign
        return not foreign and self._weak.search(rest) is not None, foreign

    def _means_views(self, normalized: str) -> bool:
        """Whether 流量 is a post's or a stream's views here, not data ("直播间突然没流量了",
        "公众号流量主怎么开通"): it stands beside a platform or a post."""
        return bool(self._views.search(normalized) and _VIEWS_SENSE.search(normalized))

    def about_business(self, normalized: str, features: Iterable[str]) -> bool:
        """Whether a text that names no subject is still about renewing, paying or expiry: it
        names a business word, or has one of the business concepts among its features."""
        if self._means_views(normalized):
            features = [feature for feature in features if feature != _DATA_FEATURE]
        return any(feature in self._business_features for feature in features) or (
            self._business.search(normalized) is not None
        )
