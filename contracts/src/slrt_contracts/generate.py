"""Write or check the generated contract files: JSON Schemas and the AsyncAPI document.

The files are checked in beside the package (``contracts/schemas/*.json`` and
``contracts/asyncapi.json``) so agencies can read the contracts without Python. Regenerate them
after changing an event::

    .venv/bin/python -m slrt_contracts.generate            # write
    .venv/bin/python -m slrt_contracts.generate --check    # exit 1 if the files are out of date

Output is deterministic: sorted keys, two-space indent, trailing newline.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .asyncapi import asyncapi_document
from .schemas import event_schemas, schema_filename

SCHEMAS_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"
DEFAULT_OUT = Path(__file__).resolve().parents[2]
"""``contracts/``: the files are checked in beside the package source."""

REGENERATE_HINT = "run `.venv/bin/python -m slrt_contracts.generate` (from the repository root) to regenerate"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """Relative path (POSIX) → file text, for everything this module generates."""
    files = {
        f"{SCHEMAS_DIR}/{schema_filename(cls)}": render(schema) for cls, schema in event_schemas().items()
    }
    files[ASYNCAPI_FILE] = render(asyncapi_document())
    return files


def _stale(directory: Path, expected: Iterable[str]) -> list[Path]:
    """Schema files in ``directory/schemas`` whose event no longer exists."""
    expected = set(expected)
    schema_dir = directory / SCHEMAS_DIR
    if not schema_dir.is_dir():
        return []
    return sorted(
        p for p in schema_dir.glob("*.json") if f"{SCHEMAS_DIR}/{p.name}" not in expected
    )


def check_all(directory: Path | str = DEFAULT_OUT) -> list[str]:
    """Problems with the files in ``directory`` (empty when they are up to date)."""
    directory = Path(directory)
    files = generated_files()
    problems: list[str] = []
    for rel, text in files.items():
        path = directory / rel
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {path}")
    problems.extend(f"stale: {p}" for p in _stale(directory, files))
    return problems


def write_all(directory: Path | str = DEFAULT_OUT) -> list[Path]:
    """Write every generated file under ``directory`` and delete stale schema files.

    Returns the paths written or deleted (files already up to date are left untouched).
    """
    directory = Path(directory)
    files = generated_files()
    changed: list[Path] = []
    for rel, text in files.items():
        path = directory / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        changed.append(path)
    for path in _stale(directory, files):
        path.unlink()
        changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m slrt_contracts.generate",
        description="Generate the JSON Schemas and the AsyncAPI document of the SLRT integration events.",
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if any file differs, is missing or is stale"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.check:
        problems = check_all(args.out)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"contract files are out of date: {REGENERATE_HINT}", file=sys.stderr)
            return 1
        print(f"contract files in {args.out} are up to date")
        return 0
    changed = write_all(args.out)
    for path in changed:
        print(f"{'wrote' if path.exists() else 'deleted'} {path}")
    if not changed:
        print(f"contract files in {args.out} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
