"""The letters' file store: document scans and signed letters (the archive).

Files are written once under a name derived from the letter and the content's SHA-256, and never
changed; a signed letter is the archived original that verification compares against. Two stores
keep that promise: files under the data directory (embedded, SQLite) and a table in the service's
own PostgreSQL schema (``postgres``), which every replica of the service reads and which survives
a pod's restart (see :mod:`.dbfiles`). The letters application picks the one the persistence needs.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from uuid import UUID

from ..domain.errors import InvalidLetterRequest

# Content types are decided from the bytes, not from what the client claims.
_MAGIC = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
          (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
_REFERENCE = re.compile(r"[0-9a-f-]{36}/[a-z0-9_-]{1,64}-([0-9a-f]{12})\.(pdf|jpg|png)")
_EXPORT = re.compile(r"bpjs/[0-9a-f-]{36}/[A-Za-z0-9_-]{1,100}\.(csv|xlsx)")


class StoredFileDamaged(Exception):
    """An archived file no longer matches the hash it was stored with: a server fault, not a 4xx."""


class StoredFileMissing(Exception):
    """An event names a file the store does not have: a server fault (restore from backup)."""


def sniff(data: bytes) -> tuple[str, str]:
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    raise InvalidLetterRequest("only PDF, JPEG and PNG files are accepted")


class WriteOnceStore:
    """What both stores share: size and type checks, the reference naming, the hash check on read."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def check(self, data: bytes) -> tuple[str, str]:
        if not data:
            raise InvalidLetterRequest("the file is empty")
        if len(data) > self.max_bytes:
            raise InvalidLetterRequest(f"the file is larger than {self.max_bytes // 1024} KiB")
        return sniff(data)

    def put(self, letter_id: UUID, name: str, data: bytes) -> dict[str, object]:
        content_type, ext = self.check(data)
        if not re.fullmatch(r"[a-z0-9_-]{1,64}", name):
            raise InvalidLetterRequest("file name must be a checklist code")
        digest = hashlib.sha256(data).hexdigest()
        reference = f"{letter_id}/{name}-{digest[:12]}.{ext}"
        self._write_once(reference, digest, content_type, data)
        return {"file": reference, "sha256": digest, "content_type": content_type, "size": len(data)}

    def get(self, reference: str) -> bytes:
        match = _REFERENCE.fullmatch(reference)
        if match is None:
            raise InvalidLetterRequest("bad file reference")
        data, digest = self._read(reference)
        actual = hashlib.sha256(data).hexdigest()
        if actual != (digest or actual) or not actual.startswith(match.group(1)):
            raise StoredFileDamaged(f"stored file {reference} does not match its hash")
        return data

    # -- files the service makes itself (BPJS batch files): rewritten until their batch is closed --
    def put_export(self, reference: str, data: bytes) -> None:
        self._replace(_export(reference), data)

    def get_export(self, reference: str) -> bytes:
        data, digest = self._read(_export(reference))
        if digest is not None and hashlib.sha256(data).hexdigest() != digest:
            raise StoredFileDamaged(f"stored file {reference} does not match its hash")
        return data

    def _write_once(self, reference: str, digest: str, content_type: str, data: bytes) -> None:
        raise NotImplementedError

    def _replace(self, reference: str, data: bytes) -> None:
        raise NotImplementedError

    def _read(self, reference: str) -> tuple[bytes, str | None]:
        """The content and the full hash recorded with it (None where only the name carries it)."""
        raise NotImplementedError


def _export(reference: str) -> str:
    if not _EXPORT.fullmatch(reference):
        raise InvalidLetterRequest("bad file reference")
    return reference


class FileStore(WriteOnceStore):
    """Files under a directory of the local disk (one process, or a shared volume)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.root = root

    def _write_once(self, reference: str, digest: str, content_type: str, data: bytes) -> None:
        if not (self.root / reference).exists():
            self._replace(reference, data)

    def _replace(self, reference: str, data: bytes) -> None:
        path = self.root / reference
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        tmp.replace(path)  # atomic: a reader never sees half a file

    def _read(self, reference: str) -> tuple[bytes, str | None]:
        path = (self.root / reference).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise InvalidLetterRequest("bad file reference")
        try:
            return path.read_bytes(), None
        except FileNotFoundError:
            raise StoredFileMissing(f"no stored file {reference}") from None

