"""The layers, checked on the source: the core never imports the UI, the UI never imports the CLI.

* Nothing outside ``tui/ui/`` imports ``textual``, ``rich`` or ``tui.ui`` (the core, the CLI and
  the simulator run headless) ...
* ... except the command that starts the app (``tui/commands/explore.py``), and only lazily: inside
  a function, so that ``avegraph get`` never loads Textual.
* ``tui/ui/`` imports nothing from ``tui.commands`` (what both need lives in the core).

The check reads every module's AST (``import x`` and ``from x import y``, relative ones resolved),
wherever the import stands: in a function, under ``if TYPE_CHECKING`` or in a ``try``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_ONLY = ("textual", "rich", "tui.ui")
APP_STARTER = "tui/commands/explore.py"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[tuple[str, int, bool]]:
    """Every module ``path`` imports: (name, line, at module level); for ``from x import y``, ``x``
    and then ``x.y`` (``from tui import ui`` imports ``tui.ui``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_of(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    name = ".".join(base + ([child.module] if child.module else []))
                else:
                    name = child.module or ""
                found.append((name, child.lineno, top))
                found.extend((f"{name}.{a.name}", child.lineno, top) for a in child.names if a.name != "*")
            visit(child, inner)

    visit(tree, True)
    return found


def layer_violations(root: Path) -> list[str]:
    """What breaks the layers in the ``tui`` package under ``root``: "path:line imports name (why)"."""
    out = []
    for path in sorted((root / "tui").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        in_ui = rel.startswith("tui/ui/")
        seen: set[int] = set()                  # one report per import statement
        for name, line, top in imports_of(path, root):
            if line in seen:
                continue
            if in_ui:
                if _within(name, "tui.commands"):
                    out.append(f"{rel}:{line} imports {name} (the UI must not import the CLI)")
                    seen.add(line)
                continue
            if not any(_within(name, p) for p in UI_ONLY):
                continue
            if rel == APP_STARTER and _within(name, "tui.ui") and not top:
                continue            # the one command that starts the app, lazily
            why = ("only lazily, inside a function" if rel == APP_STARTER and _within(name, "tui.ui")
                   else "only tui/ui may")
            out.append(f"{rel}:{line} imports {name} ({why})")
            seen.add(line)
    return out


def test_the_layers_hold():
    assert layer_violations(ROOT) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_core_module_importing_textual_or_rich_is_caught(tmp_path):
    root = _tree(tmp_path, {
        "tui/__init__.py": "",
        "tui/api/__init__.py": "",
        "tui/api/client.py": "import httpx\nfrom textual.widgets import Static\n",
        "tui/triage/__init__.py": "",
        "tui/triage/lines.py": "def f():\n    from rich.text import Text\n    return Text()\n",
        "tui/export.py": "from tui import ui\n",
        "tui/ui/__init__.py": "",
        "tui/ui/app.py": "import textual\nfrom rich.text import Text\n",
    })
    got = layer_violations(root)
    assert got == ["tui/api/client.py:2 imports textual.widgets (only tui/ui may)",
                   "tui/export.py:1 imports tui.ui (only tui/ui may)",
                   "tui/triage/lines.py:2 imports rich.text (only tui/ui may)"]


def test_only_the_app_starter_may_import_the_app_and_only_lazily(tmp_path):
    root = _tree(tmp_path, {
        "tui/commands/explore.py": "def run():\n    from tui.ui.app import run_app\n    run_app()\n",
        "tui/commands/get.py": "def run():\n    from tui.ui.app import run_app\n",
        "tui/commands/token.py": "from ..ui import keys\n",
    })
    assert layer_violations(root) == ["tui/commands/get.py:2 imports tui.ui.app (only tui/ui may)",
                                      "tui/commands/token.py:1 imports tui.ui (only tui/ui may)"]
    (root / "tui/commands/explore.py").write_text("from tui.ui.app import run_app\n", encoding="utf-8")
    assert "tui/commands/explore.py:1 imports tui.ui.app (only lazily, inside a function)" in layer_violations(root)


def test_the_ui_importing_the_cli_is_caught(tmp_path):
    root = _tree(tmp_path, {
        "tui/ui/screens/export.py": "from tui.commands.failed_jobs import to_csv\n",
        "tui/ui/widgets/x.py": "from ...commands import get\n",
    })
    assert layer_violations(root) == [
        "tui/ui/screens/export.py:1 imports tui.commands.failed_jobs (the UI must not import the CLI)",
        "tui/ui/widgets/x.py:1 imports tui.commands (the UI must not import the CLI)"]
