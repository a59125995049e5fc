"""Where a process's CPU goes, from py-spy's raw (collapsed) stacks: ``py-spy record --format raw``, as
``bench/e2e_complaints.py --profile DIR`` writes them.

    .venv/bin/python bench/pyspy_summary.py var/profile/*.txt

For each file: the share of samples in which each component is on the stack (inclusive; components
overlap, e.g. pydantic inside FastAPI), the share by the library of the innermost Python frame
(exclusive; sums to 100 %), and the functions with the most inclusive and exclusive samples.
Recorded with ``--gil``: only the thread holding the GIL is sampled, so the shares are of the
process's Python CPU time (waiting in fsync, locks or select is left out; native work done without
the GIL, e.g. inside SQLite, is not seen — the totals per process come from /proc).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

# (component, pattern on one frame "function (path:line)"); inclusive: counted once per sample.
COMPONENTS = [
    ("HTTP server (uvicorn protocol, h11/httptools)", r"uvicorn/protocols|/h11/|httptools"),
    ("FastAPI/Starlette (routing, dependencies, responses)", r"/fastapi/|/starlette/"),
    ("pydantic (validation, serialisation)", r"/pydantic/|/pydantic_core/"),
    ("JWT verification (PyJWT)", r"/jwt/"),
    ("OpenTelemetry (spans, context)", r"/opentelemetry/"),
    ("logging", r"/logging/|structlog|pythonjsonlogger"),
    ("eventsourcing (all)", r"/eventsourcing/"),
    ("eventsourcing mapping/transcoding (to/from stored events)", r"eventsourcing/persistence\.py.*\b(?:to_stored_event|to_domain_event|encode|decode)\b|\b(?:to_stored_event|to_domain_event) "),
    ("eventsourcing aggregate reload (repository.get, snapshots)", r"\bget \(.*eventsourcing/application\.py|\b_reconstruct_aggregate\b|\bmutate\b.*eventsourcing/domain"),
    ("SQLite calls (execute, commit, connect)", r"\b(?:execute|executemany|commit|_execute|fetchall|fetchone|connect|rollback)\b \(.*sqlite"),
    ("PostgreSQL (psycopg)", r"/psycopg/|/psycopg_pool/"),
    ("numbering (save_with_next_number)", r"slrt_runtime/numbering\.py"),
    ("own-log projections (queues, deadlines)", r"slrt_runtime/ownlog\.py"),
    ("outbox relay", r"slrt_runtime/outbox\.py"),
    ("tracked consumers (slrt_runtime.consumers)", r"slrt_runtime/consumers\.py"),
    ("FastStream", r"/faststream/"),
    ("nats-py", r"/nats/"),
    ("json (stdlib)", r"/json/"),
    ("asyncio event loop", r"asyncio/base_events\.py.*_run_once|uvloop"),
    ("in worker threads (to_thread, anyio)", r"concurrent/futures/thread\.py"),
    ("copy.deepcopy", r"/copy\.py"),
]


def library(frame: str) -> str:
    m = re.search(r"\((.*?):\d+\)$", frame)
    path = m.group(1) if m else frame
    for marker in ("site-packages/", "/services/", "/runtime/src/", "/contracts/src/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            if marker == "/services/":
                rest = rest.split("/src/", 1)[-1]
            return rest.split("/", 1)[0].removesuffix(".py")
    m = re.search(r"python3\.\d+/(.*)", path)
    if m:
        return "stdlib:" + m.group(1).split("/", 1)[0].removesuffix(".py")
    return path


def summarise(path: Path, top: int = 12, without: re.Pattern[str] | None = None) -> str:
    samples = 0
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    exclusive_lib: Counter[str] = Counter()
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
            if any(pattern.search(f) for f in frames):
                components[name] += n
        exclusive_lib[library(frames[-1])] += n
        exclusive_fn[frames[-1]] += n
    if not samples:
        return f"## {path.stem}: no samples\n"

    def share(n: int) -> str:
        return f"{100 * n / samples:5.1f} %"

    out = [f"## {path.stem}: {samples} samples of active threads"]
    out.append("\ncomponents on the stack (inclusive, overlapping):")
    out += [f"  {share(n)}  {name}" for name, n in components.most_common() if n / samples >= 0.01]
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
