"""Handlers parse, call the domain and render: they never reach storage on their own (no
repository or database import, no write session) and never set a card's next_remind_at.
Read from the source with ast, so aliases and `from x import y` forms are all seen."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
FORBIDDEN_MODULES = ("storage.repositories", "storage.db")


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_MODULES)


def violations(source: str) -> list[str]:
    """What in this module bypasses the domain, as "line: problem"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if any(_forbidden(name) for name in imported):
                found.append(f"{node.lineno}: imports from {node.module}")
        elif isinstance(node, ast.Call) and _is_write_session(node):
            found.append(f"{node.lineno}: opens a database session for writing")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "next_remind_at" for t in targets):
                found.append(f"{node.lineno}: sets next_remind_at")
        elif isinstance(node, ast.keyword) and node.arg == "next_remind_at":
            found.append(f"{node.value.lineno}: passes next_remind_at")
    return found


def _is_write_session(call: ast.Call) -> bool:
    """`<...>.db.session(...)` without readonly=True."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "session"
            and isinstance(func.value, ast.Attribute) and func.value.attr == "db"):
        return False
    return not any(
        k.arg == "readonly" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def test_handlers_reach_storage_only_through_the_domain() -> None:
    modules = sorted(HANDLERS.rglob("*.py"))
    assert len(modules) > 20  # the whole package was read
    problems = {
        str(path.relative_to(HANDLERS.parent)): found
        for path in modules
        if (found := violations(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_check_sees_every_way_around_the_domain() -> None:
    source = "\n".join((
        "import storage.repositories.cards as cards",
        "from storage.repositories.chats import ChatRepository",
        "from storage import repositories",
        "from storage.db import Database",
        "async def f(context, card):",
        "    async with context.db.session() as session: ...",
        "    async with context.db.session(readonly=True) as session: ...",
        "    card.next_remind_at = None",
        "    await repo.update(card, next_remind_at=None)",
        "from storage.models import Card",
        "from bot.domain.cards import CardService",
    ))
    assert sorted(int(found.split(":")[0]) for found in violations(source)) == [
        1, 2, 3, 4, 6, 8, 9
    ]
