"""A BPE rank file pre-decoded for speed: the tokens of a ``.tiktoken`` file, sorted, in one binary blob.

The bundled ``NAME.tiktoken`` files are base64 lines; decoding their 200,000 lines takes most of a
cold start. ``NAME.ranks`` holds the same tokens already decoded (``scripts/make_rank_files.py``
writes it from the ``.tiktoken`` file; a test checks they agree), so a rank is found by binary
search without building a dict, and the whole dict, when needed, is built from slices.

Layout, little-endian: ``MAGIC``, the token count ``n`` (uint32), ``n + 1`` offsets into the blob
(uint32), the ``n`` ranks in token order (uint32), then the blob of tokens sorted by their bytes.
"""

from __future__ import annotations

import struct
import sys
from bisect import bisect_left
from collections.abc import Iterable

MAGIC = b"LLMROUTE-RANKS-1\n"


def encode(ranks: Iterable[tuple[bytes, int]]) -> bytes:
    """The rank-file bytes of ``(token, rank)`` pairs."""
    pairs = sorted(ranks)
    offsets, position = [0], 0
    for token, _ in pairs:
        position += len(token)
        offsets.append(position)
    n = len(pairs)
    return b"".join(
        [
            MAGIC,
            struct.pack(f"<I{n + 1}I{n}I", n, *offsets, *(rank for _, rank in pairs)),
            *(token for token, _ in pairs),
        ]
    )


class RankFile:
    """Ranks looked up by binary search over a rank file's bytes."""

    __slots__ = ("_blob", "_offsets", "_ranks", "n")

    def __init__(self, data: bytes) -> None:
        if not data.startswith(MAGIC) or sys.byteorder != "little":
            raise ValueError("not a rank file this machine can read")
        start = len(MAGIC)
        (self.n,) = struct.unpack_from("<I", data, start)
        view = memoryview(data)
        first = start + 4
        self._offsets = view[first : first + 4 * (self.n + 1)].cast("I")
        self._ranks = view[first + 4 * (self.n + 1) : first + 4 * (2 * self.n + 1)].cast("I")
        self._blob = data[first + 4 * (2 * self.n + 1) :]

    def _token(self, index: int) -> bytes:
        return self._blob[self._offsets[index] : self._offsets[index + 1]]

    def rank(self, token: bytes) -> int | None:
        """The rank of ``token``, or None when it is not a token."""
        index = bisect_left(range(self.n), token, key=self._token)
        if index < self.n and self._token(index) == token:
            return int(self._ranks[index])
        return None

    def as_dict(self) -> dict[bytes, int]:
        """Every token with its rank, as tiktoken's ``mergeable_ranks``."""
        blob, offsets, ranks = self._blob, self._offsets, self._ranks
        return {blob[offsets[i] : offsets[i + 1]]: ranks[i] for i in range(self.n)}
