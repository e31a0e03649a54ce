"""The package's rooms and the one direction of their imports (docs/ARCHITECTURE.md draws them)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "llmroute_cli"
# Lowest first: a module may import from its own layer and the layers before it, never after.
LAYERS = [
    ("errors", "models", "limits"),
    ("tokens",),
    ("classifier",),
    ("rules",),
    ("engine",),
    ("pricing",),
    ("logs",),
    ("quality",),
    ("simulate",),
    ("cluster",),
    ("training",),
    ("reports",),
    ("render",),
    ("api",),
    ("commands", "integrations"),
    ("cli", "__init__", "__main__"),
]
RANK = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}


def room_of(module: str) -> str:
    """``llmroute_cli.rules.policy`` → ``rules``; ``llmroute_cli.errors`` → ``errors``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    """Every llmroute_cli module a file imports, anywhere in it (inside functions and TYPE_CHECKING too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names[:1] if n.startswith("llmroute_cli")]
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "<relative import>"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("llmroute_cli")]
    return found


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


def test_every_module_lives_in_a_known_room():
    unknown = sorted({room_of(name) for name, _ in modules()} - set(RANK))
    assert unknown == []


def test_no_module_imports_from_a_room_above_its_own():
    wrong = []
    for name, path in modules():
        mine = RANK[room_of(name)]
        for line, target in imports(path):
            if target == "<relative import>":
                wrong.append(f"{path.name}:{line}: relative import (write it absolute)")
            elif target != "llmroute_cli" and RANK[room_of(target)] > mine:
                wrong.append(f"{name}:{line} imports {target}")
    assert wrong == []


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from llmroute_cli.render.fmt import money\n")
    assert imports(bad) == [(2, "llmroute_cli.render.fmt")]
    assert RANK[room_of("llmroute_cli.render.fmt")] > RANK["rules"]


def test_only_the_integrations_import_litellm():
    """The core and the CLI never need LiteLLM installed (it is the optional ``litellm`` extra)."""
    found = []
    for name, path in modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "litellm" or n.startswith("litellm.") for n in names):
                found.append(name)
    assert sorted(set(found)) == ["llmroute_cli.integrations.litellm"]
