"""Shared fixtures: stable terminal width, paths to shipped files and shared data."""

from __future__ import annotations

import os
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


SHARED = _shared_dir(ROOT)


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
