"""Top-1 accuracy of the matcher on the labelled question set (tests/data/faq_questions.yaml).

A question counts as correct when the matcher answers with the labelled entry, or gives
"none" for a question labelled `none`. "choices" counts as wrong, even when the right entry is
the first candidate: the user still has to pick. Run with `-s` to see the figures and misses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.normalize import normalize

QUESTIONS_FILE = Path(__file__).parent / "data" / "faq_questions.yaml"
REQUIRED_ACCURACY = 0.90


@dataclass(frozen=True)
class Labelled:
    question: str
    lang: str
    expected: str


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def labelled() -> list[Labelled]:
    data = yaml.safe_load(QUESTIONS_FILE.read_text("utf-8"))
    return [Labelled(str(item["q"]), item["lang"], item["id"]) for item in data["questions"]]


def _outcome(kb: KnowledgeBase, item: Labelled) -> str:
    match = kb.match(item.question, item.lang)
    if match.kind == "answer":
        return match.entry.id if isinstance(match.entry, Entry) else "custom"
    if match.kind == "choices":
        return "choices: " + ", ".join(
            candidate.id for candidate in match.candidates if isinstance(candidate, Entry)
        )
    return "none"


def test_question_set_shape(kb: KnowledgeBase, labelled: list[Labelled]) -> None:
    ids = {entry.id for entry in kb.entries}
    assert len(labelled) >= 170
    assert all(item.lang in ("zh", "en") for item in labelled)
    assert all(item.expected in ids or item.expected == "none" for item in labelled)
    languages = Counter(item.lang for item in labelled)
    assert languages["zh"] >= len(labelled) / 2
    assert 10 <= sum(item.expected == "none" for item in labelled) <= 0.1 * len(labelled)
    assert {item.expected for item in labelled} >= ids  # every entry is asked about
    assert len({item.question for item in labelled}) == len(labelled)


def test_questions_are_not_copied_from_the_entries(
    kb: KnowledgeBase, labelled: list[Labelled]
) -> None:
    phrasings = {
        normalize(text)
        for entry in kb.entries
        for text in (
            *entry.questions.all(),
            *entry.keywords.all(),
            entry.titles.zh,
            entry.titles.en,
        )
    }
    copied = [item.question for item in labelled if normalize(item.question) in phrasings]
    assert copied == []


def test_top1_accuracy(kb: KnowledgeBase, labelled: list[Labelled]) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for item in labelled:
        outcome = _outcome(kb, item)
        total[item.lang] += 1
        if outcome == item.expected:
            right[item.lang] += 1
        else:
            misses.append(
                f"  [{item.lang}] {item.question!r}: expected {item.expected}, got {outcome}"
            )
    accuracy = sum(right.values()) / sum(total.values())
    per_language = ", ".join(
        f"{lang} {right[lang] / total[lang]:.3f} ({right[lang]}/{total[lang]})"
        for lang in sorted(total)
    )
    report = (
        f"FAQ top-1 accuracy {accuracy:.3f} ({sum(right.values())}/{sum(total.values())}); "
        f"{per_language}; 'choices' counted as wrong"
    )
    print("\n" + report + "\nmisses:\n" + "\n".join(misses))
    assert accuracy >= REQUIRED_ACCURACY, report
