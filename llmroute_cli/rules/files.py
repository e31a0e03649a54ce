"""Where rule files are read: from disk, or as REV:PATH from git (``origin/main:routes.yaml``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from llmroute_cli.errors import ConfigError, Problem, UsageError


def read_spec(spec: str) -> tuple[str, str]:
    """The text of a rule file named by a path or ``REV:PATH``, and a display name."""
    if Path(spec).is_file() or ":" not in spec:
        return read_rule_text(spec), spec
    rev, path = spec.split(":", 1)
    if rev.startswith("-") or not rev or any(c.isspace() or ord(c) < 32 for c in rev):
        raise UsageError(f"{spec}: not a git revision and path (REV:PATH, e.g. origin/main:routes.yaml)")
    try:  # --end-of-options: nothing a user types reaches git as an option
        cmd = ["git", "show", "--end-of-options", f"{rev}:{path}"]
        done = subprocess.run(cmd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError(f"{spec}: git is not installed, so REV:PATH cannot be read") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{spec}: git could not read it ({why[-1] if why else 'unknown error'})")
    try:
        return done.stdout.decode("utf-8-sig"), spec
    except UnicodeDecodeError:
        raise UsageError(f"{spec}: not UTF-8 text") from None


def read_rule_text(path: str | Path) -> str:
    """Read a rule file as UTF-8 text; a missing or unreadable file is a usage error."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path}: is a directory; give the rule file")
    if not p.is_file():
        raise UsageError(f"{path}: no such rule file; pass --rules PATH or create routes.yaml")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the rule file ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError([Problem(str(path), line, col, "not UTF-8 text; save the rule file as UTF-8")]) from None
