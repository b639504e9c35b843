"""Languages are the application's: any switcher can undo what another switched on."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from kiosk.ui.i18n import Languages


def home_title() -> str:
    return QCoreApplication.translate("HomeScreen", "请刷卡或插入身份证")


def test_a_second_switcher_takes_the_first_ones_english_out(qapp: QApplication) -> None:
    first, second = Languages(qapp), Languages(qapp)
    first.set("en")
    assert home_title() == "Please swipe your card or insert your ID card"
    second.set("zh")  # e.g. a new kiosk window after a screenshot run left English on
    assert home_title() == "请刷卡或插入身份证"
    second.set("en")
    first.set("zh")
    assert home_title() == "请刷卡或插入身份证"
