"""The renewal knowledge base: built-in answers (data/*.yaml), carriers, and the matcher that
maps a free-text question (zh, en or mixed) to an answer. Pure Python, no Telegram imports."""

from bot.knowledge.base import KnowledgeBase, MenuSection
from bot.knowledge.carriers import CARRIERS, Carrier, carrier_by_code, find_carrier
from bot.knowledge.entries import CustomEntry, Entry
from bot.knowledge.errors import KnowledgeDataError
from bot.knowledge.matcher import Match
from bot.knowledge.render import render, render_answer, render_custom

__all__ = [
    "CARRIERS",
    "Carrier",
    "CustomEntry",
    "Entry",
    "KnowledgeBase",
    "KnowledgeDataError",
    "Match",
    "MenuSection",
    "carrier_by_code",
    "find_carrier",
    "render",
    "render_answer",
    "render_custom",
]
