"""The citizen's tracking page: what the receipt's QR code opens in a browser.

The same data as the JSON answer (receipt number, status, timeline labels: codes and plain
Indonesian, never a name or NIK), with what happens next and the time standard, and a form to
type another receipt number. No script, no external file: it loads on a poor connection.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

# What happens next, by the public status. The time standards are intake's defaults
# (services/intake/src/slrt_intake/standards.yaml); a district that changes them changes these words.
NEXT_STEP = {
    "registered": "Petugas memeriksa data Anda di DTKS dan mengkaji pengaduan Anda, biasanya pada hari yang sama.",
    "dtks_checked": "Petugas SLRT mengkaji pengaduan Anda dan meneruskannya ke tingkat yang menanganinya.",
    "assessed": "Pengaduan ditangani di tingkat yang ditunjuk; standar layanan: paling lama 5 hari kerja per tingkat.",
    "escalated": "Tingkat yang lebih tinggi menangani pengaduan Anda; standar layanan: paling lama 5 hari kerja "
                 "(manajer SLRT: 10 hari kerja).",
    "referral_proposed": "Manajer SLRT memeriksa usulan rujukan.",
    "referred": "Instansi tujuan menjawab rujukan; petugas SLRT memantau batas waktunya.",
    "under_review": "Instansi tujuan meninjau rujukan lebih lanjut.",
    "referral_approved": "Instansi tujuan menindaklanjuti rujukan dan melaporkan hasilnya.",
    "referral_rejected": "Petugas SLRT akan menghubungi Anda untuk menjelaskan dan mencari jalan lain.",
    "referral_outcome": "Petugas SLRT mencatat hasil dan menanyakan kepuasan Anda.",
    "referral_revoked": "Petugas SLRT akan menghubungi Anda.",
    "referral_declined": "Petugas SLRT akan menghubungi Anda untuk menjelaskan.",
    "letter_in_progress": "Surat sedang diparaf dan ditandatangani.",
    "letter_signed": "Surat dapat diambil atau dikirim; keasliannya dapat diperiksa dengan kode QR pada surat.",
    "letter_rejected": "Petugas akan menjelaskan alasannya dan apa yang perlu dilengkapi.",
    "letter_revoked": "Hubungi petugas SLRT bila ada pertanyaan.",
    "appealed": "Keberatan Anda ditinjau ulang di tingkat yang lebih tinggi.",
    "resolved": "Bila tidak puas dengan hasilnya, Anda dapat mengajukan keberatan di loket SLRT atau Puskesos "
                "dalam masa keberatan.",
}

STYLE = ("body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;font-size:19px;line-height:1.4}"
         "header{background:#0b0c0c;color:#fff;padding:12px 16px;border-bottom:8px solid #1d70b8;font-weight:700}"
         "main{max-width:760px;margin:0 auto;padding:16px}h1{font-size:28px;margin:8px 0 12px}"
         ".status{border:4px solid #00703c;padding:12px;font-size:22px;font-weight:700;margin:12px 0}"
         ".next{border-left:6px solid #ffdd00;background:#fffbe0;padding:10px 12px}"
         "ol{padding-left:22px}li{margin:0 0 10px}time{display:block;color:#505a5f;font-size:16px}"
         "form{margin-top:28px;background:#f3f2f1;padding:12px}label{display:block;font-weight:700}"
         "input{font:inherit;padding:6px;border:2px solid #0b0c0c;width:100%;max-width:320px;box-sizing:border-box}"
         "button{font:inherit;font-weight:700;background:#00703c;color:#fff;border:0;padding:8px 14px;margin-top:8px}"
         ".missing{border:4px solid #d4351c;padding:12px}")


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return escape(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(WIB)
    return moment.strftime("%d-%m-%Y %H:%M WIB")


def _form(receipt: str = "") -> str:
    return ('<form method="get" action="/public/track"><label for="receipt">Nomor resi</label>'
            f'<input id="receipt" name="receipt" value="{escape(receipt)}" placeholder="RK-1605-26-000123">'
            '<br><button type="submit">Lihat perkembangan</button></form>')


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">'
            f"<style>{STYLE}</style></head><body><header>SLRT · Lacak pengaduan</header><main>{body}</main></body></html>")


def tracking_page(tracking: dict[str, Any]) -> str:
    steps, seen = [], set()
    for step in tracking["timeline"]:
        key = (step["at"], step["label"])
        if key in seen:  # a notice re-sent (another channel, a retry) shows once
            continue
        seen.add(key)
        steps.append(f'<li><time>{_when(step["at"])}</time>{escape(step["label"])}</li>')
    next_step = NEXT_STEP.get(tracking["status"], "")
    body = (f'<h1>Pengaduan {escape(tracking["receipt_number"])}</h1>'
            f'<div class="status" data-status="{escape(tracking["status"])}">{escape(tracking["status_label"])}</div>'
            + (f'<p class="next"><b>Selanjutnya:</b> {escape(next_step)}</p>' if next_step else "")
            + f'<h2>Riwayat</h2><ol class="timeline">{"".join(steps)}</ol>'
            + f'<p>Diterima: {_when(tracking.get("registered_at"))} · Diperbarui: {_when(tracking.get("updated_at"))}</p>'
            + _form())
    return _page(f"Pengaduan {tracking['receipt_number']}", body)


def not_found_page(receipt: str) -> str:
    body = ('<h1>Lacak pengaduan</h1>'
            + (f'<p class="missing">Nomor resi <b>{escape(receipt)}</b> tidak ditemukan. Periksa kembali nomor pada '
               'resi Anda; pengaduan yang baru dicatat dapat muncul beberapa saat kemudian.</p>' if receipt else
               '<p>Ketik nomor resi yang tercetak pada resi pengaduan Anda.</p>')
            + _form(receipt))
    return _page("Lacak pengaduan", body)
