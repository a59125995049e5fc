"""Issuance into the month's BPJS batch, closing the batch into its files, and BPJS's reconciliation.

A KIS PBI-Daerah letter joins the batch of the month it is issued in, saved in the same transaction
as its LetterIssued; a closed month sends later letters to the next one. Closing writes the batch
file (CSV and XLSX) and marks each letter submitted; the reconciliation file answers each request.
"""

from __future__ import annotations

import random
import time
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor
from slrt_runtime.errors import InvalidTransition, NotFound

from ..adapters.bpjs import batch_csv, batch_xlsx, read_reconciliation
from ..domain import BpjsBatch, InvalidLetterRequest, Letter, next_period, period_of
from .views import letter_view

ATTEMPTS = 20


class BpjsCommands:
    def _issue_and_batch(self, letter_id: UUID, digest: str, file: str) -> dict[str, Any]:
        for attempt in range(ATTEMPTS):
            letter: Letter = self._letter(letter_id)  # type: ignore[attr-defined]
            if letter.issued_at is not None:
                return letter_view(letter)
            letter.issue(digest, file)
            batch = None
            if letter.kind.bpjs_batch is not None:
                batch = self._open_batch(period_of(self.clock()))  # type: ignore[attr-defined]
                batch.add(letter.id, letter.kind.bpjs_batch.value)
            try:
                self.save(letter, batch)  # type: ignore[attr-defined]
            except IntegrityError:
                # Another issuance took the batch's version: read both again, a little later.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - not security
                continue
            return letter_view(letter)
        raise InvalidTransition("could not issue the letter (busy); try again")

    def _batch(self, period: str) -> BpjsBatch | None:
        try:
            return self.repository.get(BpjsBatch.create_id(self.settings.district, period))  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None

    def _open_batch(self, period: str) -> BpjsBatch:
        while True:
            batch = self._batch(period) or BpjsBatch(self.settings.district, period)  # type: ignore[attr-defined]
            if not batch.is_closed:
                return batch
            period = next_period(period)

    def close_batch(self, period: str, actor: Actor) -> dict[str, Any]:
        """Close the month's batch, write its files and mark its letters submitted to BPJS."""
        _check_period(period)
        for _ in range(ATTEMPTS):
            batch = self._batch(period) or BpjsBatch(self.settings.district, period)  # type: ignore[attr-defined]
            if batch.is_closed:
                raise InvalidTransition(f"the BPJS batch of {period} is already closed")
            letters = [self._letter(UUID(key)) for key in batch.entries]  # type: ignore[attr-defined]
            rows = [_row(n, letter) for n, letter in enumerate(letters, start=1)]
            name = f"bpjs-pbid-{self.settings.district}-{period}"  # type: ignore[attr-defined]
            self._write_batch_files(name, batch.id, rows, period)
            batch.close(actor, name)
            for letter in letters:
                letter.submit_to_bpjs(batch.id, period)
            try:
                self.save(batch, *letters)  # type: ignore[attr-defined]
            except IntegrityError:
                continue
            return self.get_batch(period)
        raise InvalidTransition("could not close the batch (busy); try again")

    def _write_batch_files(self, name: str, batch_id: UUID, rows: list[dict[str, Any]], period: str) -> None:
        for ext, data in (("csv", batch_csv(rows)), ("xlsx", batch_xlsx(rows, period))):
            self.files.put_export(f"bpjs/{batch_id}/{name}.{ext}", data)  # type: ignore[attr-defined]

    def batch_file(self, period: str, fmt: str) -> tuple[str, bytes]:
        batch = self._batch(_check_period(period))
        if batch is None or not batch.is_closed:
            raise NotFound(f"no closed BPJS batch for {period}")
        if fmt not in ("csv", "xlsx"):
            raise InvalidLetterRequest("format is csv or xlsx")
        name = f"{batch.file_name}.{fmt}"
        return name, self.files.get_export(f"bpjs/{batch.id}/{name}")  # type: ignore[attr-defined]

    def reconcile(self, period: str, data: bytes, actor: Actor, file_name: str = "reconciliation") -> dict[str, Any]:
        rows = read_reconciliation(data)
        for _ in range(ATTEMPTS):
            batch = self._batch(_check_period(period))
            if batch is None:
                raise NotFound(f"no BPJS batch for {period}")
            decisions: dict[str, tuple[str, str | None]] = {}
            for row in rows:
                key = _reference(row["reference"] or "")
                decisions[key] = (str(row["result"]), row["reason"])
            batch.reconcile(decisions, actor, file_name[:100])
            changed = []
            for key, (decision, reason) in decisions.items():
                letter = self._letter(UUID(key))  # type: ignore[attr-defined]
                if letter.record_bpjs_decision(batch.id, decision, reason):
                    changed.append(letter)
            try:
                self.save(batch, *changed)  # type: ignore[attr-defined]
            except IntegrityError:
                continue
            return self.get_batch(period)
        raise InvalidTransition("could not apply the reconciliation (busy); try again")

    def get_batch(self, period: str) -> dict[str, Any]:
        batch = self._batch(_check_period(period))
        if batch is None:
            raise NotFound(f"no BPJS batch for {period}")
        return {
            "batch_id": batch.id, "period": batch.period, "status": "closed" if batch.is_closed else "open",
            "closed_at": batch.closed_at, "counts": batch.counts(),
            "entries": [{"letter_id": k, **v} for k, v in batch.entries.items()],
            "reconciliations": batch.reconciliations,
        }


def _check_period(period: str) -> str:
    year, _, month = period.partition("-")
    if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12 and len(month) == 2):
        raise InvalidLetterRequest(f"period must be YYYY-MM, not {period!r}")
    return period


def _reference(value: str) -> str:
    try:
        return str(UUID(value.strip()))
    except ValueError:
        raise InvalidLetterRequest(f"reference {value[:40]!r} is not a letter reference of the batch") from None


def _row(n: int, letter: Letter) -> dict[str, Any]:
    a = letter.applicant
    return {"row": n, "reference": str(letter.id), "action": letter.kind.bpjs_batch.value if letter.kind.bpjs_batch else "",
            "letter_number": letter.letter_number, "letter_date": letter.issued_at.date().isoformat() if letter.issued_at else "",
            "nik": a.get("nik"), "name": a.get("name"), "birth_date": a.get("birth_date"), "sex": a.get("sex"),
            "address": a.get("address"), "family_card_number": a.get("family_card_number"), "region": letter.region}
