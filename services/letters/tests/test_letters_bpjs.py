"""The monthly BPJS batch: KIS PBI-Daerah letters collected, sent once a month as CSV and XLSX,
and BPJS's reconciliation file answering each request as events."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from openpyxl import Workbook, load_workbook
from slrt_contracts import Role
from slrt_contracts.events.letters import BpjsBatchClosed, LetterBpjsDecided, LetterSubmittedToBpjs
from slrt_letters.adapters.bpjs import COLUMNS
from slrt_letters.application import LettersApplication
from slrt_letters.application.deadlines import deadline_book, on_due_for
from slrt_letters.domain import period_of
from slrt_letters.entrypoints.messaging import to_contract
from slrt_letters.testing import KADIN, NIK, ready_to_sign, staff
from slrt_runtime.errors import DomainError, InvalidTransition

KASI = staff(Role.KASI)


def issue_batch_letters(app: LettersApplication) -> tuple[str, str, str]:
    enrol = app.sign(ready_to_sign(app, "rec-kis-pbid-enrolment"), KADIN)
    deact = app.sign(ready_to_sign(app, "kis-pbid-deactivation"), KADIN)
    other = app.sign(ready_to_sign(app, "sktm"), KADIN)  # not a BPJS letter
    return str(enrol["letter_id"]), str(deact["letter_id"]), str(other["letter_id"])


def contracts(app: LettersApplication) -> list:
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]
    return [c for c in map(to_contract, events) if c is not None]


def test_a_monthly_batch_and_its_reconciliation_update_the_requests(app: LettersApplication) -> None:
    enrol, deact, other = issue_batch_letters(app)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    batch = app.get_batch(period)
    assert batch["status"] == "open" and batch["counts"] == {"enrolment": 1, "deactivation": 1}
    assert {e["letter_id"] for e in batch["entries"]} == {enrol, deact}

    closed = app.close_batch(period, KASI)
    assert closed["status"] == "closed"
    name, data = app.batch_file(period, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert name == f"bpjs-pbid-1605-{period}.csv" and tuple(rows[0]) == COLUMNS
    assert {(r["reference"], r["action"]) for r in rows} == {(enrol, "enrolment"), (deact, "deactivation")}
    assert rows[0]["nik"] == NIK  # BPJS needs the NIK: the file goes to BPJS only, never on the bus
    _, xlsx = app.batch_file(period, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(COLUMNS) and sheet.max_row == 3
    assert app.get_letter(enrol)["bpjs"]["period"] == period
    with pytest.raises(InvalidTransition, match="already closed"):
        app.close_batch(period, KASI)

    # BPJS answers in XLSX, in its own words; the deactivation stays pending.
    book = Workbook()
    book.active.append(["reference", "result", "reason"])
    book.active.append([enrol, "DITOLAK", "Sudah terdaftar sebagai peserta mandiri"])
    out = io.BytesIO()
    book.save(out)
    result = app.reconcile(period, out.getvalue(), KASI, "rekon.xlsx")
    assert result["reconciliations"][-1]["rejected"] == 1 and result["reconciliations"][-1]["pending"] == 1
    letter = app.get_letter(enrol)
    assert (letter["bpjs"]["decision"], letter["bpjs"]["reason"]) == ("rejected", "Sudah terdaftar sebagai peserta mandiri")
    # A later file accepts the deactivation.
    app.reconcile(period, f"reference,result,reason\r\n{deact},accepted,\r\n".encode(), KASI)
    assert app.get_letter(deact)["bpjs"]["decision"] == "accepted"

    published = contracts(app)
    submitted = {str(c.letter_id) for c in published if isinstance(c, LetterSubmittedToBpjs)}
    assert submitted == {enrol, deact}
    decided = [c for c in published if isinstance(c, LetterBpjsDecided)]
    assert [(str(c.letter_id), c.decision.value) for c in decided] == [(enrol, "rejected"), (deact, "accepted")]
    assert [c.enrolments for c in published if isinstance(c, BpjsBatchClosed)] == [1]
    assert app.get_letter(other)["bpjs"] is None


def test_bad_reconciliation_files_are_refused_with_the_line(app: LettersApplication) -> None:
    enrol, _, _ = issue_batch_letters(app)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    with pytest.raises(InvalidTransition, match="not been sent"):
        app.reconcile(period, f"reference,result\r\n{enrol},accepted\r\n".encode(), KASI)
    app.close_batch(period, KASI)
    for data, message in ((b"reference,result\r\nx,maybe\r\n", "line 2"), (b"who,what\r\n1,2\r\n", "lacks columns"),
                          (b"reference,result\r\nnot-an-id,accepted\r\n", "reference"), (b"", "empty"),
                          (f"reference,result,reason\r\n{enrol},rejected,NIK\x00\r\n".encode(), "control characters")):
        with pytest.raises(DomainError, match=message) as refused:
            app.reconcile(period, data, KASI)
        assert refused.value.status_code == 422
    stranger = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(InvalidTransition, match="not in the batch"):
        app.reconcile(period, f"reference,result\r\n{stranger},accepted\r\n".encode(), KASI)


def test_the_month_end_deadline_closes_the_batch_once(app: LettersApplication) -> None:
    enrol, _, _ = issue_batch_letters(app)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    book, on_due = deadline_book(app), on_due_for(app)
    next_month = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=32)
    fired = book.fire_due(next_month, on_due)
    assert "close_bpjs_batch" in {d.action for d in fired}
    assert app.get_batch(period)["status"] == "closed"
    assert app.get_letter(enrol)["bpjs"]["action"] == "enrolment"
    assert not [d for d in book.fire_due(next_month, on_due) if d.action == "close_bpjs_batch"]
    # A letter issued after the close goes to the next month's batch.
    late = app.sign(ready_to_sign(app, "rec-kis-pbid-enrolment"), KADIN)
    assert str(late["letter_id"]) in {e["letter_id"] for e in app.get_batch(_next(period))["entries"]}


def _next(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def test_the_operator_command_closes_a_batch_and_writes_its_file(tmp_path, monkeypatch, signer, dtks) -> None:
    from slrt_letters.entrypoints import cli
    from slrt_letters.settings import LettersSettings

    monkeypatch.setenv("SLRT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SLRT_PERSISTENCE", "sqlite")
    app = LettersApplication(LettersSettings(), dtks=dtks, signer=signer)
    app.sign(ready_to_sign(app, "kis-pbid-deactivation"), KADIN)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    assert cli.main(["close-batch", period]) == 0
    assert cli.main(["close-batch", period]) == 2  # already closed: refused, not a traceback
    assert cli.main(["batch-file", period, "csv", str(tmp_path / "out.csv")]) == 0
    assert "deactivation" in (tmp_path / "out.csv").read_text()


def test_kis_letters_signed_at_once_all_join_the_batch(sqlite_app: LettersApplication) -> None:
    letters = [ready_to_sign(sqlite_app, "rec-kis-pbid-enrolment") for _ in range(6)]
    start, errors = threading.Barrier(len(letters)), []

    def sign(letter_id) -> None:  # noqa: ANN001
        try:
            start.wait()
            sqlite_app.sign(letter_id, KADIN)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=sign, args=(x,)) for x in letters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    batch = sqlite_app.get_batch(period_of(dt.datetime.now(dt.timezone.utc)))
    assert {e["letter_id"] for e in batch["entries"]} == {str(x) for x in letters}
