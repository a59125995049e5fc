"""How each contract event shows on the public timeline: plain Indonesian, no personal data."""

from __future__ import annotations

from slrt_contracts import (
    ComplaintRegistered,
    ContractEvent,
    DTKSChecked,
    DTKSStatus,
    LetterInitialled,
    LetterRequested,
    LetterSigned,
    ReferralAnswered,
    ReferralDecision,
    ReferralSent,
)
from slrt_contracts.agencies import agency_name

STATUS_LABELS = {
    "registered": "Pengaduan diterima",
    "dtks_checked": "Data sudah diperiksa di DTKS",
    "referred": "Dirujuk ke instansi terkait",
    "under_review": "Sedang ditinjau lebih lanjut oleh instansi",
    "referral_approved": "Rujukan disetujui",
    "referral_rejected": "Rujukan ditolak",
    "letter_in_progress": "Surat sedang diproses",
    "letter_signed": "Surat sudah ditandatangani",
}

LETTER_TITLES = {
    "sktm": "Surat Keterangan Tidak Mampu (SKTM)",
    "rekomendasi-pbi-daerah": "Rekomendasi KIS PBI-Daerah",
}
PARAF_TITLES = {"kasi": "Kepala Seksi", "kabid": "Kepala Bidang", "sekdin": "Sekretaris Dinas"}


def status_after(event: ContractEvent) -> str | None:
    """The complaint status an event moves to (None: the status does not change)."""
    match event:
        case ComplaintRegistered():
            return "registered"
        case DTKSChecked():
            return "dtks_checked"
        case ReferralSent():
            return "referred"
        case ReferralAnswered(decision=ReferralDecision.APPROVED):
            return "referral_approved"
        case ReferralAnswered(decision=ReferralDecision.REJECTED):
            return "referral_rejected"
        case ReferralAnswered():
            return "under_review"
        case LetterRequested() | LetterInitialled():
            return "letter_in_progress"
        case LetterSigned():
            return "letter_signed"
    return None


def label(event: ContractEvent) -> str:
    match event:
        case ComplaintRegistered():
            return f"Pengaduan diterima dan dicatat dengan nomor {event.receipt_number}"
        case DTKSChecked(status=DTKSStatus.FOUND):
            return "Pemeriksaan DTKS: terdaftar di Data Terpadu Kesejahteraan Sosial"
        case DTKSChecked(status=DTKSStatus.NOT_FOUND):
            return "Pemeriksaan DTKS: belum terdaftar; dapat diusulkan masuk DTKS"
        case DTKSChecked():
            return "Pemeriksaan DTKS: NIK belum ada; perlu pengurusan di Dukcapil"
        case ReferralSent():
            return f"Disetujui manajer SLRT dan dirujuk ke {agency_name(event.agency)}"
        case ReferralAnswered(decision=ReferralDecision.APPROVED):
            return f"{agency_name(event.agency)} menyetujui rujukan"
        case ReferralAnswered(decision=ReferralDecision.REJECTED):
            return f"{agency_name(event.agency)} menolak rujukan; petugas akan menjelaskan alasannya"
        case ReferralAnswered():
            return f"{agency_name(event.agency)} meninjau rujukan lebih lanjut"
        case LetterRequested():
            return f"Permohonan {LETTER_TITLES.get(event.letter_type, event.letter_type)} diterima"
        case LetterInitialled():
            return f"Surat diparaf oleh {PARAF_TITLES.get(event.step.value, event.step.value)}"
        case LetterSigned():
            return (f"{LETTER_TITLES.get(event.letter_type, event.letter_type)} ditandatangani "
                    f"Kepala Dinas Sosial, nomor {event.letter_number}")
    return event.event_name
