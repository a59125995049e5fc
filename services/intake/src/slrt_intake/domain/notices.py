"""What to tell the citizen at each step that matters to them (plain Indonesian, no personal data).

The text is fixed when the step happens and stored with the notice, so staff and the sender say
exactly what was decided then.
"""

from __future__ import annotations

import datetime as dt

from slrt_contracts.agencies import agency_name
from slrt_contracts.events.intake import Level

LEVEL_NAMES = {
    Level.FRONT_OFFICE: "front office",
    Level.PUSKESOS: "Puskesos desa/kelurahan",
    Level.SUPERVISOR: "supervisor SLRT kecamatan",
    Level.BACK_OFFICE: "back office Sekretariat SLRT",
    Level.MANAGER: "manajer SLRT kabupaten/kota",
}


def _date(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d-%m-%Y")


def registered(receipt: str) -> str:
    return (f"Pengaduan Anda diterima dengan nomor {receipt}. Simpan nomor ini untuk mengecek status "
            "pengaduan; petugas akan memeriksa data Anda di DTKS.")


def answered() -> str:
    return "Pertanyaan Anda sudah dijawab petugas. Pengaduan ditutup; silakan datang lagi bila ada pertanyaan lain."


def civil_registry() -> str:
    return ("NIK/KK Anda belum tercatat. Petugas membuatkan surat rekomendasi ke Dinas Dukcapil; pengaduan "
            "dilanjutkan setelah surat itu terbit.")


def not_in_dtks() -> str:
    return ("Anda belum terdaftar di DTKS: data Anda diusulkan masuk DTKS (prelist) dan pengaduan tetap "
            "ditindaklanjuti.")


def resumed() -> str:
    return "Surat rekomendasi ke Dukcapil sudah terbit. Pengaduan Anda dilanjutkan."


def handled_by(level: Level, due: dt.datetime, tz: dt.tzinfo) -> str:
    return f"Pengaduan Anda ditangani oleh {LEVEL_NAMES[level]}, paling lambat {_date(due, tz)}."


def escalated(level: Level, due: dt.datetime, tz: dt.tzinfo) -> str:
    return f"Pengaduan Anda diteruskan ke {LEVEL_NAMES[level]}, paling lambat {_date(due, tz)}."


def referral(agency: str, state: str, reason_given: bool) -> str:
    name = agency_name(agency)
    match state:
        case "sent":
            return f"Pengaduan Anda dirujuk ke {name}."
        case "accepted" | "approved":
            return f"{name} menerima rujukan Anda."
        case "rejected":
            extra = "; petugas akan menjelaskan alasannya" if reason_given else ""
            return f"{name} menolak rujukan Anda{extra}."
        case "further_review":
            return f"{name} meninjau rujukan Anda lebih lanjut."
        case "outcome_reported":
            return f"{name} sudah menyampaikan hasil tindak lanjut rujukan Anda."
        case "revoked":
            return f"Rujukan ke {name} dibatalkan oleh Sekretariat SLRT."
        case "redirected":
            return f"Rujukan ke {name} dialihkan ke instansi lain."
    return f"Ada kabar baru tentang rujukan Anda ke {name}."


def resolved(appeal_until: dt.datetime, tz: dt.tzinfo) -> str:
    return (f"Pengaduan Anda sudah diselesaikan. Bila tidak puas, Anda dapat mengajukan banding sampai "
            f"{_date(appeal_until, tz)}.")


def appealed(level: Level, due: dt.datetime, tz: dt.tzinfo) -> str:
    return f"Banding Anda diterima dan ditangani oleh {LEVEL_NAMES[level]}, paling lambat {_date(due, tz)}."
