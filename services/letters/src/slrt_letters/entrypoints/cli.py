"""Operator commands on the letters store (the same settings as the service):

    python -m slrt_letters.entrypoints.cli close-batch 2026-11         # close the month's BPJS batch now
    python -m slrt_letters.entrypoints.cli batch-file 2026-11 xlsx out.xlsx

The service closes each month's batch by itself at the month's end (a deadline); this is for an
office that sends earlier, or for a district without the service running at the time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from slrt_contracts import service_actor
from slrt_runtime.errors import DomainError

from ..application import LettersApplication


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slrt_letters.entrypoints.cli", description="Letters service operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    close = commands.add_parser("close-batch", help="close the BPJS batch of a month (YYYY-MM)")
    close.add_argument("period")
    file = commands.add_parser("batch-file", help="write a closed batch's file (csv or xlsx)")
    file.add_argument("period")
    file.add_argument("format", choices=("csv", "xlsx"))
    file.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    app = LettersApplication()
    try:
        if args.command == "close-batch":
            batch = app.close_batch(args.period, service_actor("letters-cli", app.settings.district))
            print(json.dumps({"period": batch["period"], "counts": batch["counts"]}))
        else:
            name, data = app.batch_file(args.period, args.format)
            args.output.write_bytes(data)
            print(f"{name} -> {args.output} ({len(data)} bytes)")
    except DomainError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
