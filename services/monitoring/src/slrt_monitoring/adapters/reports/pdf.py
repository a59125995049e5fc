"""Monev report as PDF: the lead's letterhead document (slrt_runtime.pdf) when present, else plain
reportlab with the same tables."""

from __future__ import annotations

import io
from typing import Any

from slrt_runtime.settings import ServiceSettings

from ...domain.areas import area_label
from .sections import sections


def render_pdf(figures: dict[str, Any], title: str, settings: ServiceSettings) -> bytes:
    try:
        from slrt_runtime.pdf import OfficeProfile, PdfDocument
    except ImportError:
        return _reportlab(figures, title, settings)
    doc = PdfDocument(title, OfficeProfile.from_settings(settings))
    doc.heading(title)
    doc.paragraph(f"Wilayah {area_label(figures['filters']['region'])}, periode {figures['filters']['period']} "
                  f"({figures['filters']['from']} s.d. {figures['filters']['to']}).")
    for name, header, rows in sections(figures):
        doc.subheading(name)
        doc.table(header, [[str(c) for c in r] for r in rows] or [["-"] * len(header)])
    return doc.render()


def _reportlab(figures: dict[str, Any], title: str, settings: ServiceSettings) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    story: list[Any] = [Paragraph(f"{settings.office_name} — {settings.office_unit}", styles["Normal"]),
                        Paragraph(title, styles["Title"]),
                        Paragraph(f"Wilayah {area_label(figures['filters']['region'])}, periode {figures['filters']['period']}",
                                  styles["Normal"])]
    for name, header, rows in sections(figures):
        story += [Spacer(1, 8), Paragraph(name, styles["Heading3"])]
        table = Table([header, *([[str(c) for c in r] for r in rows] or [["-"] * len(header)])], hAlign="LEFT")
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                                   ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story.append(table)
    SimpleDocTemplate(out, pagesize=A4, title=title).build(story)
    return out.getvalue()
