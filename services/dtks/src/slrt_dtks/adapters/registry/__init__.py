"""The DTKS registry extract: reference data in versioned tables, not events (see ``backend``)."""

from .backend import PostgresBackend, RegistryBackend, SqliteBackend
from .model import (
    COLUMNS,
    FLAG_COLUMNS,
    PROGRAMMES,
    SYNTHETIC_PREFIX,
    ImportRejected,
    ImportReport,
    Person,
    RegistryStatus,
    nik_problems,
)
from .store import Candidate, RegistryStore

__all__ = [
    "COLUMNS", "FLAG_COLUMNS", "PROGRAMMES", "SYNTHETIC_PREFIX", "Candidate", "ImportRejected", "ImportReport",
    "Person", "PostgresBackend", "RegistryBackend", "RegistryStatus", "RegistryStore", "SqliteBackend",
    "nik_problems",
]
