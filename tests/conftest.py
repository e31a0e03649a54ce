"""Shared fixtures: stable terminal width, paths to shipped files and shared data."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

os.environ["COLUMNS"] = "120"
os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ["NO_COLOR"] = "1"
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parent.parent


def _shared_dir(root: Path) -> Path:
    """``shared/`` beside the checkout; for a git worktree, beside the main checkout it belongs to."""
    git = root / ".git"
    if git.is_file():  # a worktree's .git reads "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").removeprefix("gitdir:").strip())
        common = gitdir / "commondir"
        if common.is_file():
            root = (gitdir / common.read_text(encoding="utf-8").strip()).resolve().parent
    return root.parent / "shared"


# LLMROUTE_SHARED points elsewhere (CI sets a missing path to prove a lone clone passes).
SHARED = Path(os.environ["LLMROUTE_SHARED"]) if "LLMROUTE_SHARED" in os.environ else _shared_dir(ROOT)
needs_shared = pytest.mark.skipif(
    not (SHARED / "data" / "routellm").is_dir(),
    reason="needs the RouteLLM data in ../shared/data, which is beside this project, not part of it",
)
GOLDEN = ROOT / "tests" / "golden"
UPDATE_GOLDEN = "python -m pytest tests/test_golden_reports.py --update-golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the files in tests/golden/ from the current output (the tests that do so then fail)",
    )


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text byte for byte with tests/golden/NAME; under --update-golden, rewrite the file and fail."""
    update = request.config.getoption("--update-golden")

    def _check(name: str, text: str) -> None:
        path = GOLDEN / name
        shown = path.relative_to(ROOT)
        if update:
            old = path.read_bytes() if path.is_file() else None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            state = "unchanged" if old == text.encode("utf-8") else "written" if old is None else "CHANGED"
            pytest.fail(f"--update-golden rewrote {shown} ({state}): review `git diff`, then run without the flag")
        if not path.is_file():
            pytest.fail(f"golden file {shown} is missing: run `{UPDATE_GOLDEN}` to write it, then review it")
        expected = path.read_bytes().decode("utf-8")  # bytes, not read_text: no newline translation
        assert text == expected, f"output differs from {shown}; if the change is intended, run `{UPDATE_GOLDEN}`"

    return _check


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


TIKTOKEN_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
TIKTOKEN_SHA256 = {  # as tiktoken_ext.openai_public expects them
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def _bpe_file(name: str) -> Path:
    """OpenAI's BPE file: the copy in ../shared, else the package's own (the same bytes, by SHA-256)."""
    shared = SHARED / "tiktoken" / f"{name}.tiktoken"
    return shared if shared.is_file() else ROOT / "llmroute_cli" / "data" / f"{name}.tiktoken"


@pytest.fixture(scope="session")
def tiktoken_encodings(tmp_path_factory):
    """tiktoken's own get_encoding, fed from ../shared through its cache so it never downloads."""
    import tiktoken
    import tiktoken.registry

    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name, url in TIKTOKEN_URLS.items():
        bpe = _bpe_file(name)
        assert hashlib.sha256(bpe.read_bytes()).hexdigest() == TIKTOKEN_SHA256[name]  # else tiktoken would download
        shutil.copyfile(bpe, cache / hashlib.sha1(url.encode()).hexdigest())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
        tiktoken.registry.ENCODINGS.clear()
        encodings = {name: tiktoken.get_encoding(name) for name in TIKTOKEN_URLS}
        tiktoken.registry.ENCODINGS.clear()
    return encodings


@pytest.fixture(scope="session")
def mmlu_sample() -> list[dict]:
    """The first 30 questions of the first 8 subjects of the shipped labeled MMLU log (240 records)."""
    import gzip
    import itertools
    import json

    with gzip.open(ROOT / "sample_data" / "mmlu_labeled.jsonl.gz", "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    by_subject = itertools.groupby(records, key=lambda r: r["metadata"]["subject"])
    return [r for _, rows in itertools.islice(by_subject, 8) for r in itertools.islice(rows, 30)]
