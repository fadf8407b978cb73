"""The built knowledge base, kept on disk from one start to the next.

Building it (parsing the data files, normalising every phrasing, indexing the features) takes
most of a second at every start; reading it back takes about a third of that. The cache file
begins with a fingerprint of everything the build reads: every file of the bot package (its
code and the data), the data directory if it lies elsewhere, the dictionaries of zhconv and
pyspellchecker, and the versions of Python and numpy. Any difference, or a file that cannot be
read, means a fresh build, which is then saved again (one file per data directory); a save that
fails only costs the next start the build again. Like Python's own compiled modules, the file
lives with the user (in $XDG_CACHE_HOME or ~/.cache, under renewbot/) and is trusted as the
code is: it is unpickled.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import bot
from bot.knowledge.english import WORD_LIST, adopt_common_english_words, common_english_words
from bot.knowledge.script import DICTIONARY

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)

BOT_DIR = Path(bot.__file__).resolve().parent
_FINGERPRINT_SIZE = hashlib.sha256().digest_size


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "renewbot"


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


def _fingerprint(data_dir: Path) -> bytes:
    digest = hashlib.sha256(f"{sys.version}\nnumpy {np.__version__}\n".encode())
    inputs = [*_files(BOT_DIR), WORD_LIST, DICTIONARY]
    if not data_dir.is_relative_to(BOT_DIR):
        inputs += _files(data_dir)
    for path in inputs:
        digest.update(f"\n{path}\n".encode())
        digest.update(path.read_bytes())
    return digest.digest()


def _cache_file(data_dir: Path) -> Path:
    name = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return cache_dir() / f"knowledge-{name}.pickle"


def load_cached(data_dir: Path, build: Callable[[], KnowledgeBase]) -> KnowledgeBase:
    """The knowledge base of `data_dir`: the one saved by an earlier start if nothing it was
    built from has changed, else build() (saved for the next start)."""
    data_dir = data_dir.resolve()
    fingerprint = _fingerprint(data_dir)
    path = _cache_file(data_dir)
    try:
        with path.open("rb") as file:
            if file.read(_FINGERPRINT_SIZE) == fingerprint:
                knowledge, words = pickle.load(file)
                adopt_common_english_words(words)
                return knowledge
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or foreign file: build instead
        log.warning("ignoring the knowledge base cache %s: %s: %s", path,
                    type(error).__name__, error)
    knowledge = build()
    _save(path, fingerprint, (knowledge, common_english_words()))
    return knowledge


def _save(path: Path, fingerprint: bytes, content: object) -> None:
    temporary = None
    try:
        data = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a bot starting at the same time reads the old file or the
        # new one, never half of one.
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as file:
            temporary = Path(file.name)
            file.write(fingerprint + data)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError) as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # nothing half-written stays behind
        log.info("the knowledge base is not cached (%s: %s); the next start builds it again",
                 type(error).__name__, error)
