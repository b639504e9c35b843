"""Screen languages with Qt's own tools: Chinese source strings, an English translation.

The strings in the code are Chinese (the kiosk's first language), so a missing
translation file can never leave a Chinese customer without text. English comes from
`assets/i18n/kiosk_en.qm`, built from `kiosk_en.ts` by `tools/build_translations.py`
(pyside6-lrelease). If the .qm has not been built, the .ts is read directly (slower,
logged), so English still works on a developer's checkout.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parents[2] / "assets" / "i18n"
LANGUAGES = ("zh", "en")  # the first is the kiosk's default


class TsTranslator(QTranslator):
    """Reads a Qt Linguist .ts file directly (the fallback when no .qm is built)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._table: dict[tuple[str, str], str] = {}
        root = ET.parse(path).getroot()
        for ctx in root.iter("context"):
            name = ctx.findtext("name") or ""
            for msg in ctx.iter("message"):
                source = msg.findtext("source") or ""
                tr = msg.find("translation")
                if tr is not None and tr.text and tr.get("type") not in ("unfinished",
                                                                         "obsolete"):
                    self._table[(name, source)] = tr.text

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        return self._table.get((context, source), "")

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return not self._table


def load_translator(language: str, directory: Path = I18N_DIR) -> QTranslator | None:
    """The translator for `language`, None for the source language (Chinese)."""
    if language == LANGUAGES[0]:
        return None
    qm = directory / f"kiosk_{language}.qm"
    translator = QTranslator()
    if qm.is_file() and translator.load(str(qm)):
        return translator
    ts = directory / f"kiosk_{language}.ts"
    if ts.is_file():
        log.warning("%s is not built; reading %s (run tools/build_translations.py)", qm, ts.name)
        return TsTranslator(ts)
    log.warning("no translation for %r in %s; the screens stay in Chinese", language, directory)
    return None


# Qt keeps translators per application, not per window: whichever Languages object
# switched last, the next one must be able to take its translator out again.
_INSTALLED: dict[int, QTranslator] = {}


class Languages:
    """Switches the application's language; widgets retranslate on LanguageChange."""

    def __init__(self, app: QCoreApplication, directory: Path = I18N_DIR) -> None:
        self._app = app
        self._dir = directory
        self._translators: dict[str, QTranslator | None] = {}
        self.current = LANGUAGES[0]

    def set(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        if language not in self._translators:
            self._translators[language] = load_translator(language, self._dir)
        installed = _INSTALLED.pop(id(self._app), None)
        if installed is not None:
            self._app.removeTranslator(installed)
        translator = self._translators[language]
        if translator is not None:
            self._app.installTranslator(translator)
            _INSTALLED[id(self._app)] = translator
        self.current = language
