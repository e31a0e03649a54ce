"""``import llmroute``: the project's own name for its Python API, which lives in ``llmroute_cli``.

``llmroute.simulate`` is ``llmroute_cli.simulate``, and so on for every public name; nothing is
imported until it is used.
"""

from typing import Any

import llmroute_cli as _package

__all__ = list(_package.__all__)
__version__ = _package.__version__


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(_package, name)
    raise AttributeError(f"module 'llmroute' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
