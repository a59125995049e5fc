#!/usr/bin/env python3
"""Check the shape of the SLRT code base (issue 14). Usage: python tests/layout_rules.py [REPO_ROOT]

Reports (a) Python modules over 400 lines, (b) import cycles between modules within each package
(absolute and relative imports, function-level ones too), (c) top-level files and folders of each
service package (services/*/src/slrt_*/) that are not in the agreed layout, (d) imports of a module of the
same package that does not exist (e.g. a relative import written before a module moved). Exit status 1
when any.
Stdlib only, so it runs on any checkout without the workspace installed.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

MAX_LINES = 400
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", ".tools", "var"}
# The agreed rooms of a service package (README "Layout"); data files (*.yaml, static/, locale/) sit at the top.
ROOMS = {"domain", "application", "adapters", "entrypoints"}
TOP_FILES = {"__init__.py", "__main__.py", "main.py", "settings.py", "testing.py"}
DATA_DIRS = {"static", "locale"}
DATA_SUFFIXES = {".yaml"}
EXTRA_ROOMS = {"slrt_monitoring": {"projections", "national"}}


def python_files(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))  # never into .venv
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def long_modules(root: Path) -> list[str]:
    found = []
    for path in python_files(root):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def packages(root: Path) -> dict[str, Path]:
    """Top-level import packages of the repository: name -> directory."""
    found = {}
    for init in python_files(root):
        if init.name == "__init__.py" and init.parent.parent.name == "src":
            found[init.parent.name] = init.parent
    return found


def module_names(package: str, directory: Path) -> dict[str, Path]:
    names = {}
    for path in python_files(directory):
        parts = [package, *path.relative_to(directory).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: dict[str, Path], missing: list[str] | None = None) -> set[str]:
    """The modules of this package that a module imports, anywhere in its body (unknown ones to ``missing``)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            if missing is not None:
                missing.extend(f"{path.name}:{node.lineno}: no module {alias.name}" for alias in node.names
                               if alias.name.partition(".")[0] == name.partition(".")[0] and alias.name not in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                if node.module:
                    base += node.module.split(".")
                origin = ".".join(base)
            else:
                origin = node.module or ""
            if missing is not None and origin.partition(".")[0] == name.partition(".")[0] and origin not in known:
                missing.append(f"{path.relative_to(path.parents[len(name.split('.'))])}:{node.lineno}: no module {origin}")
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                targets.add(submodule if submodule in known else origin)
    edges = set()
    for target in targets:
        # `import a.b.c` names a.b.c; keep the longest prefix that is a module of this package.
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            edges.add(target)
    return edges


def missing_in_scripts(root: Path, missing: list[str]) -> None:
    """Tests, benchmarks and examples (no package of their own): their imports of the repository's packages."""
    known = {}
    for package, directory in packages(root).items():
        known.update(module_names(package, directory))
    tops = {name.partition(".")[0] for name in known}
    for path in python_files(root):
        if "src" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else [])
            missing.extend(f"{path.relative_to(root)}:{node.lineno}: no module {n}" for n in names
                           if n.partition(".")[0] in tops and n not in known)


def cycles(root: Path, missing: list[str] | None = None) -> list[str]:
    found = []
    for package, directory in packages(root).items():
        known = module_names(package, directory)
        graph = {name: imports_of(name, path, known, missing) for name, path in known.items()}
        for component in strongly_connected(graph):
            if len(component) > 1:
                found.append(f"{package}: " + " <-> ".join(sorted(component)))
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on deep packages)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result


def off_layout(root: Path) -> list[str]:
    found = []
    for directory in sorted(root.glob("services/*/src/slrt_*")):
        allowed_dirs = ROOMS | DATA_DIRS | EXTRA_ROOMS.get(directory.name, set())
        for entry in sorted(directory.iterdir()):
            if entry.name in SKIP_DIRS:
                continue
            ok = (entry.is_dir() and entry.name in allowed_dirs) or (
                entry.is_file() and (entry.name in TOP_FILES or entry.suffix in DATA_SUFFIXES))
            if not ok:
                found.append(f"{entry.relative_to(root)}: not a room of the agreed layout")
        api = directory / "entrypoints" / "api.py"
        if api.exists():
            found.append(f"{api.relative_to(root)}: entrypoints/api must be a package")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    missing: list[str] = []
    problems = {"modules over 400 lines": long_modules(root), "import cycles": cycles(root, missing),
                "off the layout": off_layout(root), "imports of missing modules": missing}
    missing_in_scripts(root, missing)
    for title, items in problems.items():
        print(f"{title}: {len(items)}")
        for item in items:
            print(f"  {item}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
