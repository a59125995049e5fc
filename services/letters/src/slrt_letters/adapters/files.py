"""The letters' file store under the data directory: document scans and signed letters (the archive).

Files are written once under a name derived from the letter and never changed; a signed letter is
the archived original that verification compares against.
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


def sniff(data: bytes) -> tuple[str, str]:
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    raise InvalidLetterRequest("only PDF, JPEG and PNG files are accepted")


class FileStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
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
        relative = f"{letter_id}/{name}-{digest[:12]}.{ext}"
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            tmp.replace(path)  # atomic: a reader never sees half a file
        return {"file": relative, "sha256": digest, "content_type": content_type, "size": len(data)}

    def get(self, relative: str) -> bytes:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise InvalidLetterRequest("bad file reference")
        return path.read_bytes()
