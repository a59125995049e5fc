"""Where a process's CPU goes, from py-spy's raw (collapsed) stacks: ``py-spy record --format raw``, as
``bench/e2e_complaints.py --profile DIR`` writes them.

    .venv/bin/python bench/pyspy_summary.py var/profile/*.txt

For each file: the share of samples in which each component is on the stack (inclusive; components
overlap, e.g. pydantic inside FastAPI), the share by innermost component and by the library of the
innermost Python frame (exclusive; each sums to 100 %), and the functions with the most inclusive and
exclusive samples. ``--without REGEX`` leaves out the samples with a matching frame.
Recorded with ``--gil``: only the thread holding the GIL is sampled, so the shares are of the
process's Python CPU time (waiting in fsync, locks or select is left out; native work done without
the GIL, e.g. inside SQLite, is not seen — the totals per process come from /proc).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

# (component, pattern on one frame "function (path:line)"); inclusive: counted once per sample.
# py-spy writes paths relative to their sys.path entry ("fastapi/routing.py"), and the
# opentelemetry namespace packages as "trace/...", "propagators/...".
COMPONENTS = [
    ("HTTP server (uvicorn protocol, h11/httptools)", r"\((?:uvicorn/protocols|h11/|httptools)"),
    ("FastAPI/Starlette (routing, dependencies, middleware)", r"\((?:fastapi|starlette)/"),
    ("pydantic (validation, serialisation)", r"\((?:pydantic|pydantic_core)/"),
    ("JWT verification (PyJWT)", r"\(jwt/"),
    ("OpenTelemetry (spans, context, propagation)",
     r"\((?:opentelemetry/|trace/|propagate/|propagators/|baggage/|sdk/)|slrt_runtime/telemetry\.py"),
    ("logging", r"\(logging/"),
    ("eventsourcing (all)", r"\(eventsourcing/"),
    ("eventsourcing mapping/transcoding (to/from stored events)",
     r"\b(?:to_stored_event|to_domain_event|JSONTranscoder\.\w+) \(eventsourcing/"),
    ("eventsourcing aggregate reload (Repository.get)", r"Repository\.get \(eventsourcing/"),
    ("runtime-checkable Protocol isinstance (typing)", r"_ProtocolMeta\.__instancecheck__"),
    ("SQL statements (execute, commit, fetch; SQLite or read-model store)",
     r"\b(?:execute|executemany|commit|fetchall|fetchone|rollback)\b \((?:eventsourcing/sqlite|slrt_\w+/adapters/store)"),
    ("PostgreSQL (psycopg)", r"\((?:psycopg|psycopg_pool)/"),
    ("numbering (save_with_next_number)", r"slrt_runtime/numbering\.py"),
    ("own-log projections (queues, deadline book)", r"slrt_runtime/ownlog\.py"),
    ("deadline watcher (fire_due)", r"DeadlineBook\.fire_due"),
    ("outbox relay", r"slrt_runtime/outbox\.py"),
    ("tracked consumers (slrt_runtime.consumers)", r"slrt_runtime/consumers\.py"),
    ("FastStream (+fast_depends)", r"\((?:faststream|fast_depends)/"),
    ("nats-py", r"\(nats/"),
    ("json (stdlib)", r"\(json/"),
    ("copy.deepcopy", r"\(copy\.py"),
    ("thread hand-off (executor submit, Condition wait/notify)",
     r"^(?:\S+ \((?:concurrent/futures/thread\.py|threading\.py)|\S*run_sync_in_worker_thread|to_thread \(asyncio)"),
]
LEAF_ONLY = {"thread hand-off (executor submit, Condition wait/notify)"}  # every worker thread starts in threading.py


def library(frame: str) -> str:
    m = re.search(r"\((.*?):\d+\)$", frame)
    path = m.group(1) if m else frame
    return path if path.startswith("<") else path.split("/", 1)[0].removesuffix(".py")


def _innermost(frames: list[str], patterns: list[tuple[str, re.Pattern[str]]]) -> str:
    """The component of the innermost frame that belongs to one (broad ones left out), else the
    leaf's library."""
    for depth, frame in enumerate(reversed(frames)):
        for name, pattern in patterns:
            if name in BROAD or (name in LEAF_ONLY and depth):
                continue
            if pattern.search(frame):
                return name
    return "other: " + library(frames[-1])


BROAD = {"eventsourcing (all)"}


def summarise(path: Path, top: int = 12, without: re.Pattern[str] | None = None) -> str:
    samples = 0
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    exclusive_lib: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    exclusive_fn: Counter[str] = Counter()
    patterns = [(name, re.compile(p)) for name, p in COMPONENTS]
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or (without is not None and any(without.search(f) for f in frames)):
            continue
        samples += n
        for fn in set(frames):
            inclusive[fn] += n
        for name, pattern in patterns:
            if any(pattern.search(f) for f in (frames[-1:] if name in LEAF_ONLY else frames)):
                components[name] += n
        innermost[_innermost(frames, patterns)] += n
        exclusive_lib[library(frames[-1])] += n
        exclusive_fn[frames[-1]] += n
    if not samples:
        return f"## {path.stem}: no samples\n"

    def share(n: int) -> str:
        return f"{100 * n / samples:5.1f} %"

    out = [f"## {path.stem}: {samples} samples of active threads"]
    out.append("\ncomponents on the stack (inclusive, overlapping):")
    out += [f"  {share(n)}  {name}" for name, n in components.most_common() if n / samples >= 0.01]
    out.append("\nby innermost component on the stack (exclusive; sums to 100 %):")
    out += [f"  {share(n)}  {name}" for name, n in innermost.most_common(top + 4)]
    out.append("\nby library of the innermost Python frame (exclusive):")
    out += [f"  {share(n)}  {name}" for name, n in exclusive_lib.most_common(top)]
    out.append("\nfunctions, exclusive:")
    out += [f"  {share(n)}  {fn}" for fn, n in exclusive_fn.most_common(top)]
    out.append("\nproject functions, inclusive:")
    own = [(fn, n) for fn, n in inclusive.most_common()
           if re.search(r"slrt_\w+/", fn) and "__main__" not in fn][:top]
    out += [f"  {share(n)}  {fn}" for fn, n in own]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--without", help="leave out samples with a frame matching this regex "
                                          "(e.g. 'numbering' to see what is left once numbers cost O(1))")
    args = parser.parse_args()
    for file in args.files:
        print(summarise(file, args.top, re.compile(args.without) if args.without else None))
