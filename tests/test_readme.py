"""Every `$ llmroute ...` example in the README shows what the current code prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from llmroute_cli.cli import app

ROOT = Path(__file__).resolve().parent.parent
NEEDS = {"broken.yaml"}  # examples run on a file the README shows but does not ship
BLOCK = re.compile(r"^```text\n\$ (llmroute [^\n]*)\n(.*?)^```$", re.S | re.M)


def examples() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(command, shown) for command, shown in BLOCK.findall(text) if not NEEDS & set(shlex.split(command))]


@pytest.mark.parametrize(("command", "shown"), examples(), ids=lambda v: v[:60] if isinstance(v, str) else v)
def test_the_readme_example_is_what_the_command_prints(runner, tmp_path, monkeypatch, command, shown):
    for name in ("sample_data", "routes.yaml", "examples"):  # run beside the shipped files; outputs land in tmp_path
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "110")
    result = runner.invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    assert result.output == shown  # regenerate the README block when the output changes


def test_the_readme_has_examples_to_check():
    assert len(examples()) >= 5


API_BLOCK = re.compile(r"^<!-- python-api-example -->\n```python\n(.*?)^```\n\n```text\n(.*?)^```$", re.S | re.M)


def test_the_readme_python_example_prints_what_the_readme_shows(tmp_path, monkeypatch, capsys):
    (block,) = API_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    code, shown = block
    for name in ("sample_data", "routes.yaml", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out == shown  # regenerate with python scripts/readme_examples.py
