"""`kiosk screenshots`: every screen, both languages, at the size asked for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk.config import Settings
from kiosk.ui.screenshots import save_kiosk_screens

SCREENS = ("home", "identified", "services", "services-late", "result", "result-paper-out",
           "manual-entry", "error-card-unreadable", "error-invalid-id", "error-service-closed",
           "error-other", "out-of-service", "manager-pin")


def test_every_screen_in_both_languages(qapp: QApplication, ui_font, settings: Settings,  # noqa: ANN001
                                        tmp_path: Path) -> None:
    out = tmp_path / "shots"
    paths = save_kiosk_screens(settings, tmp_path, out, (1024, 768))
    names = {p.name for p in paths}
    for screen in SCREENS:
        for lang in ("zh", "en"):
            assert f"kiosk-{screen}-{lang}.png" in names
    assert "kiosk-home-large-zh.png" in names
    for path in paths:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1024, 768), path.name
    zh, en = (QImage(str(out / f"kiosk-home-{lang}.png")) for lang in ("zh", "en"))
    assert zh != en  # the language really changed what is drawn
