"""Matching a free-text question to knowledge-base entries.

Everything that can be is computed once, when the matcher is built: the features of every
phrasing and keyword, their weights and inverted indexes from feature to phrasing / entry /
keyword. A question is then normalised, its English typos corrected, split into features
(normalize.py: words, Chinese character bigrams and single characters; concepts.py: synonym
groups) and scored against only the entries that share a feature with it.

A feature's weight is its inverse document frequency over the entries (capped), lowered for
single Chinese characters and for "incidental" features that occur only in phrasings (never a
keyword, concept or carrier-name word), which are often accidents of wording.

An entry's score blends three signals, each between 0 and 1:
- phrasing: the best weighted cosine between the question and one of the entry's phrasings
  (its questions and titles), which rewards a close paraphrase;
- coverage: the share of the question's weight found anywhere in the entry, which rewards a
  question whose words all belong to this entry even if no single phrasing has them all;
- keywords: the share of the question's weight made of the entry's keywords, found whole.
Then carriers: naming one carrier favours entries about it and disfavours entries about other
carriers; a carrier guide whose carrier (or region) is not evident from the question is
disfavoured. A weak or unsupported best score gives "none"; several entries scoring about the
same give "choices".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from math import log, sqrt
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.carriers import (
    ALIASES,
    CARRIERS,
    carrier_by_code,
    carriers_by_prefix,
    carriers_in,
    names_only_carriers,
    settled_carriers,
)
from bot.knowledge.concepts import CONCEPT_PREFIX, Concepts
from bot.knowledge.domain import Domain
from bot.knowledge.english import common_english_words
from bot.knowledge.entries import CustomEntry, Entry
from bot.knowledge.normalize import (
    CJK_RUN,
    MAX_INPUT_CHARS,
    UNIGRAM_PREFIX,
    alternatives,
    chinese_terms,
    english_words,
    normalize,
)
from bot.knowledge.regions import entry_regions, regions_in

MatchKind = Literal["answer", "choices", "none"]
# Why there is no answer: nothing in the text is about cards and renewing ("off_topic"), or it
# is, but no entry fits well enough ("unsure").
NoneReason = Literal["off_topic", "unsure"]
Answer = Entry | CustomEntry

# Single Chinese characters are weak evidence; bigrams carry the meaning.
UNIGRAM_FACTOR = 0.3
# Weight factor for features that occur only in phrasings (see the module docstring).
INCIDENTAL_FACTOR = 0.7
# Weight of a feature no entry has (an off-topic word, a typo nothing explains): it dilutes
# the score of a mostly off-topic question.
UNKNOWN_WEIGHT = 0.6
# How a question asks ("怎么查") counts this much of a feature as rare: it is in few entries'
# phrasings, yet says little about which entry answers.
QUESTION_FORM_FACTOR = 0.6
# With only a few dozen entries, a word found in one entry only is not necessarily more telling
# than one found in two or three: the inverse document frequency is capped.
MAX_IDF = 2.5
# Blend of the three signals.
PHRASING_SHARE = 0.40
COVERAGE_SHARE = 0.40
KEYWORD_SHARE = 0.20
# Carrier adjustments (see the module docstring).
CARRIER_BONUS = 0.08
OTHER_CARRIER_MALUS = 0.10
UNNAMED_GUIDE_MALUS = 0.30
# An entry only about Hong Kong, Taiwan or the Philippines, or about travel eSIMs, when nothing
# in the question points there: most questions come from mainland China.
NO_REGION_MALUS = 0.15
# The user's recorded carriers break near-ties when the question names none.
USER_CARRIER_BONUS = 0.02
# Without a phone / card subject in the text, more than this many words the knowledge base
# has never seen per word it knows make it off topic; when no carrier is named either (only
# the business: "iqama expired, how much is the fine"), more than one.
UNKNOWN_PER_ANCHOR = 2
UNKNOWN_PER_ANCHOR_WITHOUT_CARRIER = 1
# Below these there is no answer: the score, and the absolute weight of matched features
# (about one distinctive word or bigram) unless a whole keyword of the entry was found.
MIN_SCORE = 0.25
MIN_EVIDENCE = 2.0
# Entries scoring at least this share of the best score are offered as choices with it.
CHOICE_RATIO = 0.95
MAX_CHOICES = 3
# How close to the best the named carrier's guide must score to answer a how-to-renew question.
GUIDE_RATIO = 0.65
# A group's own FAQ row answers when it scores at least this. In its rows, a feature the
# knowledge base does not know weighs this much (about as much as a rare known one).
CUSTOM_MIN_SCORE = 0.5
CUSTOM_UNKNOWN_WEIGHT = 2.0
# English words this long or longer not known to the knowledge base are corrected to the
# nearest known word with the same first letter (1 edit, 2 from MIN_TWO_EDITS_LENGTH on);
# shorter ones are too ambiguous.
MIN_CORRECTED_LENGTH = 5
MIN_TWO_EDITS_LENGTH = 7
_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of matching a question.

    kind "answer": `entry` is the answer (an Entry, or a CustomEntry from the group's FAQ);
    `candidates` holds just that answer.
    kind "choices": `candidates` holds up to three entries, best first, for "did you mean".
    kind "none": nothing fits, for `reason`. `score` is the best score (about 0..1, higher
    is better). `carrier` is the one carrier the question names, if any (an answer covering
    several carriers puts its line first); `number_prefix` the first digits of a number it
    was read from instead ("139"), which the answer says do not prove the carrier.
    """

    kind: MatchKind
    entry: Answer | None = None
    candidates: tuple[Answer, ...] = ()
    score: float = 0.0
    reason: NoneReason | None = None
    carrier: str | None = None
    number_prefix: str | None = None


OFF_TOPIC = Match("none", reason="off_topic")
UNSURE = Match("none", reason="unsure")


@dataclass(frozen=True, slots=True)
class _Query:
    weights: dict[str, float]
    total: float
    norm: float
    carriers: tuple[str, ...]
    # The text names a phone / card / bill subject (domain.py), or something else people renew.
    about_cards: bool
    foreign: bool
    # Without a subject: the text is about renewing, paying or expiry all the same.
    business: bool
    # Nothing but digits: a number is not a question.
    numeric: bool
    # How many features are the knowledge base's own vocabulary (keywords, concepts, carrier
    # names: "anchors"), and how many it has never seen.
    anchors: int
    unknown: int
    # The entries of the carriers' guides, in the order the carriers are named.
    guides: list[int]
    # Nothing but a carrier's name, maybe with "卡" or "sim" ("移动", "globe sim").
    only_carrier: bool
    # The entries only for a region the question points to (regions.py, "esim" included).
    in_regions: npt.NDArray[np.bool_]
    # The number prefix the only carrier was read from ("139"), when none was named.
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class _Keyword:
    entry: int
    terms: frozenset[str]


# A way to pay the asker says they do not have or use ("没有支付宝 还能咋充", "no gcash, how
# else can I load"): it is what they are not asking about, so its words are dropped; the rest
# asks for the other ways.
_CN_WALLET = "(?:支付宝|微信)"
_NEGATED_CHANNEL = re.compile(
    r"(?:没有|没|不用|不想用|不会用|不能用|用不了|没开通|没开|没装|不想装|不想下载|没下载)\s*"
    r"(?:(?:香港|大陆|国内|内地|中国|本地|菲律宾)的?)?"
    r"(?:支付宝|微信支付|微信|云闪付|翼支付|银行卡|信用卡|八达通|app)"
    # ... or has lost ("支付宝被我注销了", "微信也没绑卡")
    rf"|{_CN_WALLET}(?:被我|我)?(?:注销|卸载|删|封)了?"
    rf"|{_CN_WALLET}也?(?:没绑卡|没实名|没开通|被封了?)"
    rf"|{_CN_WALLET}(?:和|跟|还有)?{_CN_WALLET}都(?:没开通|没有|没装|没绑卡|没实名|用不了|不能用)"
    # ... or that refused ("支付宝说不支持", "微信也充不进去")
    rf"|{_CN_WALLET}(?:里|上)?(?:充值)?(?:说|显示|提示)(?:不支持|充不进去|充不了|不行)"
    rf"|{_CN_WALLET}(?:里|上)?搜不到|{_CN_WALLET}也(?:不行|充不了|充不进去)"
    # ... or a place they will not go to ("不想去便利店", "营业厅太远了不想跑")
    r"|(?:不想去|懒得去|不方便去)\s*(?:营业厅|便利店|门店|店里)"
    r"|(?:营业厅|便利店|门店)太?远了?\s*(?:不想跑|不想去|懒得跑|懒得去)"
    r"|\b(?:dont|do not|cant|cannot|no|without|not using|walang|wala)\s+"
    r"(?:have\s+|use\s+|using\s+|akong\s+|kong\s+)?(?:an?\s+)?"
    r"(?:gcash|maya|paymaya|alipay|wechat pay|wechat|credit card|bank account|app)\b"
)


def _without_negated_channels(normalized: str) -> str:
    """Normalised text without the ways to pay it says the asker does not have."""
    rest = " ".join(_NEGATED_CHANNEL.sub(" ", normalized).split())
    return rest or normalized


# Said in figures, read as if the word were written: a monthly fee that went up ("之前19一个月
# 这个月突然扣了39", "was paying 19 a month now its 39") is 涨价, a balance below zero ("余额-23",
# "balance shows -23 yuan") 负数. The first amount must be per month: a haircut's price is no
# fee, and "138的号 现在换成186" no price.
_PER_MONTH = r"(?:一个月|每月|每个月|月租|a month|per month|monthly)"
_PRICE_JUMP = re.compile(
    rf"(?:{_PER_MONTH} ?(\d{{1,3}})|(?<!\d)(\d{{1,3}}) ?(?:块|元|rmb|yuan|pesos?)? ?{_PER_MONTH})"
    r"\D{0,20}?(?:现在|突然|这个月|本月|now|its|it s)\D{0,8}?(?<!\d)(\d{1,3})(?!\d)"
)
_BELOW_ZERO = re.compile(r"(?:余额|话费|balance|bal|credit|load)\D{0,12}?[-−–]\s?\d")


def _said_in_figures(text: str, normalized: str) -> list[str]:
    """The words `text` says in figures (normalising drops the minus sign, so the raw text)."""
    words = []
    if any(
        int(before or after) < int(now) for before, after, now in _PRICE_JUMP.findall(normalized)
    ):
        words.append("涨价")
    if _BELOW_ZERO.search(text.lower()):
        words.append("负数")
    return words


# A network generation ("4g"): in a carrier's alias ("沃4g") it is not that carrier's name.
_NETWORK = re.compile(r"[2-6]g")


def _is_unigram(term: str) -> bool:
    return term.startswith(UNIGRAM_PREFIX)


def _ascii_words(normalized: Iterable[str]) -> Counter[str]:
    return Counter(word for text in normalized for word in text.split() if word.isascii())


def _answer_words(text: str) -> list[str]:
    """The English words of an answer (cheaper than normalising the whole text)."""
    return re.findall(r"[a-z]+", unicodedata.normalize("NFKC", text).lower())


def _mask(flags: Iterable[bool]) -> npt.NDArray[np.bool_]:
    """One flag per entry, as a numpy mask."""
    return np.array(list(flags), bool)


def _sums(
    groups: list[npt.NDArray[np.intp]], values: list[float], size: int
) -> npt.NDArray[np.float64]:
    """An array of `size` zeros plus values[i] at each position in groups[i]."""
    if not groups:
        return np.zeros(size)
    lengths = np.fromiter(map(len, groups), np.intp, len(groups))
    sums = np.bincount(np.concatenate(groups), weights=np.repeat(values, lengths), minlength=size)
    return sums.astype(np.float64, copy=False)  # with weights it already is: for the types


class Matcher:
    def __init__(self, entries: Sequence[Entry], concepts: Concepts, domain: Domain) -> None:
        self._entries = tuple(entries)
        self._concepts = concepts
        self._domain = domain
        self._index_of = {entry.id: index for index, entry in enumerate(self._entries)}
        self._generic = next((i for i, e in enumerate(self._entries) if e.generic_renewal), None)
        # The steps below read most texts more than once: each is normalised once here
        # (normalize's own cache is sized for questions, not for the whole knowledge base).
        normal = cache(normalize)

        # Chinese words the knowledge base knows (see chinese_terms).
        keyword_texts = [text for entry in self._entries for text in entry.keywords.all()]
        lexicon = {
            word
            for text in (*keyword_texts, *ALIASES, *concepts.forms)
            for word in CJK_RUN.findall(normal(text))
            if len(word) > 1
        }
        self._lexicon = re.compile(alternatives(lexicon))

        # English words the knowledge base knows (typos are corrected towards the most common).
        question_texts = [
            text for entry in self._entries for text in (*entry.questions.all(), entry.titles.en)
        ]
        words = _ascii_words(
            map(normal, [*question_texts, *keyword_texts, *ALIASES, *concepts.forms])
        )
        words.update(
            word
            for entry in self._entries
            for answer in (entry.answers.zh, entry.answers.en)
            for word in _answer_words(answer)
        )
        self._words = frozenset(words)
        # Candidates for corrections by first letter (typos rarely hit the first letter).
        self._words_by_initial: defaultdict[str, list[str]] = defaultdict(list)
        for word, _ in words.most_common():
            if word.isalpha():
                self._words_by_initial[word[0]].append(word)

        phrasings: list[tuple[int, frozenset[str]]] = []
        keywords: list[_Keyword] = []
        vocabularies: list[set[str]] = []
        for index, entry in enumerate(self._entries):
            vocabulary: set[str] = set()
            for text in (*entry.questions.all(), entry.titles.zh, entry.titles.en):
                terms = frozenset(self._terms(normal(text)))
                if terms:
                    phrasings.append((index, terms))
                    vocabulary |= terms
            for text in entry.keywords.all():
                terms = frozenset(self._terms(normal(text)))
                # A Chinese keyword is found by its bigrams; single characters only count
                # for one-character keywords.
                whole = frozenset(term for term in terms if not _is_unigram(term)) or terms
                if whole:
                    keywords.append(_Keyword(index, whole))
                    vocabulary |= terms
            vocabularies.append(vocabulary)

        # Curated features: the known Chinese words themselves (not the bigrams inside them,
        # which may straddle two words, like 国电 in 中国电信), English words and concepts.
        # Anchors: the features that alone make a text about what the knowledge base knows:
        # its Chinese words, concepts, and one-word keywords, aliases and concept forms. The
        # words of a longer phrase ("from today") are not: "today" alone is about anything.
        curated = set(lexicon)
        anchors = set(lexicon)
        for text in dict.fromkeys(map(normal, (*concepts.forms, *ALIASES, *keyword_texts))):
            english, found = english_words(text), concepts.find(text)
            curated.update(english, found)
            if len(text.split()) == 1:
                anchors.update(english)
            anchors.update(found)
        self._anchors = frozenset(anchors)
        # Each carrier's name as the answers write it, and the features of its names they use.
        self._carrier_names = {carrier.code: normal(carrier.aliases[0]) for carrier in CARRIERS}
        self._english = common_english_words()
        frequency = Counter(term for vocabulary in vocabularies for term in vocabulary)
        documents = len(self._entries)
        self._weight = {
            term: min(MAX_IDF, log((documents + 1) / (count + 0.5)))
            * (UNIGRAM_FACTOR if _is_unigram(term) else 1)
            * (1 if term in curated else INCIDENTAL_FACTOR)
            * (QUESTION_FORM_FACTOR if term in concepts.question_forms else 1)
            for term, count in frequency.items()
        }
        self._carrier_terms = {
            carrier.code: frozenset(
                term
                for alias in carrier.aliases
                for term in self._terms(normal(alias))
                if term in self._weight and not _is_unigram(term) and not _NETWORK.fullmatch(term)
            )
            for carrier in CARRIERS
        }

        # Scoring adds up per feature over arrays (numpy): a question touches thousands of
        # (feature, phrasing) pairs, which a Python loop makes the costliest step of an update.
        # Phrasings are stored entry by entry, so each entry's are one slice of the arrays.
        self._phrasing_norm = np.array(
            [sqrt(sum(self._weight[term] ** 2 for term in terms)) for _, terms in phrasings]
        )
        self._entry_starts = np.searchsorted(
            np.array([index for index, _ in phrasings]), np.arange(len(self._entries))
        )
        positions_of: defaultdict[str, list[int]] = defaultdict(list)
        for position, (_, terms) in enumerate(phrasings):
            for term in terms:
                positions_of[term].append(position)
        self._phrasings_with = {term: np.array(found) for term, found in positions_of.items()}
        entries_of: defaultdict[str, list[int]] = defaultdict(list)
        for index, vocabulary in enumerate(vocabularies):
            for term in vocabulary:
                entries_of[term].append(index)
        self._entries_with = {term: np.array(found) for term, found in entries_of.items()}
        # Each keyword is looked up by its rarest term, then checked whole.
        self._keywords_by_term: defaultdict[str, list[_Keyword]] = defaultdict(list)
        for keyword in keywords:
            rarest = max(keyword.terms, key=lambda term: (self._weight[term], term))
            self._keywords_by_term[rarest].append(keyword)

        # The regions an entry is only for ({"hk"}, {"ph"}, {"esim"}); empty for the entries
        # that also serve mainland China or everyone.
        needs_region = [entry_regions(entry) for entry in self._entries]
        # The per-entry facts scoring adjusts by, as masks over the entries (see _scores).
        self._is_guide = _mask(entry.topic == "carriers" for entry in self._entries)
        self._has_carriers = _mask(bool(entry.carriers) for entry in self._entries)
        self._needs_any_region = _mask(bool(needs) for needs in needs_region)
        self._with_carrier = {
            code: _mask(code in entry.carriers for entry in self._entries)
            for code in {code for entry in self._entries for code in entry.carriers}
        }
        self._needing_region = {
            region: _mask(region in needs for needs in needs_region)
            for region in set().union(*needs_region)
        }
        self._corrections: dict[str, str] = {}
        self._analyses: dict[str, _Query] = {}

    def _any_of(
        self, masks: dict[str, npt.NDArray[np.bool_]], keys: Iterable[str]
    ) -> npt.NDArray[np.bool_]:
        """The entries in any of these keys' masks (a carrier's, a region's)."""
        union = np.zeros(len(self._entries), bool)
        for key in keys:
            if (mask := masks.get(key)) is not None:
                union |= mask
        return union

    # --- question analysis -------------------------------------------------------------------

    def _terms(self, normalized: str) -> list[str]:
        return (
            english_words(normalized)
            + chinese_terms(normalized, self._lexicon)
            + self._concepts.find(normalized)
        )

    def _corrected(self, word: str) -> str:
        """The known word a misspelt English word most likely is, or the word itself."""
        corrected = self._corrections.get(word)
        if corrected is None:
            allowed = 2 if len(word) >= MIN_TWO_EDITS_LENGTH else 1
            found = process.extractOne(
                word,
                self._words_by_initial.get(word[0], ()),
                scorer=OSA.distance,
                score_cutoff=allowed,
            )
            corrected = found[0] if found else word
            if len(self._corrections) >= _CACHE_SIZE:
                self._corrections.clear()
            self._corrections[word] = corrected
        return corrected

    def _correct_typos(self, normalized: str) -> str:
        words = normalized.split()
        for position, word in enumerate(words):
            if (
                len(word) >= MIN_CORRECTED_LENGTH
                and word not in self._words
                and word not in self._english
                and word not in self._domain.words
                and word.isascii()
                and word.isalpha()
            ):
                words[position] = self._corrected(word)
        return " ".join(words)

    def _analyze(self, text: str) -> _Query:
        """The features of `text` with their weights (cached: FAQs repeat)."""
        text = text[:MAX_INPUT_CHARS]  # all that normalize() looks at
        query = self._analyses.get(text)
        if query is not None:
            return query
        spoken = normalize(text)
        normalized = self._correct_typos(_without_negated_channels(spoken))
        # What the asker does not have or want still says what the text is about: "不想去营业厅
        # … 哪个最稳" asks about everything but the business hall, and is about renewing (but
        # "no bank account" names no other subject).
        whole = normalized if normalized == spoken else self._correct_typos(spoken)
        numeric = normalized.replace(" ", "").isdigit()  # a bare number is no question
        named = carriers_in(normalized)
        by_prefix = () if numeric or named else carriers_by_prefix(normalized)
        terms = self._terms(normalized)
        # A carrier known only by a word the answers never use ("沃的卡", "天翼", or a number's
        # first digits: "139开头的号", "0917 number") is read as if its name were written,
        # so its guide and its lines count (a prefix points there without proving it); so are
        # words said in figures (涨价, 负数).
        unnamed = [
            code for code in (*named, *(code for _prefix, code in by_prefix))
            if not self._carrier_terms.get(code, frozenset()).intersection(terms)
        ]
        implied = [self._carrier_names[code] for code in unnamed]
        implied += _said_in_figures(text, normalized)
        if implied:
            normalized, whole = " ".join([normalized, *implied]), " ".join([whole, *implied])
            terms = self._terms(normalized)
        weights = {
            term: self._weight.get(term)
            or UNKNOWN_WEIGHT * (UNIGRAM_FACTOR if _is_unigram(term) else 1)
            for term in terms
        }
        about_cards, foreign = self._domain.subjects_in(normalized, weights)
        if whole != normalized and not about_cards:
            about_cards = self._domain.subjects_in(whole, weights)[0]
        business = not about_cards and self._domain.about_business(whole, weights)
        carriers = carriers_in(normalized)
        if len(carriers) > 1 and (settled := settled_carriers(normalized)):
            carriers = tuple(code for code in carriers if code not in settled) or carriers
        query = _Query(
            weights=weights,
            total=sum(weights.values()),
            norm=sqrt(sum(weight * weight for weight in weights.values())),
            carriers=carriers,
            about_cards=about_cards,
            foreign=foreign,
            business=business,
            numeric=numeric,
            anchors=sum(term in self._anchors for term in weights),
            unknown=sum(term not in self._weight and not _is_unigram(term) for term in weights),
            guides=self._guides(carriers),
            only_carrier=names_only_carriers(normalized),
            in_regions=self._any_of(self._needing_region, regions_in(text, normalized)),
            prefix=by_prefix[0][0] if len(by_prefix) == 1 else None,
        )
        if len(self._analyses) >= _CACHE_SIZE:
            self._analyses.clear()
        self._analyses[text] = query
        return query

    # --- scoring -----------------------------------------------------------------------------

    def _guides(self, codes: Iterable[str]) -> list[int]:
        """Entry indexes of the guides for these carriers, in order, without repeats."""
        guides: list[int] = []
        for code in codes:
            carrier = carrier_by_code(code)
            index = self._index_of.get(carrier.guide_entry_id) if carrier else None
            if index is not None and index not in guides:
                guides.append(index)
        return guides

    def _scores(self, query: _Query, user_carriers: Sequence[str]) -> list[tuple[float, int]]:
        """(score, entry index) for every entry with enough evidence, best first."""
        # Each known feature adds its weight to the phrasings and entries that hold it (once
        # each): one bincount over all of them, not numpy calls per feature, which cost more
        # than the sums themselves on arrays this small.
        positions: list[npt.NDArray[np.intp]] = []
        squares: list[float] = []
        indexes: list[npt.NDArray[np.intp]] = []
        weights: list[float] = []
        keyword_terms: defaultdict[int, set[str]] = defaultdict(set)
        for term, weight in query.weights.items():
            if term not in self._weight:
                continue
            if (found := self._phrasings_with.get(term)) is not None:
                positions.append(found)
                squares.append(weight * weight)
            if (found := self._entries_with.get(term)) is not None:
                indexes.append(found)
                weights.append(weight)
            for keyword in self._keywords_by_term.get(term, ()):
                if keyword.terms <= query.weights.keys():
                    keyword_terms[keyword.entry] |= keyword.terms
        dots = _sums(positions, squares, len(self._phrasing_norm))
        covered = _sums(indexes, weights, len(self._entries))
        similarity = dots / (query.norm * self._phrasing_norm)
        best_phrasing = np.maximum.reduceat(similarity, self._entry_starts)

        keyword_weight = np.zeros(len(self._entries))
        for index, terms in keyword_terms.items():
            keyword_weight[index] = sum(query.weights[term] for term in terms)
        has_keyword = np.zeros(len(self._entries), bool)
        has_keyword[list(keyword_terms)] = True
        score = (
            PHRASING_SHARE * best_phrasing
            + COVERAGE_SHARE * covered / query.total
            + KEYWORD_SHARE * np.minimum(1.0, keyword_weight / query.total)
        )
        # One carrier named (or several sharing a guide, like Smart and TNT) steers towards
        # it; naming several is a question across carriers (switching, comparing).
        if len(query.guides) == 1:
            named = self._any_of(self._with_carrier, query.carriers)
            score += CARRIER_BONUS * named
            score -= OTHER_CARRIER_MALUS * (~named & (self._has_carriers | self._is_guide))
        else:
            score -= UNNAMED_GUIDE_MALUS * (self._is_guide & ~has_keyword)
        score -= NO_REGION_MALUS * (self._needs_any_region & ~query.in_regions)
        if not query.carriers:
            score += USER_CARRIER_BONUS * self._any_of(self._with_carrier, user_carriers)
        # Entries with enough evidence, or a whole keyword, best first (ties: file order).
        candidates = np.flatnonzero((covered != 0) & ((covered >= MIN_EVIDENCE) | has_keyword))
        order = candidates[np.lexsort((candidates, -score[candidates]))]
        return list(zip(score[order].tolist(), order.tolist(), strict=True))

    def _custom_weights(self, query: _Query) -> dict[str, float]:
        # A group's FAQ uses words the knowledge base has never seen ("群规"): there they are
        # telling, not noise.
        return {
            term: self._weight.get(term)
            or CUSTOM_UNKNOWN_WEIGHT * (UNIGRAM_FACTOR if _is_unigram(term) else 1)
            for term in query.weights
        }

    def _best_custom(
        self, query: _Query, custom: Sequence[CustomEntry]
    ) -> tuple[float, CustomEntry | None]:
        """The group's FAQ row most like the question, with its score (0..1)."""
        asked = self._custom_weights(query)
        asked_norm = sqrt(sum(weight * weight for weight in asked.values()))
        asked_total = sum(asked.values())
        best: tuple[float, CustomEntry | None] = (0.0, None)
        for row in custom:
            listed = self._custom_weights(self._analyze(row.question))
            shared = asked.keys() & listed.keys()
            evidence = sum(asked[term] for term in shared)
            if evidence < MIN_EVIDENCE:
                continue
            listed_norm = sqrt(sum(weight * weight for weight in listed.values()))
            dot = sum(asked[term] * listed[term] for term in shared)
            score = 0.5 * dot / (asked_norm * listed_norm) + 0.5 * evidence / asked_total
            if score > best[0]:
                best = (score, row)
        return best

    # --- the decision ------------------------------------------------------------------------

    def _off_topic(self, query: _Query) -> bool:
        """Nothing in the text is about cards: a number, another thing people renew (a
        passport, Netflix), neither a carrier nor the bot's business named (words the answers
        use, like 办法 or "trip", are about anything), or mostly words it has never seen."""
        if query.numeric:
            return True
        if query.about_cards:
            return False
        if query.foreign or not (query.carriers or query.business):
            return True
        if query.anchors == 0 and not query.carriers:
            return True
        per_anchor = UNKNOWN_PER_ANCHOR if query.carriers else UNKNOWN_PER_ANCHOR_WITHOUT_CARRIER
        return query.unknown > per_anchor * query.anchors

    def match(
        self,
        text: str,
        custom: Sequence[CustomEntry] = (),
        user_carriers: Sequence[str] = (),
    ) -> Match:
        query = self._analyze(text)
        if not query.weights:
            return OFF_TOPIC
        # A group's own entries may be about anything (its rules, its meetups).
        if custom and not query.numeric:
            score, row = self._best_custom(query, custom)
            if row is not None and score >= CUSTOM_MIN_SCORE:
                return Match("answer", row, (row,), score)
        if self._off_topic(query):
            return OFF_TOPIC

        scored = self._scores(query, user_carriers)
        if query.only_carrier and query.guides:
            # "移动": a common name weighs too little alone to pass as evidence, but a carrier
            # named and nothing else asked is asking about that carrier: its guide ("移动联通":
            # a choice of theirs).
            carrier_guides = tuple(self._entries[index] for index in query.guides[:MAX_CHOICES])
            score = scored[0][0] if scored else MIN_SCORE
            if len(carrier_guides) > 1:
                return Match("choices", None, carrier_guides, score)
            return Match("answer", carrier_guides[0], carrier_guides, score,
                         carrier=query.carriers[0], number_prefix=query.prefix)
        if not scored or scored[0][0] < MIN_SCORE:
            return UNSURE
        best = scored[0][0]
        close = [index for score, index in scored[:MAX_CHOICES] if score >= best * CHOICE_RATIO]

        if (
            CONCEPT_PREFIX + "how_to_renew" in query.weights
            and len(query.guides) == 1
            and close != query.guides
            and any(index == query.guides[0] and score >= best * GUIDE_RATIO
                    for score, index in scored)
        ):
            # "how to load globe prepaid? expiring na": asked how to renew with one carrier
            # named, that carrier's guide answers it when it is near the top.
            close = list(query.guides)  # a copy: the analysis is cached
        elif (
            CONCEPT_PREFIX + "how_to_renew" in query.weights
            and len(query.guides) > 1
            and not set(query.guides) <= set(close)
        ):
            # "移动和联通都有 怎么续", "my globe and smart both expiring how to renew":
            # renewing two carriers' cards is each one's guide, not an entry that happens to
            # list both (the official sites), nor one guide beside other pages.
            close = query.guides[:MAX_CHOICES]
        if close[0] == self._generic:
            # "How do I renew?" is best answered by the guide for the carrier the user
            # named, or else the one carrier they have on record (or a choice of theirs).
            guides = self._guides(query.carriers or user_carriers)
            if len(guides) == 1:
                close = list(dict.fromkeys([guides[0], *close[1:]]))
            elif guides and len(close) == 1:
                close = guides[:MAX_CHOICES]
        elif self._generic in close and query.guides == [close[0]]:
            # "smart sim reload options": the named carrier's guide is that overview.
            close.remove(self._generic)

        if len(close) > 1:
            # "esim data left": of close entries, the one for the region the question points
            # to (travel eSIMs, Hong Kong) answers it rather than the general one.
            regional = [index for index in close if query.in_regions[index]]
            if len(regional) == 1:
                close = regional
        if len(close) == 1:
            entry = self._entries[close[0]]
            named = query.carriers[0] if len(query.carriers) == 1 else None
            prefix = query.prefix if named else None
            return Match("answer", entry, (entry,), best, carrier=named, number_prefix=prefix)
        return Match("choices", None, tuple(self._entries[i] for i in close), best)
