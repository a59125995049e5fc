"""Operator commands of the monitoring service (the same settings as the service):

    python -m slrt_monitoring.entrypoints.cli rebuild   # rebuild offline (the service stopped), printing progress
"""

from __future__ import annotations

import argparse
import asyncio

import nats
from rich.progress import Progress as Bar
from slrt_runtime.settings import ServiceSettings

from ..application.readmodel import ReadModels
from ..application.rebuild import Progress, rebuild


async def rebuild_offline() -> None:
    settings = ServiceSettings()
    models = ReadModels(settings)
    nc = await nats.connect(settings.nats_url)
    progress = Progress()
    task = asyncio.create_task(rebuild(models, nc.jetstream(), progress))
    with Bar() as bar:
        shown = bar.add_task("rebuild", total=None)
        while not task.done():
            d = progress.as_dict()
            bar.update(shown, completed=d["read"], total=d["total"] or None,
                       description=f"rebuild: lag {d['lag']}, {d['events_per_second']} events/s")
            await asyncio.sleep(0.5)
    await task
    print(progress.as_dict())
    await nc.close()
    models.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m slrt_monitoring.entrypoints.cli",
                                     description="Monitoring service operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rebuild", help="replay every producer stream into a fresh generation and swap it in "
                        "(the service stopped), printing progress")
    parser.parse_args(argv)
    asyncio.run(rebuild_offline())


if __name__ == "__main__":
    main()
