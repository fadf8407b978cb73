"""A fake Telegram Bot API server for tests and terminal demos (see ``server.FakeBotAPI``)."""

from .faults import FAULT_KINDS, Fault, FaultKind
from .formatting import EntityParseError, detect_entities, parse_formatted, utf16_len
from .objects import (
    ApiCall,
    ApiError,
    CallbackAnswer,
    FakeChat,
    FakeFile,
    FakeUser,
    SentMessage,
    ServerStats,
    member_dict,
)
from .ratelimit import RateLimiter
from .server import FakeBotAPI

__all__ = [
    "FAULT_KINDS",
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "EntityParseError",
    "FakeBotAPI",
    "FakeChat",
    "FakeFile",
    "FakeUser",
    "Fault",
    "FaultKind",
    "RateLimiter",
    "SentMessage",
    "ServerStats",
    "detect_entities",
    "member_dict",
    "parse_formatted",
    "utf16_len",
]
