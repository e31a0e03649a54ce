"""Write llmroute_cli/data/NAME.ranks from the bundled NAME.tiktoken files (see tokens/rankfile.py).

Usage: python scripts/make_rank_files.py   (then put the printed SHA-256s in tokens/encodings.py)
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from llmroute_cli.tokens.encodings import ENCODINGS
from llmroute_cli.tokens.rankfile import encode

DATA = Path(__file__).resolve().parent.parent / "llmroute_cli" / "data"


def main() -> None:
    for name in ENCODINGS:
        lines = (DATA / f"{name}.tiktoken").read_bytes().splitlines()
        pairs = [(base64.b64decode(token), int(rank)) for token, rank in (line.split() for line in lines if line)]
        data = encode(pairs)
        (DATA / f"{name}.ranks").write_bytes(data)
        print(f"{name}.ranks: {len(pairs):,} tokens, {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
