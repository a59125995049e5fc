"""Benchmark: render and digitally sign one letter (target: under 200 ms), beside the raw costs of
the same backends measured in the same run: reportlab rendering a blank A4 page, and pyhanko signing
a minimal PDF with the same key.

    .venv/bin/python bench/letters_render_sign.py [--rounds 30]

What "one letter" is: the letters service's own code path (layout with letterhead, population data,
QR code to the verification page, then PAdES signature with the office certificate), without the
event store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from slrt_letters.adapters.pdf import render_letter
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.domain.catalogue import catalogue
from slrt_letters.settings import LettersSettings
from slrt_runtime.pdf import OfficeProfile

LETTER = {
    "applicant": {"nik": "1605014101900003", "name": "Siti Aminah", "birth_place": "Muara Beliti",
                  "birth_date": "1990-01-01", "sex": "F", "address": "Dusun II, Desa Lubuk Rumbai",
                  "family_card_number": "1605010101900001", "organisation": False},
    "purpose": "Keringanan biaya pengobatan rawat inap", "destination": "RSUD Dr. Sobirin", "found_location": None,
}


def measure(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    fn()  # warm-up: imports, font and key caches
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def blank_page() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.showPage()
    c.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    settings = LettersSettings(data_dir=Path(tempfile.mkdtemp(prefix="letters-bench-")))
    signer = LetterSigner(settings)
    office = OfficeProfile.from_settings(settings)
    kind = catalogue()["rec-health-fee-waiver"]
    now = dt.datetime.now(dt.timezone.utc)
    minimal = blank_page()

    def render() -> bytes:
        return render_letter(kind=kind, office=office, letter=LETTER, letter_number="427.42/0001/Dinsos/2026",
                             issued_at=now, signer_title="Kepala Dinas Sosial", signer_name="(Nama)",
                             verification_url="http://127.0.0.1:8004/public/verify/c2b8e6d4-91f3-4a27-b05d-8e3f6a7c4d03")

    def render_and_sign() -> bytes:
        return signer.sign(render(), reason="bench", location=office.city, letter_ref="slrt-letter:bench")

    rows = [
        ("raw: reportlab blank A4 page", measure(blank_page, args.rounds)),
        ("raw: pyhanko PAdES sign of a minimal PDF", measure(
            lambda: signer.sign(minimal, reason="bench", location="x", letter_ref="x"), args.rounds)),
        ("letter: render (letterhead, data, QR)", measure(render, args.rounds)),
        ("letter: render + PAdES sign", measure(render_and_sign, args.rounds)),
        ("letter: verify signed PDF (pyhanko)", measure(lambda: signer.verify(signed), args.rounds)),
    ] if (signed := render_and_sign()) else []
    print(f"{'step':<46} {'median ms':>10} {'max ms':>8}   ({args.rounds} rounds, RSA-2048 dev certificate)")
    for name, (median, worst) in rows:
        print(f"{name:<46} {median:>10.1f} {worst:>8.1f}")
    total = rows[3][1][0]
    print(f"\nrender + sign one letter: {total:.1f} ms median (target < 200 ms: {'met' if total < 200 else 'NOT met'})")


if __name__ == "__main__":
    main()
