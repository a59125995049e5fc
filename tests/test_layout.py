"""The one layout of every service (README "Layout", issue 14) stays: no module over 400 lines, no
import cycle between modules of a package (relative, absolute and function-level imports all count),
no top-level file or folder outside the agreed rooms, no import of a module that does not exist.
The rules are in tests/layout_rules.py, which also runs on its own: python tests/layout_rules.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from layout_rules import cycles, long_modules, missing_in_scripts, off_layout  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_no_module_is_over_400_lines() -> None:
    assert long_modules(ROOT) == []


def test_no_two_modules_import_each_other() -> None:
    assert cycles(ROOT) == []


def test_every_service_package_keeps_to_the_agreed_rooms() -> None:
    assert off_layout(ROOT) == []


def test_every_import_names_a_module_that_exists() -> None:
    missing: list[str] = []
    cycles(ROOT, missing)
    missing_in_scripts(ROOT, missing)
    assert missing == []


def test_the_rules_see_a_cycle_an_oversized_module_and_a_stray_file(tmp_path: Path) -> None:
    """The checks themselves can fail: a small package that breaks each rule once."""
    package = tmp_path / "services" / "demo" / "src" / "slrt_demo"
    (package / "domain").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "domain" / "__init__.py").write_text("")
    (package / "domain" / "a.py").write_text("def f():\n    from . import b\n")
    (package / "domain" / "b.py").write_text("from .a import f\n" + "x = 1\n" * 400)
    (package / "helpers.py").write_text("from .domain import gone\nfrom .nowhere import x\n")
    assert cycles(tmp_path) == ["slrt_demo: slrt_demo.domain.a <-> slrt_demo.domain.b"]
    assert long_modules(tmp_path) == ["services/demo/src/slrt_demo/domain/b.py: 401 lines"]
    assert off_layout(tmp_path) == ["services/demo/src/slrt_demo/helpers.py: not a room of the agreed layout"]
    missing: list[str] = []
    cycles(tmp_path, missing)
    assert len(missing) == 1 and missing[0].endswith("no module slrt_demo.nowhere")
