"""Scoring how well the bot understands free text, on labelled sets in tests/data/eval/.

Three kinds of set, each a YAML file:
- questions (`questions:` items {q, lang, id}): `id` is the knowledge-base entry that answers
  the question, or `none` for text that deserves no article;
- off-topic inputs (`inputs:` items {q, lang, expect}): `expect` is `greeting` or `fallback`;
- requests about the user's cards (`messages:` items {q, lang, intent, carrier?}).
Everything goes through `understand()`, as the bot's handler does. An outcome is a string:
an entry id, "choices: a, b", "none:off_topic", "none:unsure", "small_talk:<kind>",
"intent:<kind>" or, for a "/command", "none:bot_command:<name>" (no text of that kind reaches
understand() in the bot).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.understand import understand

EVAL_DIR = Path(__file__).parent / "data" / "eval"

# "Remind me before my SIM expires" is answered by starting to record the card, which is what
# the bot_reminders entry would tell the user to do.
ALSO_RIGHT = {"bot_reminders": {"intent:remind_me", "intent:add_card"}}


# What Telegram marks as a bot command at the start of a message: the command handlers take it
# (handlers/unknown.py answers one the bot does not have), never the knowledge base.
_BOT_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@\w+)?(?:\s|$)")


def outcome(kb: KnowledgeBase, text: str) -> str:
    if (command := _BOT_COMMAND.match(text)) is not None:
        return f"none:bot_command:{command.group(1)}"
    understood = understand(text, kb)
    if understood.small_talk is not None:
        return f"small_talk:{understood.small_talk}"
    if understood.intent is not None:
        return f"intent:{understood.intent.kind}"
    if understood.command is not None:
        return f"none:command:{understood.command}"
    match = understood.match
    assert match is not None
    if match.kind == "answer":
        return match.entry.id if isinstance(match.entry, Entry) else "custom"
    if match.kind == "choices":
        return "choices: " + ", ".join(
            candidate.id for candidate in match.candidates if isinstance(candidate, Entry)
        )
    return f"none:{match.reason}"


def is_right(expected: str, got: str) -> bool:
    if expected == "none":
        return got.startswith(("none:", "small_talk:"))
    return got == expected or got in ALSO_RIGHT.get(expected, ())


def load(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
    assert isinstance(data, dict), path
    return data


@dataclass
class Score:
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, lang: str, ok: bool, miss: str) -> None:
        self.total[lang] += 1
        self.right[lang] += ok
        if not ok:
            self.misses.append(miss)

    def accuracy(self, lang: str | None = None) -> float:
        right = self.right[lang] if lang else sum(self.right.values())
        total = self.total[lang] if lang else sum(self.total.values())
        return right / total if total else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "n": sum(self.total.values()),
            "accuracy": round(self.accuracy(), 3),
            **{
                lang: {"n": self.total[lang], "accuracy": round(self.accuracy(lang), 3)}
                for lang in sorted(self.total)
            },
        }


def score_questions(kb: KnowledgeBase, items: list[dict[str, Any]]) -> Score:
    score = Score()
    for item in items:
        got = outcome(kb, str(item["q"]))
        expected = str(item["id"])
        score.add(item["lang"], is_right(expected, got),
                  f"[{item['lang']}] {item['q']!r}: expected {expected}, got {got}")
    return score


def score_off_topic(kb: KnowledgeBase, items: list[dict[str, Any]]) -> Score:
    """Right: a greeting reply or a fallback (either is honest); never an article, never a
    request acted on."""
    score = Score()
    for item in items:
        got = outcome(kb, str(item["q"]))
        ok = got.startswith(("none:", "small_talk:"))
        score.add(item["lang"], ok, f"[{item['lang']}] {item['q']!r}: got {got}")
    return score


def score_intents(kb: KnowledgeBase, items: list[dict[str, Any]]) -> Score:
    """Right: the intent, and the carrier when one is labelled."""
    score = Score()
    for item in items:
        understood = understand(str(item["q"]), kb)
        intent = understood.intent
        expected_carrier = str(item.get("carrier") or "none")
        ok = intent is not None and intent.kind == item["intent"]
        if ok and "carrier" in item:
            ok = (intent.carrier or "none") == expected_carrier  # type: ignore[union-attr]
        got = f"intent:{intent.kind} carrier:{intent.carrier}" if intent else outcome(kb, item["q"])
        score.add(item["lang"], ok,
                  f"[{item['lang']}] {item['q']!r}: expected {item['intent']} "
                  f"carrier:{expected_carrier}, got {got}")
    return score
