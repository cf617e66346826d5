"""The shape of the utils package: no import cycle, and nothing read from data/ at import time."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "utils").glob("*.py") if p.stem != "__init__")


def _top_level_imports(module: str) -> set[str]:
    """The utils modules ``module`` imports at its top level (imports inside functions run later)."""
    tree = ast.parse((ROOT / "utils" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("utils"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("utils.")}
    return found & set(MODULES)


def test_no_import_cycle_in_utils():
    graph = {m: _top_level_imports(m) for m in MODULES}
    done, path = set(), []

    def visit(m):
        assert m not in path, f"import cycle: {' -> '.join(path[path.index(m):] + [m])}"
        if m in done:
            return
        path.append(m)
        for n in sorted(graph[m]):
            visit(n)
        path.pop()
        done.add(m)

    for m in MODULES:
        visit(m)
    assert sum(map(len, graph.values())) > 10  # the graph was really read


def test_nothing_is_read_from_data_at_import():
    code = f"""
import builtins, io, sys
sys.path.insert(0, {str(ROOT)!r})
opened = []
real_open = io.open
def spy(file, *args, **kwargs):
    opened.append(str(file))
    return real_open(file, *args, **kwargs)
builtins.open = io.open = spy
for m in {MODULES!r}:
    __import__("utils." + m)
print([f for f in opened if "/data/" in f.replace("\\\\", "/")])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


MAX_FUNCTION_LINES = 60


def _long_functions() -> list[str]:
    """Every function (or method) in utils longer than MAX_FUNCTION_LINES, decorators and docstring included."""
    found = []
    for m in MODULES:
        path = ROOT / "utils" / f"{m}.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = node.end_lineno - first + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(f"utils/{m}.py:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_utils_is_longer_than_60_lines():
    assert _long_functions() == []


def test_the_length_check_sees_a_long_function(monkeypatch, tmp_path):
    (tmp_path / "utils").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "utils" / "long.py").write_text(f"def long():\n{body}\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", ["long"])
    assert _long_functions() == [f"utils/long.py:1 long ({MAX_FUNCTION_LINES + 1} lines)"]


def test_the_module_map_lists_every_module_once_by_concern():
    import re

    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `utils\.([a-z_0-9]+)` \| .+ \|$", section, re.M)
    assert sorted(listed) == MODULES, "CONTRIBUTING's module map and utils/ differ"
    for concern in ("**Course and teaching**", "**Cloud and network**", "**TinyML pipeline**"):
        assert concern in section
