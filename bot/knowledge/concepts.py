"""Concepts: groups of words and phrases that mean the same thing (data/concepts.yaml).

A concept found in a text becomes one extra matching feature ("@renew"), which lets synonyms,
colloquial words and the other language meet: "没到账", "not received" and "never came" all
give "@not_arrived".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from bot.knowledge.errors import KnowledgeDataError
from bot.knowledge.normalize import has_cjk, normalize, stem

CONCEPTS_FILE = "concepts.yaml"
CONCEPT_PREFIX = "@"


def _stemmed(words: Sequence[str]) -> list[str]:
    return [stem(word) for word in words]


class Concepts:
    def __init__(
        self, groups: Mapping[str, Sequence[str]], question_forms: Sequence[str] = ()
    ) -> None:
        # Concepts that say how a question asks ("怎么查", "how do I check"), not what about:
        # they let a short question reach its entries but must not outweigh its subject.
        self.question_forms = frozenset(CONCEPT_PREFIX + name for name in question_forms)
        # Form -> concept features. Chinese (and mixed) forms are looked up as substrings of the
        # normalised text, English ones as runs of stemmed words ("expired" == "expire").
        self.names = frozenset(groups)
        self._chinese: defaultdict[str, list[str]] = defaultdict(list)
        self._english: defaultdict[str, list[str]] = defaultdict(list)
        normalized_forms: list[str] = []
        for name, forms in groups.items():
            for form in forms:
                normalized = normalize(form)
                normalized_forms.append(normalized)
                if has_cjk(normalized):
                    self._chinese[normalized].append(CONCEPT_PREFIX + name)
                elif normalized:
                    self._english[" ".join(_stemmed(normalized.split()))].append(
                        CONCEPT_PREFIX + name
                    )
        self.forms = tuple(dict.fromkeys(normalized_forms))
        # The lengths of the forms starting with each character: a text is scanned once.
        lengths: defaultdict[str, set[int]] = defaultdict(set)
        for form in self._chinese:
            lengths[form[0]].add(len(form))
        self._chinese_lengths = {initial: sorted(sizes) for initial, sizes in lengths.items()}
        # The lengths (in words) of the forms starting with each word, longest first.
        word_counts: defaultdict[str, set[int]] = defaultdict(set)
        for form in self._english:
            words = form.split()
            word_counts[words[0]].add(len(words))
        self._english_lengths = {
            first: sorted(counts, reverse=True) for first, counts in word_counts.items()
        }

    @classmethod
    def load(cls, data_dir: Path) -> Concepts:
        path = data_dir / CONCEPTS_FILE
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as error:
            raise KnowledgeDataError(f"{CONCEPTS_FILE}: not valid YAML: {error}") from error
        groups = data.get("concepts") if isinstance(data, dict) else None
        if not isinstance(groups, dict) or not groups:
            raise KnowledgeDataError(
                f"{CONCEPTS_FILE}: expected a mapping with a 'concepts' mapping"
            )
        for name, forms in groups.items():
            if not isinstance(forms, list) or not forms:
                raise KnowledgeDataError(f"{CONCEPTS_FILE}: concept {name!r} needs a list of forms")
            if bad := [form for form in forms if not isinstance(form, str) or not form.strip()]:
                raise KnowledgeDataError(
                    f"{CONCEPTS_FILE}: concept {name!r}: forms must be non-empty strings, "
                    f"got {bad} (quote numbers)"
                )
        question_forms = data.get("question_forms", [])
        if not isinstance(question_forms, list) or not set(question_forms) <= set(groups):
            raise KnowledgeDataError(
                f"{CONCEPTS_FILE}: 'question_forms' must list names of concepts"
            )
        return cls(groups, question_forms)

    def find(self, normalized: str) -> list[str]:
        """The concept features present in already-normalised text."""
        found: dict[str, None] = {}
        chinese, english = self._chinese, self._english
        for start, char in enumerate(normalized):
            for length in self._chinese_lengths.get(char, ()):
                for name in chinese.get(normalized[start : start + length], ()):
                    found[name] = None
        words = _stemmed([word for word in normalized.split() if word.isascii()])
        for start, first in enumerate(words):
            # The longest form starting here says what is meant: "ran out of days" is expiry,
            # not "ran out" of data.
            for length in self._english_lengths.get(first, ()):
                names = english.get(" ".join(words[start : start + length]), ())
                found.update(dict.fromkeys(names))
                if names:
                    break
        return list(found)
