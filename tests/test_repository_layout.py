"""The repository's layout rules (issue #15): rooms of one job, and no arrow from the core to
the UI nor from the UI to the HTTP routes.

- no source file of ``assistant/``, ``guardrails/``, ``ui/``, ``eval/`` over 600 lines;
- no function (methods and nested functions included) over 120 lines, ``def`` to last line;
- no module of ``assistant/`` imports ``ui``, no module of ``ui/`` imports
  ``assistant.api.routes`` and no module of ``assistant/services/`` imports ``assistant.api``
  (the API sits on the services, never the other way), at any level (inside functions too,
  relative imports resolved).

What other engineers' files still break today is listed below as known debt. An entry that no
longer breaks the rule fails the test too, so the lists only shrink: delete the entry with the
debt. Imports built from strings at run time (``importlib.import_module``) are not seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PACKAGES = ("assistant", "guardrails", "ui", "eval")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 120

# Known debt (none left): a file or function that must stay over a limit is named here, with
# the reason; an entry that no longer breaks its rule fails the test.
KNOWN_LONG_FILES: set[str] = set()
KNOWN_LONG_FUNCTIONS: set[str] = set()
KNOWN_FORBIDDEN_IMPORTS: set[str] = set()


def source_files(root: Path) -> list[Path]:
    """Every Python file of the source packages, in a stable order."""
    files: list[Path] = []
    for package in SOURCE_PACKAGES:
        files.extend(sorted((root / package).rglob("*.py")))
    return files


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def long_files(root: Path) -> dict[str, int]:
    """Files over the line limit -> their line count."""
    found: dict[str, int] = {}
    for path in source_files(root):
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_FILE_LINES:
            found[_relative(path, root)] = count
    return found


def _functions(node: ast.AST, prefix: str = ""):
    """(qualified name, function node) for every function under ``node``, nested ones too."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{child.name}"
            if not isinstance(child, ast.ClassDef):
                yield name, child
            yield from _functions(child, f"{name}.")
        else:
            yield from _functions(child, prefix)


def long_functions(root: Path) -> dict[str, int]:
    """``path:qualified.name`` of functions over the line limit -> their length in lines."""
    found: dict[str, int] = {}
    for path in source_files(root):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, function in _functions(tree):
            length = function.end_lineno - function.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found[f"{_relative(path, root)}:{name}"] = length
    return found


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Absolute names of what a module imports (``from a import b`` gives ``a`` and ``a.b``)."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, target: str) -> bool:
    return name == target or name.startswith(f"{target}.")


#: Folder -> the package its modules must not import.
IMPORT_RULES = (
    ("assistant/", "ui"),
    ("ui/", "assistant.api.routes"),
    ("assistant/services/", "assistant.api"),
)


def forbidden_imports(root: Path) -> dict[str, list[str]]:
    """Modules breaking an ``IMPORT_RULES`` entry (the core importing ``ui``, the UI the HTTP
    routes, the services the API) -> the forbidden names they import."""
    found: dict[str, list[str]] = {}
    for path in source_files(root):
        relative = _relative(path, root)
        targets = [target for folder, target in IMPORT_RULES if relative.startswith(folder)]
        if not targets:
            continue
        is_package = path.name == "__init__.py"
        parts = Path(relative).with_suffix("").parts
        module = ".".join(parts[:-1] if is_package else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bad = sorted(
            name
            for name in _imported_modules(tree, module, is_package)
            if any(_within(name, target) for target in targets)
        )
        if bad:
            found[relative] = bad
    return found


def _check(found: dict, known: set[str], what: str) -> None:
    new = {key: found[key] for key in sorted(set(found) - known)}
    stale = sorted(known - set(found))
    assert not new, f"{what}: {new} (split it, or move the code to its own room)"
    assert not stale, f"{what}: {stale} no longer break the rule: remove them from the known debt"


def test_no_source_file_over_600_lines():
    _check(long_files(ROOT), KNOWN_LONG_FILES, f"files over {MAX_FILE_LINES} lines")


def test_no_function_over_120_lines():
    _check(long_functions(ROOT), KNOWN_LONG_FUNCTIONS, f"functions over {MAX_FUNCTION_LINES} lines")


def test_the_core_imports_no_ui_the_ui_no_route_the_services_no_api():
    _check(forbidden_imports(ROOT), KNOWN_FORBIDDEN_IMPORTS, "forbidden imports")


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _function(name: str, lines: int, indent: str = "") -> str:
    """A function of exactly ``lines`` lines, ``def`` included."""
    body = "".join(f"{indent}    x{n} = {n}\n" for n in range(lines - 2))
    return f"{indent}def {name}():\n{body}{indent}    return 0\n"


def test_the_checks_see_what_breaks_the_rules(tmp_path):
    _write(tmp_path, "assistant/__init__.py", "")
    _write(tmp_path, "assistant/big.py", "x = 1\n" * 601)
    _write(tmp_path, "guardrails/at_limit.py", "x = 1\n" * 600)
    _write(
        tmp_path,
        "eval/functions.py",
        _function("fits", 120)
        + "class Engine:\n"
        + _function("too_long", 121, "    ")
        + "def outer():\n"
        + _function("inner", 121, "    ")
        + "    return inner\n",
    )
    _write(tmp_path, "assistant/late.py", "def f():\n    from ui.app import build_ui\n")
    _write(tmp_path, "assistant/sub/__init__.py", "import ui.views as views\n")
    _write(
        tmp_path,
        "assistant/sub/fine.py",
        "from .. import ui\nfrom . import helpers\nimport uikit\n",
    )
    _write(tmp_path, "ui/bridge.py", "from assistant.api.routes.check import check_text\n")
    _write(tmp_path, "ui/whole.py", "from assistant.api import routes\n")
    _write(tmp_path, "ui/fine.py", "from assistant.api.deps import TrainerDep\nimport ui.views\n")
    _write(tmp_path, "assistant/services/__init__.py", "")
    _write(
        tmp_path,
        "assistant/services/late.py",
        "def f():\n    from assistant.api.schemas import JOBS\n",
    )
    _write(tmp_path, "assistant/services/up.py", "from .. import api\n")
    _write(
        tmp_path,
        "assistant/services/fine.py",
        "from assistant.services.jobs import JOBS\nimport assistant.apiary\n",
    )
    _write(tmp_path, "assistant/api/deps.py", "from assistant.services.jobs import JOBS\n")

    assert long_files(tmp_path) == {"assistant/big.py": 601}
    assert long_functions(tmp_path) == {
        "eval/functions.py:Engine.too_long": 121,
        "eval/functions.py:outer": 123,
        "eval/functions.py:outer.inner": 121,
    }
    assert forbidden_imports(tmp_path) == {
        "assistant/late.py": ["ui.app", "ui.app.build_ui"],
        "assistant/sub/__init__.py": ["ui.views"],
        "assistant/services/late.py": ["assistant.api.schemas", "assistant.api.schemas.JOBS"],
        "assistant/services/up.py": ["assistant.api"],
        "ui/bridge.py": ["assistant.api.routes.check", "assistant.api.routes.check.check_text"],
        "ui/whole.py": ["assistant.api.routes"],
    }
