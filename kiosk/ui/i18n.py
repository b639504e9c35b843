"""Screen languages with Qt's own tools: Chinese source strings, an English translation.

The strings in the code are Chinese (the kiosk's first language), so a missing
translation file can never leave a Chinese customer without text. English comes from
`assets/i18n/kiosk_en.qm`, built from `kiosk_en.ts` by `tools/build_translations.py`
(pyside6-lrelease), which the set-up runs; `kiosk doctor` reports a missing one.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parents[2] / "assets" / "i18n"
LANGUAGES = ("zh", "en")  # the first is the kiosk's default


class ChainTranslator(QTranslator):
    """Several catalogues as one translator (the kiosk's, the teller panel's, ...): Qt
    keeps one translator per application in `Languages`, so they are asked in turn."""

    def __init__(self, parts: list[QTranslator]) -> None:
        super().__init__()
        self.parts = parts

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        for part in self.parts:
            found = part.translate(context, source, disambiguation, n)
            if found:
                return found
        return ""

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return all(part.isEmpty() for part in self.parts)


def _catalogue(name: str, language: str, directory: Path) -> QTranslator | None:
    qm = directory / f"{name}_{language}.qm"
    translator = QTranslator()
    if qm.is_file() and translator.load(str(qm)):
        return translator
    log.error("%s is not built (run tools/build_translations.py, part of the set-up); "
              "its screens stay in Chinese", qm)
    return None


def load_translator(language: str, directory: Path = I18N_DIR) -> QTranslator | None:
    """The translator for `language` (every `<station>_<language>` catalogue in
    `directory`, the kiosk's first), None for the source language (Chinese)."""
    if language == LANGUAGES[0]:
        return None
    names = sorted({p.name.rsplit("_", 1)[0] for p in directory.glob(f"*_{language}.ts")},
                   key=lambda n: (n != "kiosk", n))
    parts = [t for t in (_catalogue(name, language, directory) for name in names)
             if t is not None]
    if not parts:
        log.warning("no translation for %r in %s; the screens stay in Chinese", language,
                    directory)
        return None
    return parts[0] if len(parts) == 1 else ChainTranslator(parts)


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
