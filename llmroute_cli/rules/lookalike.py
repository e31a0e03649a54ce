"""Names that look alike: the same after NFKC, case folding, whitespace and Latin look-alike folding."""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek letters (lower case, after case folding) drawn like a Latin one, and digits like letters
_LATIN = str.maketrans(
    "авсеһіјкӏмнорѕтухԁԛԝаеёїαβγεικνορτυχω01",
    "abcehijklmhopstyxdqwaeeiabyeikvoptuxwol",
)


def skeleton(name: str) -> str:
    """What ``name`` looks like: NFKC, case folded, whitespace dropped, look-alike letters as Latin ones."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split()).translate(_LATIN)


def unusual(name: str) -> str:
    """The first character of ``name`` outside printable ASCII, named (empty when there is none)."""
    for char in name:
        if not (char.isascii() and char.isprintable()):
            return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"
    return ""
