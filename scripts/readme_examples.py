"""Rewrite each ``$ llmroute ...`` example in README.md with what the current code prints.

Run from the repository root: ``python scripts/readme_examples.py``. The examples run beside the
shipped ``sample_data/`` and ``routes.yaml`` in a temporary directory (files they write land
there), at 110 columns, as ``tests/test_readme.py`` runs them.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```text\n\$ (llmroute [^\n]*)\n(.*?)^```$", re.S | re.M)
# The Python API example: its code, then what it prints.
API_BLOCK = re.compile(r"^<!-- python-api-example -->\n```python\n(.*?)^```\n\n```text\n(.*?)^```$", re.S | re.M)
NEEDS = {"broken.yaml"}


def run(command: str, cwd: Path) -> str:
    from typer.testing import CliRunner

    from llmroute_cli.cli import app

    os.chdir(cwd)
    result = CliRunner().invoke(app, shlex.split(command)[1:], env={"COLUMNS": "110"})
    if result.exit_code != 0:
        sys.exit(f"{command}: exit {result.exit_code}\n{result.output}")
    return result.output


def run_python(code: str, cwd: Path) -> str:
    """What a README Python example prints, run in ``cwd``."""
    import contextlib
    import io

    os.chdir(cwd)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    return out.getvalue()


def main() -> None:
    os.environ.update({"COLUMNS": "110", "_TYPER_FORCE_DISABLE_TERMINAL": "1", "NO_COLOR": "1"})
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sample_data", "routes.yaml", "examples"):
            (Path(tmp) / name).symlink_to(ROOT / name)

        def fresh(match: re.Match[str]) -> str:
            command = match.group(1)
            if NEEDS & set(shlex.split(command)):
                return match.group(0)
            return f"```text\n$ {command}\n{run(command, Path(tmp))}```"

        text = BLOCK.sub(fresh, text)

        def fresh_api(match: re.Match[str]) -> str:
            code = match.group(1)
            return f"<!-- python-api-example -->\n```python\n{code}```\n\n```text\n{run_python(code, Path(tmp))}```"

        text = API_BLOCK.sub(fresh_api, text)
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
