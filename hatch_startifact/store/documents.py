"""JSON documents read back from AWS (configuration, indexes, metadata), parsed distrustfully.

Anyone with write access may have put anything there, so a document nested deeper than any
this tool writes is refused the same way on every Python (how deep ``json.loads`` itself goes
before a `RecursionError` differs between versions).
"""

from __future__ import annotations

import json

#: Deeper than any document this tool writes (they nest 3 levels at most).
MAX_DEPTH = 32
TOO_DEEP = "it nests arrays or objects too deeply"


def deeper_than(value: object, limit: int) -> bool:
    """Whether a JSON value nests arrays and objects more than ``limit`` deep (no recursion)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return False


def load(data: bytes | str) -> object:
    """``json.loads``, refusing documents nested more than `MAX_DEPTH` deep.

    :raises ValueError: not JSON, or nested too deeply (`TOO_DEEP`).
    """
    try:
        document = json.loads(data)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    if deeper_than(document, MAX_DEPTH):
        raise ValueError(TOO_DEEP)
    return document
