"""The phone page's browser for the tests: Debian's chromium over a DevTools pipe."""

from kiosk.web.browser import Browser, BrowserError, Page, chromium_path

__all__ = ["Browser", "BrowserError", "Page", "chromium_path"]
