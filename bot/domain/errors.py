"""What the domain refuses, as errors the UI can translate."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `code` is stable (the UI translates it, as with InputError);
    `params` feed the translated message."""

    def __init__(self, code: str, params: dict[str, int | str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.params = params or {}


class CardLimitReached(DomainError):
    """The chat already keeps as many cards as allowed (or an import would exceed it)."""

    def __init__(self, count: int, maximum: int, added: int = 1) -> None:
        super().__init__("card_limit", {"count": count, "added": added, "max": maximum})


class CardNotFound(DomainError):
    """No such card in this chat (deleted meanwhile, or another chat's id)."""

    def __init__(self) -> None:
        super().__init__("card_not_found")
