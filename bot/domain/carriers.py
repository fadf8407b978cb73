"""How a card's carrier is named to the user."""

from __future__ import annotations

from bot.knowledge.carriers import carrier_by_code


def carrier_name(code: str | None, lang: str) -> str | None:
    """A known carrier's name in the language, else what the user typed."""
    if not code:
        return None
    carrier = carrier_by_code(code)
    return carrier.name(lang) if carrier else code
