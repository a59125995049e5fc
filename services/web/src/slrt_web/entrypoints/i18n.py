"""Indonesian texts from the message catalogue (``locale/id/LC_MESSAGES/messages.po``).

The .po file is the one place a district adjusts wording; it is compiled when the application
starts (no build step, no compiled file to forget). Message ids are English; a missing translation
falls back to the id, and a test keeps the catalogue complete.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGE = "id"


@lru_cache(maxsize=4)
def translations(language: str = LANGUAGE) -> Translations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations().gettext(message)
