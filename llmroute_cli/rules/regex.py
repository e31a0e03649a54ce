"""User regexes in rule files, compiled by RE2: linear time in the text, so no pattern can hang a run.

RE2 syntax is Python's without backreferences and lookaround; ``$`` is the end of the text (``(?m)``
for line ends), and ``\\d``, ``\\w``, ``\\s``, ``\\b`` are ASCII, like the language's word characters.
``ignore_case`` folds Unicode (``é`` matches ``É``). Both engine paths use these compiled patterns.
"""

from __future__ import annotations

import functools
import re
from typing import Any

SYNTAX = "rule regexes use RE2 syntax: no backreferences or lookaround, linear time"
MAX_REPEAT = 1000  # RE2's limit; the binding accepts a count that overflows an int and never matches
_REPEAT = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")


@functools.lru_cache(maxsize=4096)
def compiled(pattern: str, ignore_case: bool = False) -> Any:
    """The RE2 pattern (cached); ``ValueError`` naming what RE2 refuses."""
    import re2

    for match in _REPEAT.finditer(pattern):
        count = max(int(n) for n in match.groups() if n)
        if count > MAX_REPEAT:
            raise ValueError(f"invalid repetition size: {match.group(0)} (at most {MAX_REPEAT})")
    options = re2.Options()
    options.log_errors = False  # the error is raised here, not printed by the library
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(reason) from None
