"""Printable documents (receipts, letters, monev reports): A4 with the office letterhead, in reportlab.

One builder for every service so that every paper the office hands out looks the same and carries
the same letterhead; services add their own content, never their own layout engine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .settings import ServiceSettings


@dataclass(frozen=True)
class OfficeProfile:
    """The letterhead (kop surat): who issues the document."""

    name: str
    unit: str
    address: str
    city: str

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> OfficeProfile:
        return cls(settings.office_name, settings.office_unit, settings.office_address, settings.office_city)


_styles = getSampleStyleSheet()
_BODY = ParagraphStyle("slrt-body", parent=_styles["BodyText"], fontName="Helvetica", fontSize=10, leading=13)
_SMALL = ParagraphStyle("slrt-small", parent=_BODY, fontSize=8, leading=10, textColor=colors.HexColor("#444444"))
_HEADING = ParagraphStyle("slrt-heading", parent=_BODY, fontName="Helvetica-Bold", fontSize=12, leading=15,
                          alignment=1, spaceBefore=6, spaceAfter=6)
_SUBHEADING = ParagraphStyle("slrt-subheading", parent=_BODY, fontName="Helvetica-Bold", fontSize=10.5,
                             spaceBefore=6, spaceAfter=3)
_HEAD_NAME = ParagraphStyle("slrt-head-name", parent=_BODY, fontName="Helvetica-Bold", fontSize=13, leading=16,
                            alignment=1)
_HEAD_LINE = ParagraphStyle("slrt-head-line", parent=_BODY, fontSize=9.5, leading=12, alignment=1)


def _text(value: object) -> str:
    """Escape user-supplied text for reportlab's mini-markup (a name with '&' must not break a PDF)."""
    return escape(str(value)).replace("\n", "<br/>")


class PdfDocument:
    """Build a document top to bottom, then :meth:`render` it to bytes."""

    def __init__(self, title: str, office: OfficeProfile, *, author: str | None = None) -> None:
        self.title, self.office, self.author = title, office, author or office.name
        self._story: list[Flowable] = [
            Paragraph(_text(office.name.upper()), _HEAD_NAME),
            Paragraph(_text(office.unit), _HEAD_LINE),
            Paragraph(_text(office.address), _HEAD_LINE),
            HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=4, spaceAfter=8),
        ]

    def heading(self, text: str) -> PdfDocument:
        self._story.append(Paragraph(_text(text), _HEADING))
        return self

    def subheading(self, text: str) -> PdfDocument:
        self._story.append(Paragraph(_text(text), _SUBHEADING))
        return self

    def paragraph(self, text: str, *, small: bool = False) -> PdfDocument:
        self._story.append(Paragraph(_text(text), _SMALL if small else _BODY))
        return self

    def spacer(self, height_mm: float = 4) -> PdfDocument:
        self._story.append(Spacer(1, height_mm * mm))
        return self

    def fields(self, rows: Sequence[tuple[str, object]]) -> PdfDocument:
        """Label : value lines, as on a form."""
        data = [[Paragraph(_text(label), _BODY), ":", Paragraph(_text(value), _BODY)] for label, value in rows]
        table = Table(data, colWidths=[50 * mm, 4 * mm, None], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        self._story.append(table)
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
              col_widths: Sequence[float] | None = None) -> PdfDocument:
        data = [[Paragraph(f"<b>{_text(h)}</b>", _SMALL) for h in header]]
        data += [[Paragraph(_text(cell), _SMALL) for cell in row] for row in rows]
        table = Table(data, colWidths=[w * mm for w in col_widths] if col_widths else None, repeatRows=1,
                      hAlign="LEFT")
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        self._story.append(table)
        return self

    def qr(self, url: str, caption: str, size_mm: float = 32) -> PdfDocument:
        # The QrCode flowable encodes once and draws on the canvas; a QrCodeWidget in a Drawing
        # encodes twice and builds a shape per module, which was most of a letter's render time.
        side = size_mm * mm
        code = QrCode(url, width=side, height=side, qrBorder=2)
        table = Table([[code, Paragraph(f"{_text(caption)}<br/><font size=7>{_text(url)}</font>", _SMALL)]],
                      colWidths=[side + 4 * mm, None], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        self._story.append(KeepTogether([Spacer(1, 3 * mm), table]))
        return self

    def signature_block(self, place_date: str, position: str, name: str, *, space_mm: float = 22,
                        nip: str | None = None) -> PdfDocument:
        """Right-aligned: "<city>, <date>", the position, room for the signature, the name (and the
        civil servant's NIP under it, as official letters print it)."""
        rows = [[""], [Paragraph(_text(place_date), _BODY)], [Paragraph(_text(position), _BODY)],
                [Spacer(1, space_mm * mm)], [Paragraph(f"<b>{_text(name)}</b>", _BODY)]]
        if nip:
            rows.append([Paragraph(_text(f"NIP. {nip}"), _BODY)])
        block = Table(rows, colWidths=[75 * mm], hAlign="RIGHT")
        self._story.append(KeepTogether([Spacer(1, 6 * mm), block]))
        return self

    def append(self, flowable: Flowable) -> PdfDocument:
        """For layouts the helpers above do not cover (a service's own table style, a chart)."""
        self._story.append(flowable)
        return self

    def render(self) -> bytes:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, title=self.title, author=self.author,
                                leftMargin=20 * mm, rightMargin=20 * mm, topMargin=15 * mm, bottomMargin=15 * mm)

        def footer(canvas, document) -> None:  # type: ignore[no-untyped-def]
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            canvas.drawRightString(A4[0] - 20 * mm, 8 * mm, f"{self.title} - halaman {document.page}")
            canvas.restoreState()

        doc.build(list(self._story), onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()
