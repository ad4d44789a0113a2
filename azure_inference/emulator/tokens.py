"""The emulator's tokenizer: a token is a run of word characters or one punctuation character.

``"Hello, world!"`` is 4 tokens (``Hello`` ``,`` ``world`` ``!``). It is not any real model's tokenizer;
it only makes ``usage`` consistent with what was sent and returned (docs/emulator.md, "Token counts").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
WORD_RE = re.compile(r"\w+")

# Fixed costs, documented in docs/emulator.md: each chat message costs one token for its role, and each
# image or audio part a flat amount, as hosted models bill attachments by a fixed budget.
MESSAGE_OVERHEAD = 1
IMAGE_TOKENS = 85
AUDIO_TOKENS = 50


def count(text: str) -> int:
    """Number of tokens in ``text``."""
    return len(TOKEN_RE.findall(text))


def count_all(texts: Iterable[str]) -> int:
    """Total tokens of several texts."""
    return sum(count(t) for t in texts)


def truncate(text: str, max_tokens: int) -> str:
    """The prefix of ``text`` that holds its first ``max_tokens`` tokens (with the spacing in between)."""
    if max_tokens <= 0:
        return ""
    for i, match in enumerate(TOKEN_RE.finditer(text)):
        if i + 1 == max_tokens:
            return text[: match.end()]
    return text


def split_pieces(text: str, tokens_per_piece: int = 3) -> list[str]:
    """Split ``text`` into stream pieces of a few tokens each; ``"".join(pieces) == text``."""
    if not text:
        return []
    cuts = [m.end() for i, m in enumerate(TOKEN_RE.finditer(text)) if (i + 1) % tokens_per_piece == 0]
    pieces: list[str] = []
    start = 0
    for cut in cuts:
        if cut > start:
            pieces.append(text[start:cut])
            start = cut
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def words(text: str) -> list[str]:
    """Lower-cased word tokens (no punctuation)."""
    return [w.lower() for w in WORD_RE.findall(text)]
