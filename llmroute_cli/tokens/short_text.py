"""Token counts of short texts without building tiktoken's encoder: the same BPE, in Python.

Building tiktoken's encoder (200,000 ranks into a Rust map) costs a cold ``llmroute route`` about
0.2 s; counting one query needs a few dozen rank lookups. This module splits a text with the
encoding's own pattern (the ``regex`` module, which tiktoken itself requires) and merges each
piece's bytes lowest rank first, leftmost on ties, exactly as tiktoken's ``byte_pair_merge``
does; a property test holds it to tiktoken's counts. Long texts go to tiktoken, which is faster
per byte once built. Texts whose characters the two sides' Unicode tables may class differently go
to tiktoken too (``splits_alike``).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

    from llmroute_cli.tokens.rankfile import RankFile

# Up to MAX_TEXTS texts of up to MAX_CHARS characters each are counted here per process, while
# tiktoken's encoder is not built; a run that counts more builds it (faster per text from then on).
MAX_CHARS = 4096
MAX_TEXTS = 64


# tiktoken splits with Rust's Unicode tables (16.0 in tiktoken 0.14), the ``regex`` module with its own,
# often newer ones: a character assigned since (a letter to one, unassigned to the other) splits
# differently. A character Python's tables have assigned is classed alike by both, while Python's tables
# are no newer than this and the regex module's no older (``regex>=2024.11.6``).
AGREED_UNICODE = (16, 0, 0)


def splits_alike(text: str) -> bool:
    """Whether this module splits ``text`` as tiktoken does: ASCII, or only characters assigned by 16.0."""
    if text.isascii():
        return True
    if tuple(int(part) for part in unicodedata.unidata_version.split(".")) > AGREED_UNICODE:
        return False
    return "Cn" not in map(unicodedata.category, text)


@functools.cache
def _splitter(pattern: str) -> regex.Pattern[str]:
    import regex

    return regex.compile(pattern)


def count(text: str, pattern: str, ranks: RankFile) -> int:
    """Tokens of ``text`` as ``encode_ordinary`` counts them."""
    total = 0
    for piece in _splitter(pattern).findall(text):
        total += _piece_tokens(piece.encode("utf-8"), ranks)
    return total


def _piece_tokens(piece: bytes, ranks: RankFile) -> int:
    """Tokens of one pre-split piece: one when it is a token, else what the merges leave."""
    if len(piece) == 1 or ranks.rank(piece) is not None:
        return 1
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best, at = None, -1
        for i in range(len(parts) - 1):
            rank = ranks.rank(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best):
                best, at = rank, i
        if best is None:
            break
        parts[at : at + 2] = [parts[at] + parts[at + 1]]
    return len(parts)
