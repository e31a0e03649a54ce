"""What ships around the code: fast `route`, pre-commit hooks, the Actions example, package data."""

from __future__ import annotations

import subprocess
import sys

import yaml


def test_route_never_imports_pandas(root):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from llmroute_cli.cli import app\n"
        "r = CliRunner().invoke(app, ['route', 'hello', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'polars', 'sklearn', 'scipy') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == ""


def test_pre_commit_hooks_run_our_commands(root):
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"]: h["entry"] for h in hooks} == {"llmroute-check": "llmroute check", "llmroute-test": "llmroute test"}
    assert all(h["language"] == "python" and "routes" in h["files"] for h in hooks)


def test_actions_example_checks_tests_and_diffs_against_the_base_branch(root):
    workflow = yaml.safe_load((root / "examples" / "github" / "llmroute-pr.yml").read_text())
    steps = " ".join(str(s.get("run", "")) for s in workflow["jobs"]["routing-plan"]["steps"])
    assert "llmroute check routes.yaml" in steps and "llmroute test routes.yaml" in steps
    assert 'llmroute diff "origin/${{ github.base_ref }}:routes.yaml" routes.yaml' in steps
    assert "--format markdown" in steps and "--max-cost-increase" in steps


def test_builtin_policy_is_the_shipped_file(root):
    assert (root / "llmroute_cli" / "data" / "routes.yaml").read_text() == (root / "routes.yaml").read_text()


def test_ci_runs_the_readme_test_command(root):
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    command = "pip install '.[test]' && python -m pytest -q"
    assert command in readme and command in ci
    assert "llmroute check routes.yaml" in ci and "llmroute test routes.yaml" in ci
