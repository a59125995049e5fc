"""How each contract event shows on the public timeline: plain Indonesian, no personal data.

Looked up by event name so that producers' new events show sensibly before monitoring knows them
by heart. Only codes (agency, letter type, receipt and letter numbers) ever go into a label, never a
field that could carry a person's data (reasons, names, free text).
"""

from __future__ import annotations

from slrt_contracts import ContractEvent
from slrt_contracts.agencies import agency_name

from .fields import get

STATUS_LABELS = {
    "registered": "Pengaduan diterima",
    "dtks_checked": "Data sudah diperiksa di DTKS",
    "assessed": "Pengaduan sudah dinilai petugas",
    "escalated": "Pengaduan diteruskan ke tingkat yang lebih tinggi",
    "referral_proposed": "Rujukan sedang disiapkan",
    "referred": "Dirujuk ke instansi terkait",
    "under_review": "Sedang ditinjau lebih lanjut oleh instansi",
    "referral_approved": "Rujukan disetujui",
    "referral_rejected": "Rujukan ditolak",
    "referral_outcome": "Hasil rujukan sudah dilaporkan",
    "referral_revoked": "Rujukan dibatalkan",
    "referral_declined": "Rujukan tidak disetujui manajer SLRT",
    "letter_rejected": "Permohonan surat ditolak",
    "letter_in_progress": "Surat sedang diproses",
    "letter_signed": "Surat sudah ditandatangani",
    "letter_revoked": "Surat dicabut",
    "appealed": "Pengadu mengajukan keberatan; sedang ditinjau ulang",
    "resolved": "Pengaduan selesai ditangani",
}
CLOSED = frozenset({"resolved"})

LEVEL_LABELS = {"puskesos": "Puskesos (desa/kelurahan)", "front_office": "Front office SLRT",
                "supervisor": "Supervisor (kecamatan)", "back_office": "Back office SLRT", "manager": "Manajer SLRT"}

LETTER_TITLES = {
    "sktm": "Surat Keterangan Tidak Mampu (SKTM)",
    "rekomendasi-pbi-daerah": "Rekomendasi KIS PBI-Daerah",
    "rec-civil-registry": "Surat rekomendasi ke Dukcapil",
}
PARAF_TITLES = {"kasi": "Kepala Seksi", "kabid": "Kepala Bidang", "sekdin": "Sekretaris Dinas"}

_STATUS_BY_NAME = {
    "ComplaintRegistered": "registered", "DTKSChecked": "dtks_checked", "ComplaintAssessed": "assessed",
    "ComplaintEscalated": "escalated", "ComplaintResolved": "resolved", "ComplaintClosed": "resolved",
    "ComplaintAppealed": "appealed", "ComplaintReopened": "appealed",
    "ReferralProposed": "referral_proposed", "ReferralDeclined": "referral_declined", "ReferralSent": "referred", "ReferralRedirected": "referred",
    "ReferralOutcomeReported": "referral_outcome",
    "ReferralRevoked": "referral_revoked",
    "LetterRequested": "letter_in_progress", "LetterInitialled": "letter_in_progress",
    "LetterSigned": "letter_signed", "LetterIssued": "letter_signed", "LetterRevoked": "letter_revoked",
    "LetterRejected": "letter_rejected",
}
_ANSWER_STATUS = {"approved": "referral_approved", "rejected": "referral_rejected", "further_review": "under_review"}


def initial_level(channel: str | None) -> str:
    """Where a complaint is first handled: the village centre or the district secretariat."""
    return "puskesos" if channel in ("puskesos", "facilitator") else "front_office"


def status_after(event: ContractEvent) -> str | None:
    """The complaint status an event moves to (None: the status does not change)."""
    if event.event_name == "ReferralAnswered":
        return _ANSWER_STATUS.get(get(event, "decision"), "under_review")
    return _STATUS_BY_NAME.get(event.event_name)


def _letter_title(event: ContractEvent) -> str:
    letter_type = get(event, "letter_type") or "surat"
    return LETTER_TITLES.get(letter_type, f"Surat {letter_type}")


def label(event: ContractEvent) -> str:  # noqa: PLR0911, C901 - one line per event kind
    name = event.event_name
    agency = agency_name(a) if (a := get(event, "agency")) else "instansi terkait"
    match name:
        case "ComplaintRegistered":
            return f"Pengaduan diterima dan dicatat dengan nomor {event.receipt_number}"
        case "DTKSChecked":
            return {
                "found": "Pemeriksaan DTKS: terdaftar di Data Terpadu Kesejahteraan Sosial",
                "not_found": "Pemeriksaan DTKS: belum terdaftar; diusulkan masuk DTKS",
            }.get(get(event, "status"), "Pemeriksaan DTKS: NIK belum ada; perlu pengurusan di Dukcapil")
        case "ComplaintAssessed":
            return "Pengaduan dinilai oleh petugas SLRT"
        case "ComplaintEscalated":
            level = get(event, "to_level", "level")
            return f"Pengaduan diteruskan ke tingkat {LEVEL_LABELS.get(str(level), 'yang lebih tinggi')}"
        case "ComplaintResolved" | "ComplaintClosed":
            return "Pengaduan selesai ditangani"
        case "ComplaintAppealed" | "ComplaintReopened":
            return "Pengadu mengajukan keberatan; pengaduan ditinjau ulang"
        case "ReferralProposed":
            return f"Petugas mengusulkan rujukan ke {agency}"
        case "ReferralSent":
            return f"Disetujui manajer SLRT dan dirujuk ke {agency}"
        case "ReferralAnswered":  # accepted, rejected and further review are all this one event
            return {"approved": f"{agency} menyetujui rujukan",
                    "rejected": f"{agency} menolak rujukan; petugas akan menjelaskan alasannya",
                    }.get(get(event, "decision"), f"{agency} meninjau rujukan lebih lanjut")
        case "ReferralOutcomeReported":
            return f"{agency} melaporkan hasil tindak lanjut rujukan"
        case "ReferralDeclined":
            return "Usulan rujukan tidak disetujui manajer SLRT; petugas akan menjelaskan"
        case "ComplaintResumed":
            return "Pengaduan dilanjutkan setelah dokumen kependudukan diterima"
        case "CitizenNotified":
            return "Pemberitahuan dikirim kepada pengadu"
        case "DisclosureConsentRecorded":
            return "Persetujuan pengadu tentang berbagi data dicatat"
        case "LetterDocumentsChecked":
            return "Kelengkapan dokumen permohonan surat diperiksa"
        case "LetterValidated":
            return "Data permohonan surat divalidasi"
        case "LetterRejected":
            return "Permohonan surat ditolak; petugas akan menjelaskan alasannya"
        case "LetterReturned":
            return "Permohonan surat dikembalikan untuk dilengkapi"
        case "LetterSubmittedToBpjs":
            return "Usulan dikirim ke BPJS Kesehatan"
        case "LetterBpjsDecided":
            return "BPJS Kesehatan sudah memutuskan usulan"
        case "ReferralRevoked":
            return "Rujukan dibatalkan oleh SLRT"
        case "ReferralRedirected":  # the event's agency is the one it was taken from
            to = get(event, "redirected_to_agency")
            return f"Rujukan dialihkan ke {agency_name(to)}" if to else "Rujukan dialihkan ke instansi lain"
        case "LetterRequested":
            return f"Permohonan {_letter_title(event)} diterima"
        case "LetterInitialled":
            step = get(event, "step") or ""
            return f"Surat diparaf oleh {PARAF_TITLES.get(step, step)}"
        case "LetterSigned":
            return f"{_letter_title(event)} ditandatangani Kepala Dinas Sosial, nomor {event.letter_number}"
        case "LetterIssued":
            return f"{_letter_title(event)} diterbitkan"
        case "LetterRevoked":
            return f"{_letter_title(event)} dicabut"
    if name.endswith("Overdue"):
        return "Batas waktu layanan terlewati; penanganan dipercepat"
    if name.startswith("Prelist"):
        return "Usulan masuk DTKS diproses (verifikasi dan validasi)"
    return "Pengaduan diperbarui"
