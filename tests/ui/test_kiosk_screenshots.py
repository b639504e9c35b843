"""`kiosk screenshots`: every screen, both languages, both print sizes, at the sizes asked for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk.config import Settings
from kiosk.ui.screenshots import save_kiosk_screens

SCREENS = ("home", "identified", "services", "services-late", "result", "result-paper-out",
           "booking-checked-in", "booking-late", "error-booking-not-found",
           "error-booking-other-day", "error-booking-cancelled", "error-booking-locked",
           "manual-entry",
           "error-card-unreadable", "error-invalid-id", "error-service-closed", "error-other",
           "out-of-service", "manager-staff-number", "manager-pin", "manager-pin-refused")


def test_every_screen_in_both_languages_and_print_sizes(
        qapp: QApplication, ui_font, settings: Settings, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "shots"
    paths = save_kiosk_screens(settings, tmp_path, out, [(1024, 768), (1080, 1920)],
                               display_sizes=[(1280, 800)])
    names = {str(p.relative_to(out)) for p in paths}
    for size in ("1024x768", "1080x1920"):
        for screen in SCREENS:
            for lang in ("zh", "en"):
                for large in ("", "-large"):
                    assert f"{size}/kiosk-{screen}{large}-{lang}.png" in names
    for display in ("hall", "counter-1", "counter-3", "counter-4"):
        assert f"1280x800/display-{display}.png" in names
    assert len(paths) == 2 * len(SCREENS) * 2 * 2 + 4
    for path in paths:
        image = QImage(str(path))
        assert f"{image.width()}x{image.height()}" == path.parent.name, path
    zh, en = (QImage(str(out / "1024x768" / f"kiosk-home-{lang}.png")) for lang in ("zh", "en"))
    assert zh != en  # the language really changed what is drawn
    normal, large = (QImage(str(out / "1024x768" / f"kiosk-home{p}-zh.png"))
                     for p in ("", "-large"))
    assert normal != large


def test_every_teller_panel_screen_and_dialog_in_both_languages(
        qapp: QApplication, ui_font, settings: Settings, tmp_path: Path) -> None:  # noqa: ANN001
    from kiosk.ui.screenshots import TELLER_SCENES, save_teller_screens

    out = tmp_path / "shots"
    paths = save_teller_screens(settings, tmp_path, out)
    assert {p.name for p in paths} == {f"teller-{scene}-{lang}.png"
                                       for scene in TELLER_SCENES for lang in ("zh", "en")}
    for path in paths:
        image = QImage(str(path))
        assert image.width() >= 420 and image.height() >= 560, path.name
    zh, en = (QImage(str(out / f"teller-vip-called-{lang}.png")) for lang in ("zh", "en"))
    assert zh != en
