"""The knowledge base read back from the cache (bot/knowledge/cache.py) is the one the data
builds: it answers every labelled text as a fresh build does, and anything that changes what
the build reads, or a damaged file, means a fresh build."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, KnowledgeDataError
from bot.knowledge.cache import cache_dir, load_cached
from bot.knowledge.carriers import DATA_DIR
from tests.understanding_eval import EVAL_DIR, load, outcome


class Builds:
    """A build of a data directory that counts how often it ran."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.count = 0

    def __call__(self) -> KnowledgeBase:
        self.count += 1
        return KnowledgeBase.build(self.data_dir)

    def load(self) -> KnowledgeBase:
        return load_cached(self.data_dir, self)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cache_dir()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def _labelled_texts() -> list[str]:
    texts = []
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        content = load(path)
        for kind in ("questions", "inputs", "messages"):
            texts += [str(item["q"]) for item in content.get(kind) or ()]
    return texts


def test_a_cached_knowledge_base_answers_as_a_fresh_build(cache: Path) -> None:
    builds = Builds(DATA_DIR)
    built = builds.load()
    cached = builds.load()
    assert builds.count == 1
    assert cached is not built
    assert len(list(cache.glob("knowledge-*.pickle"))) == 1
    texts = _labelled_texts()
    assert len(texts) > 9000
    # A third of the labelled texts, of every kind: all of them would double a long run.
    for text in texts[::3]:
        got, expected = cached.match(text), built.match(text)
        # Sums over sets may run in another order (so may two processes' builds, whose
        # string hashes differ): the score may differ in its last bits, nothing else.
        assert replace(got, score=0) == replace(expected, score=0), text
        assert got.score == pytest.approx(expected.score, rel=1e-12), text
        assert outcome(cached, text) == outcome(built, text), text


@pytest.mark.parametrize(
    "change",
    [
        lambda data: (data / "concepts.yaml").write_text(
            (data / "concepts.yaml").read_text("utf-8") + "\n", "utf-8"
        ),
        lambda data: (data / "notes.txt").write_text("a new file", "utf-8"),
    ],
    ids=["a data file changed", "a file added"],
)
def test_a_change_to_the_data_means_a_fresh_build(
    cache: Path, data: Path, change: Callable[[Path], object]
) -> None:
    builds = Builds(data)
    builds.load()
    change(data)
    builds.load()
    builds.load()
    assert builds.count == 2


def test_a_broken_data_file_is_reported_even_after_a_good_build(cache: Path, data: Path) -> None:
    builds = Builds(data)
    builds.load()
    entries = data / "esim_general.yaml"
    entries.write_text(entries.read_text("utf-8").replace("confidence: H", "confidence: X", 1))
    with pytest.raises(KnowledgeDataError, match="confidence"):
        builds.load()


def test_a_damaged_cache_file_is_rebuilt_and_replaced(
    cache: Path, data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    builds = Builds(data)
    builds.load()
    (file,) = cache.glob("knowledge-*.pickle")
    content = file.read_bytes()
    file.write_bytes(content[: len(content) // 2])  # cut short, as by a full disk
    with caplog.at_level(logging.WARNING, logger="bot.knowledge.cache"):
        knowledge = builds.load()
    assert builds.count == 2
    assert "ignoring the knowledge base cache" in caplog.text
    assert knowledge.match("移动卡怎么续费").kind == "answer"
    builds.load()  # saved whole again
    assert builds.count == 2


def test_a_cache_that_cannot_be_written_only_costs_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    builds = Builds(data)
    first, second = builds.load(), builds.load()
    assert builds.count == 2
    assert first.match("移动卡怎么续费") == second.match("移动卡怎么续费")
