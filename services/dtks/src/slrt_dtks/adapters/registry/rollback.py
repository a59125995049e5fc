"""Making an older registry version active again: the way back from a wrong extract.

A district that imported the wrong file switches back to a version whose people are still stored
(the backend keeps the tables of the versions active most recently). The switch is the same one an
import ends with (:meth:`RegistryBackend.switch`: the one pointer every reader resolves), and in the
same transaction a row of ``dtks_registry_activation`` says who, when, from which version and why,
with the differences the switch makes (counts, computed in SQL). The service records that row as an
event afterwards, as it does for imports (caught up at start if the process died in between).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from slrt_runtime.errors import InvalidTransition, NotFound

from .backend import _COMPARED, ACTIVATION_TABLE, VERSION_TABLE, RegistryBackend

ACTIVATION_COLUMNS = ("n", "version", "previous", "activated_at", "actor", "reason", "request_key", "added",
                      "removed", "changed", "programme_changes")


class VersionUnknown(NotFound):
    """404: no registry version of that name was ever active here."""


class VersionNotActivatable(InvalidTransition):
    """409: the version is the active one already, or its people are no longer stored."""


def reactivate(backend: RegistryBackend, version: str, *, actor: dict[str, Any], reason: str,
               request_key: str | None) -> dict[str, Any]:
    """Switch to an older version and record the activation, in one transaction; the activation."""
    with backend.transaction() as conn:
        backend._lock_imports(conn)  # not while another switch (an import's, another rollback) decides
        row = conn.execute(backend.sql(f"SELECT seq, status FROM {VERSION_TABLE} WHERE version = ? "
                                       "AND status IN ('active', 'retired')"), (version,)).fetchone()
        if row is None:
            raise VersionUnknown(f"no such registry version {version}")
        seq, status = row
        if status == "active":
            raise VersionNotActivatable(f"registry version {version} is already the active one")
        if not backend.table_exists(conn, backend.people_table(seq)):
            raise VersionNotActivatable(
                f"registry version {version} is no longer kept (the people of the {backend.keep_retired} "
                "version(s) active most recently before the current one are); import its extract again")
        previous = backend._read_active(conn)
        previous_version = None
        if previous is not None:
            previous_version = conn.execute(backend.sql(f"SELECT version FROM {VERSION_TABLE} WHERE seq = ?"),
                                            (previous,)).fetchone()[0]
        counts = count_differences(backend, conn, seq, previous)
        activated_at = dt.datetime.now(dt.timezone.utc).isoformat()
        conn.execute(backend.sql(f"UPDATE {VERSION_TABLE} SET activated_at = ? WHERE seq = ?"), (activated_at, seq))
        backend.switch(conn, seq)
        n = conn.execute(f"SELECT COALESCE(MAX(n), 0) + 1 FROM {ACTIVATION_TABLE}").fetchone()[0]
        values = (n, version, previous_version, activated_at, json.dumps(actor, sort_keys=True), reason, request_key,
                  counts["added"], counts["removed"], counts["changed"], counts["programme_changes"])
        conn.execute(backend.sql(f"INSERT INTO {ACTIVATION_TABLE} ({', '.join(ACTIVATION_COLUMNS)}) "
                                 f"VALUES ({', '.join('?' * len(ACTIVATION_COLUMNS))})"), values)
    return _activation(values)


def activations(backend: RegistryBackend, *, limit: int = 50, request_key: str | None = None) -> list[dict[str, Any]]:
    """The activations made by operators, newest first (or the one a request key made)."""
    where, params = ("WHERE request_key = ? ", (request_key, limit)) if request_key else ("", (limit,))
    with backend.connection() as conn:
        rows = conn.execute(backend.sql(f"SELECT {', '.join(ACTIVATION_COLUMNS)} FROM {ACTIVATION_TABLE} "
                                        f"{where}ORDER BY n DESC LIMIT ?"), params).fetchall()
    return [_activation(r) for r in rows]


def _activation(row: tuple) -> dict[str, Any]:
    found = dict(zip(ACTIVATION_COLUMNS, row, strict=True))
    found["actor"] = json.loads(found["actor"])
    return found


def count_differences(backend: RegistryBackend, conn: Any, seq: int, other: int | None) -> dict[str, int]:
    """Who the switch from ``other`` to ``seq`` adds, removes and changes, as counts (the per-person
    list of an import stays the import's own): the same comparison as an import's, without storing it."""
    new = backend.people_table(seq)
    programmes = "SUM(CASE WHEN {t}.programmes = '' THEN 0 ELSE LENGTH({t}.programmes) - " \
                 "LENGTH(REPLACE({t}.programmes, ',', '')) + 1 END)"
    if other is None:
        rows, gained = conn.execute(f"SELECT COUNT(*), {programmes.format(t='n')} FROM {new} n").fetchone()
        return {"added": rows, "removed": 0, "changed": 0, "programme_changes": int(gained or 0)}
    old = backend.people_table(other)
    added, gained = conn.execute(f"SELECT COUNT(*), {programmes.format(t='n')} FROM {new} n "
                                 f"WHERE NOT EXISTS (SELECT 1 FROM {old} o WHERE o.nik = n.nik)").fetchone()
    removed, lost = conn.execute(f"SELECT COUNT(*), {programmes.format(t='o')} FROM {old} o "
                                 f"WHERE NOT EXISTS (SELECT 1 FROM {new} n WHERE n.nik = o.nik)").fetchone()
    differs = " OR ".join(f"n.{c} {backend.distinct} o.{c}" for c in _COMPARED)
    changed = conn.execute(f"SELECT COUNT(*) FROM {new} n JOIN {old} o ON o.nik = n.nik WHERE {differs}").fetchone()[0]
    switched = 0
    for before, after in conn.execute(f"SELECT o.programmes, n.programmes FROM {new} n JOIN {old} o ON o.nik = n.nik "
                                      "WHERE n.programmes <> o.programmes"):
        switched += len((set(before.split(",")) ^ set(after.split(","))) - {""})
    return {"added": added, "removed": removed, "changed": changed,
            "programme_changes": int(gained or 0) + int(lost or 0) + switched}
