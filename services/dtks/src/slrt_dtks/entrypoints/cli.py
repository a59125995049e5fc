"""Command line of the DTKS service: import an extract (with a progress bar), list versions.

    python -m slrt_dtks.entrypoints.cli import var/dtks-1605-2025-03.xlsx
    python -m slrt_dtks.entrypoints.cli versions

Uses the same settings as the service (``SLRT_PERSISTENCE``, ``SLRT_DATA_DIR``, ``SLRT_POSTGRES_*``),
so it writes where the running service reads; the service switches to the new version at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import ServiceSettings

from ..application import DTKSApplication
from ..adapters.registry.sources import count_rows


def _import(app: DTKSApplication, path: Path, console: Console) -> int:
    total = count_rows(path) if path.is_file() else None
    columns = (TextColumn("[bold]importing {task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(path.name, total=total)
        try:
            report = app.import_extract(path, progress=lambda done: progress.update(task, completed=done))
        except DomainError as e:
            console.print(f"[red]refused:[/red] {e}")
            return 2
    console.print(f"version [bold]{report.version}[/bold] active (previous: {report.previous_version or '-'})")
    console.print(f"loaded {report.rows_loaded}, rejected {report.rows_rejected}, flagged {report.rows_warned}; "
                  f"added {report.added}, removed {report.removed}, changed {report.changed}, "
                  f"programme memberships changed {report.programme_changes}")
    for title, items in (("rejected rows", report.rejections), ("flagged rows (imported)", report.warnings)):
        if items:
            table = Table(title=f"{title} (first {len(items)})")
            table.add_column("row", justify="right")
            table.add_column("reason")
            for item in items[:50]:
                table.add_row(str(item["row"]), str(item["reason"]))
            console.print(table)
    return 0


def _versions(app: DTKSApplication, console: Console) -> int:
    table = Table(title="registry versions")
    table.add_column("version", no_wrap=True)
    for column in ("status", "source", "rows", "rejected", "added", "removed", "changed", "programmes"):
        table.add_column(column)
    for v in app.registry.versions():
        table.add_row(v["version"], v["status"], v["source"], str(v["rows"]), str(v["rejected"]), str(v["added"]),
                      str(v["removed"]), str(v["changed"]), str(v["programme_changes"]))
    console.print(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slrt_dtks.entrypoints.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="import a CSV or XLSX extract as a new registry version")
    load.add_argument("path", type=Path)
    commands.add_parser("versions", help="list registry versions")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    app = DTKSApplication(ServiceSettings())
    try:
        if args.command == "import":
            return _import(app, args.path, console)
        return _versions(app, console)
    finally:
        app.registry.close()


if __name__ == "__main__":
    sys.exit(main())
