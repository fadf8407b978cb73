"""Knowledge-base entries: the dataclasses and loading them from data/*.yaml with validation.

Every problem in a data file stops loading with a KnowledgeDataError that names the file and
the entry, so a bad edit fails in tests and at start-up, never in front of a user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, NoReturn

import yaml

from bot.knowledge.carriers import CARRIERS_FILE, REGIONS, carrier_by_code
from bot.knowledge.concepts import CONCEPTS_FILE
from bot.knowledge.domain import DOMAIN_FILE
from bot.knowledge.errors import KnowledgeDataError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
# Menu sections of the /renew guide an entry can sit in (see base.py for their order).
TOPICS = (
    "general",
    "channels",
    "carriers",
    "mainland",
    "hk_tw",
    "philippines",
    "esim",
    "tips",
    "scams",
)
CONFIDENCE_LEVELS = ("H", "M", "L")
MAX_TITLE_CHARS = 40
ALLOWED_TAGS = frozenset({"b", "i", "code"})

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_REQUIRED_KEYS = frozenset(
    {
        "id",
        "topic",
        "carriers",
        "regions",
        "title",
        "questions",
        "keywords",
        "answer",
        "sources",
        "confidence",
        "last_checked",
    }
)
_OPTIONAL_KEYS = frozenset({"generic_renewal"})
_HTML_TOKEN = re.compile(r"<(/?)([a-z]+)>|[<>]|&(?:amp|lt|gt|quot);|&")
# Data files that hold no entries.
_OTHER_FILES = frozenset({CARRIERS_FILE, CONCEPTS_FILE, DOMAIN_FILE})


def pick_lang(lang: str) -> Lang:
    """zh for any Chinese language code (zh, zh-hans, zh-TW), en for everything else."""
    return "zh" if lang.lower().startswith("zh") else "en"


@dataclass(frozen=True, slots=True)
class LocalizedText:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if pick_lang(lang) == "zh" else self.en

    def get_all(self) -> tuple[str, str]:
        return self.zh, self.en


@dataclass(frozen=True, slots=True)
class LocalizedList:
    zh: tuple[str, ...]
    en: tuple[str, ...]

    def get(self, lang: str) -> tuple[str, ...]:
        return self.zh if pick_lang(lang) == "zh" else self.en

    def all(self) -> tuple[str, ...]:
        return self.zh + self.en


@dataclass(frozen=True, slots=True)
class Entry:
    """One built-in answer. `answers` are trusted Telegram HTML (validated at load)."""

    id: str
    topic: str
    carriers: tuple[str, ...]
    regions: tuple[str, ...]
    titles: LocalizedText
    questions: LocalizedList
    keywords: LocalizedList
    answers: LocalizedText
    sources: tuple[LocalizedText, ...]
    confidence: str
    last_checked: date
    generic_renewal: bool = False

    def title(self, lang: str) -> str:
        """Short label (at most 40 characters) for buttons and menus; plain text."""
        return self.titles.get(lang)

    def answer(self, lang: str) -> str:
        return self.answers.get(lang)


@dataclass(frozen=True, slots=True)
class CustomEntry:
    """A group's own FAQ row. Both texts are user-provided: always escape them."""

    id: int
    question: str
    answer: str

    def title(self, lang: str) -> str:
        """The question, cut to a button-sized label (same in every language)."""
        question = " ".join(self.question.split())
        if len(question) <= MAX_TITLE_CHARS:
            return question
        return question[: MAX_TITLE_CHARS - 1] + "…"


def html_problem(text: str) -> str | None:
    """Why `text` is not valid Telegram HTML limited to <b>, <i>, <code>; None if it is."""
    stack: list[str] = []
    for token in _HTML_TOKEN.finditer(text):
        whole, closing, name = token.group(0), token.group(1), token.group(2)
        if whole == "&":
            return "unescaped '&' (write &amp;)"
        if whole.startswith("&"):
            continue
        if name is None:
            return f"unescaped {whole!r} (write &lt; or &gt;)"
        if name not in ALLOWED_TAGS:
            return f"unsupported tag <{name}>"
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"unbalanced </{name}>"
    return f"unclosed <{stack[-1]}>" if stack else None


class _EntryParser:
    """Checks one raw YAML mapping and builds an Entry; errors name the file and entry."""

    def __init__(self, filename: str, raw: Any, index: int) -> None:
        self.where = f"{filename}: entry #{index}"
        if not isinstance(raw, dict):
            self.fail("is not a mapping")
        self.raw: dict[str, Any] = raw
        if isinstance(raw.get("id"), str):
            self.where = f"{filename}: entry '{raw['id']}'"

    def fail(self, problem: str) -> NoReturn:
        raise KnowledgeDataError(f"{self.where}: {problem}")

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{field}' must be a non-empty string, got {value!r} (quote numbers)")
        return value.strip()

    def texts(self, value: Any, field: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(f"'{field}' must be a {'' if allow_empty else 'non-empty '}list")
        return tuple(self.text(item, f"{field}[{i}]") for i, item in enumerate(value))

    def localized(self, field: str, value: Any = None) -> dict[Lang, Any]:
        value = self.raw[field] if value is None else value
        if not isinstance(value, dict) or set(value) != set(LANGS):
            self.fail(f"'{field}' must have exactly the languages {list(LANGS)}")
        return {lang: value[lang] for lang in LANGS}

    def localized_text(self, field: str, value: Any = None) -> LocalizedText:
        value = self.localized(field, value)
        return LocalizedText(*(self.text(value[lang], f"{field}.{lang}") for lang in LANGS))

    def sources(self) -> tuple[LocalizedText, ...]:
        """Each source is named in both languages: a Chinese answer cites it in Chinese."""
        value = self.raw["sources"]
        if not isinstance(value, list) or not value:
            self.fail("'sources' must be a non-empty list of {zh, en} mappings")
        return tuple(self.localized_text(f"sources[{i}]", item) for i, item in enumerate(value))

    def localized_list(self, field: str, *, allow_empty: bool = False) -> LocalizedList:
        value = self.localized(field)
        return LocalizedList(
            *(self.texts(value[lang], f"{field}.{lang}", allow_empty=allow_empty) for lang in LANGS)
        )

    def parse(self) -> Entry:
        keys = set(self.raw)
        if missing := _REQUIRED_KEYS - keys:
            self.fail(f"missing {sorted(missing)}")
        if unknown := keys - _REQUIRED_KEYS - _OPTIONAL_KEYS:
            self.fail(f"unknown keys {sorted(unknown)}")
        entry_id = self.text(self.raw["id"], "id")
        if not _ID_RE.match(entry_id):
            self.fail("'id' must be a short lower-case slug (a-z, 0-9, _)")
        topic = self.raw["topic"]
        if topic not in TOPICS:
            self.fail(f"'topic' must be one of {list(TOPICS)}")
        carriers = self.texts(self.raw["carriers"], "carriers", allow_empty=True)
        for code in carriers:
            if carrier_by_code(code) is None:
                self.fail(f"unknown carrier {code!r} (see {CARRIERS_FILE})")
        regions = self.texts(self.raw["regions"], "regions")
        if bad := [region for region in regions if region not in REGIONS]:
            self.fail(f"unknown regions {bad}; use {list(REGIONS)}")
        titles = self.localized_text("title")
        for lang in LANGS:
            if len(titles.get(lang)) > MAX_TITLE_CHARS:
                self.fail(f"title.{lang} is longer than {MAX_TITLE_CHARS} characters")
        answers = self.localized_text("answer")
        for lang in LANGS:
            if problem := html_problem(answers.get(lang)):
                self.fail(f"answer.{lang}: {problem}")
        confidence = self.raw["confidence"]
        if confidence not in CONFIDENCE_LEVELS:
            self.fail(f"'confidence' must be one of {list(CONFIDENCE_LEVELS)}")
        checked = self.raw["last_checked"]
        if isinstance(checked, str):
            try:
                checked = date.fromisoformat(checked)
            except ValueError:
                self.fail("'last_checked' must be a date (YYYY-MM-DD)")
        if not isinstance(checked, date):
            self.fail("'last_checked' must be a date (YYYY-MM-DD)")
        generic = self.raw.get("generic_renewal", False)
        if not isinstance(generic, bool):
            self.fail("'generic_renewal' must be true or false")
        return Entry(
            id=entry_id,
            topic=topic,
            carriers=carriers,
            regions=regions,
            titles=titles,
            questions=self.localized_list("questions"),
            keywords=self.localized_list("keywords", allow_empty=True),
            answers=answers,
            sources=self.sources(),
            confidence=confidence,
            last_checked=checked,
            generic_renewal=generic,
        )


def load_entries(data_dir: Path) -> tuple[Entry, ...]:
    """Every entry in data_dir/*.yaml (except carriers and concepts), files in name order."""
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        if path.name in _OTHER_FILES:
            continue
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as error:
            raise KnowledgeDataError(f"{path.name}: not valid YAML: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise KnowledgeDataError(f"{path.name}: expected a mapping with an 'entries' list")
        for index, raw in enumerate(data["entries"], 1):
            entry = _EntryParser(path.name, raw, index).parse()
            if entry.id in seen:
                raise KnowledgeDataError(
                    f"{path.name}: entry '{entry.id}' is also defined in {seen[entry.id]}"
                )
            seen[entry.id] = path.name
            entries.append(entry)
    if not entries:
        raise KnowledgeDataError(f"{data_dir}: no knowledge-base entries found")
    generic = [entry.id for entry in entries if entry.generic_renewal]
    if len(generic) > 1:
        raise KnowledgeDataError(f"only one entry may set generic_renewal, found {generic}")
    return tuple(entries)
