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


def _modules_after(root, argv: list[str]) -> set[str]:
    """The modules a real ``llmroute ARGV`` process (the console script's ``run``) has imported at exit."""
    code = (
        "import atexit, sys\n"
        f"sys.argv = ['llmroute', *{argv!r}]\n"
        "atexit.register(lambda: print('\\nMODULES ' + ' '.join(sorted(sys.modules)), file=sys.stderr))\n"
        "from llmroute_cli.cli import run\n"
        "run()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr
    return set(out.stderr.rsplit("MODULES ", 1)[1].split())


def test_route_imports_only_its_own_command_and_builds_no_tokenizer(root):
    loaded = _modules_after(root, ["route", "What is the capital of France?", "--rules", "routes.yaml"])
    shared = {"llmroute_cli.commands._common", "llmroute_cli.commands.helpstyle"}
    commands = {m for m in loaded if m.startswith("llmroute_cli.commands.") and m not in shared}
    assert commands == {"llmroute_cli.commands.route"}
    assert not {"tiktoken", "pandas", "polars", "numpy"} & loaded
    # the simulate room's package is loaded (``llmroute_cli.simulate`` is callable, the API's simulate), none of its code
    assert not {m for m in loaded if m.startswith(("llmroute_cli.simulate.", "llmroute_cli.api.simulating"))}


def test_route_without_tokens_reads_no_tokenizer_at_all(root):
    loaded = _modules_after(root, ["route", "What is the capital of France?", "--rules", "routes.yaml", "--no-tokens"])
    assert not {"regex", "tiktoken"} & loaded  # regex splits texts for the short-text count
    assert "regex" in _modules_after(root, ["route", "What is the capital of France?"])


def test_simulate_on_a_small_log_never_imports_polars(root, tmp_path):
    log = tmp_path / "one.jsonl"
    log.write_text((root / "sample_data" / "chat_logs.jsonl").read_text().splitlines()[0] + "\n")
    loaded = _modules_after(root, ["simulate", str(log), "--rules", "routes.yaml", "--days", "1", "--format", "json"])
    assert "pandas" in loaded and "polars" not in loaded


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
