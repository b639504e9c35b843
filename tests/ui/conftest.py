"""Shared Qt fixtures for the window tests: offscreen, a CJK font, a kiosk on real SQLite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.config import Settings  # noqa: E402
from kiosk.devices.printer import PreviewPrinter  # noqa: E402
from kiosk.devices.ticket import LayoutOptions  # noqa: E402
from kiosk.queue.service import QueueService  # noqa: E402
from tests.support.kiosk_ui import close_kiosk, make_kiosk  # noqa: E402

# What a machine without sound hardware says while QtMultimedia starts up; and what the
# offscreen platform says about window hints it cannot honour.
QT_NOISE = (
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"No audio device detected",
    r"Couldn't (load|resolve) .+",
    r"This plugin does not support propagateSizeHints\(\)",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(*QT_NOISE))


@pytest.fixture(scope="session")
def ui_font(qapp: QApplication):  # noqa: ANN201 - UiFont, imported lazily
    """The CJK font loaded the way the kiosk loads it at start."""
    from kiosk.ui.qtfonts import install_cjk_font

    return install_cjk_font(qapp)


@pytest.fixture
def kiosk_settings(settings: Settings) -> Settings:
    return replace(settings, kiosk=replace(settings.kiosk, idle_timeout_s=30,
                                           result_timeout_s=10, hide_cursor=True))


@pytest.fixture
def preview_printer(settings: Settings) -> PreviewPrinter:
    return PreviewPrinter(LayoutOptions.from_settings(settings.printer))


@pytest.fixture
def branch(sqlite_queue: QueueService) -> QueueService:
    """The example branch on a real SQLite file: customers imported, counters open."""
    from kiosk.ui.demo import prepare_demo_branch

    prepare_demo_branch(sqlite_queue)
    return sqlite_queue


@pytest.fixture
def kiosk(qapp: QApplication, ui_font, branch: QueueService, kiosk_settings: Settings,  # noqa: ANN001
          preview_printer: PreviewPrinter) -> Iterator:
    window = make_kiosk(qapp, branch, kiosk_settings, preview_printer)
    yield window
    close_kiosk(window)
