"""KnowledgeBase: the loaded entries, lookups, the /renew menu and matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.knowledge.cache import load_cached
from bot.knowledge.carriers import CARRIERS, CARRIERS_FILE, DATA_DIR, carrier_by_code
from bot.knowledge.concepts import CONCEPTS_FILE, Concepts
from bot.knowledge.domain import DOMAIN_FILE, Domain
from bot.knowledge.entries import TOPICS, CustomEntry, Entry, LocalizedText, load_entries
from bot.knowledge.errors import KnowledgeDataError
from bot.knowledge.matcher import Match, Matcher
from bot.knowledge.normalize import normalize

# The /renew menu: (section key = the topic of its entries, title), mainland China first:
# most people who write "流量卡" are there.
_SECTIONS = (
    ("channels", LocalizedText(zh="按续费渠道", en="By channel")),
    ("carriers", LocalizedText(zh="按运营商", en="By carrier")),
    ("mainland", LocalizedText(zh="中国大陆：话费、流量与号码", en="Mainland China")),
    ("hk_tw", LocalizedText(zh="港澳台", en="Hong Kong, Taiwan, Macau")),
    ("philippines", LocalizedText(zh="菲律宾", en="Philippines")),
    ("esim", LocalizedText(zh="旅行 eSIM", en="Travel eSIMs")),
    ("general", LocalizedText(zh="常见问题", en="General questions")),
    ("tips", LocalizedText(zh="续费小贴士", en="Tips")),
    ("scams", LocalizedText(zh="防骗提醒", en="Scam warnings")),
)


@dataclass(frozen=True, slots=True)
class MenuSection:
    key: str
    titles: LocalizedText
    entries: tuple[Entry, ...]

    def title(self, lang: str) -> str:
        return self.titles.get(lang)


class KnowledgeBase:
    """The built-in answers. Build it with KnowledgeBase.load(); it is immutable."""

    def __init__(self, entries: Sequence[Entry], concepts: Concepts, domain: Domain) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_id = {entry.id: entry for entry in self.entries}
        for carrier in CARRIERS:
            guide = self._by_id.get(carrier.guide_entry_id)
            if guide is None or guide.topic != "carriers":
                raise KnowledgeDataError(
                    f"{CARRIERS_FILE}: carrier '{carrier.code}': guide "
                    f"'{carrier.guide_entry_id}' is not an entry with topic 'carriers'"
                )
        if unknown := sorted(domain.business_concepts - concepts.names):
            raise KnowledgeDataError(
                f"{DOMAIN_FILE}: business_concepts not in {CONCEPTS_FILE}: {unknown}"
            )
        self._domain = domain
        self._matcher = Matcher(self.entries, concepts, domain)
        # Sections without entries (yet) stay out of the menu.
        self._sections = tuple(
            MenuSection(key, title, entries)
            for key, title in _SECTIONS
            if (entries := self.by_topic(key))
        )

    @classmethod
    def build(cls, data_dir: Path) -> KnowledgeBase:
        """The knowledge base in data_dir, built from its files (load() keeps it built)."""
        return cls(load_entries(data_dir), Concepts.load(data_dir), Domain.load(data_dir))

    @classmethod
    def load(cls, data_dir: Path | None = None) -> KnowledgeBase:
        """The knowledge base in data_dir (default: the bundled data), loaded once per
        directory. Raises KnowledgeDataError naming the file and entry if anything is wrong."""
        return _load(data_dir or DATA_DIR)

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def by_topic(self, topic: str) -> tuple[Entry, ...]:
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        return tuple(entry for entry in self.entries if entry.topic == topic)

    def guide_for_carrier(self, code: str) -> Entry | None:
        carrier = carrier_by_code(code)
        return self._by_id.get(carrier.guide_entry_id) if carrier else None

    def menu_sections(self) -> tuple[MenuSection, ...]:
        """Sections of the /renew menu in a fixed order, entries in data-file order."""
        return self._sections

    def about_something_else(self, text: str) -> bool:
        """Whether `text` names another thing people renew or delete (a gym card, a Facebook
        account) and nothing about cards: "delete my Facebook account" is no request to the
        bot, however much it reads like one."""
        about_cards, foreign = self._domain.subjects_in(normalize(text))
        return foreign and not about_cards

    def match(
        self,
        text: str,
        custom: Sequence[CustomEntry] = (),
        user_carriers: Sequence[str] = (),
    ) -> Match:
        """The best answer to a free-text question.

        `custom` are the group's own FAQ rows: a good match among them wins over the built-in
        entries. `user_carriers` are the carrier codes of the user's recorded cards: a generic
        "how do I renew?" gets the guide of the one carrier (or a choice of their guides), and
        they break near-ties. A carrier named in the text takes precedence over both. Matching
        works on zh (Simplified or Traditional), en and mixed text alike.
        """
        return self._matcher.match(text, custom, user_carriers)


@cache
def _load(data_dir: Path) -> KnowledgeBase:
    return load_cached(data_dir, lambda: KnowledgeBase.build(data_dir))
