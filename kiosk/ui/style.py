"""The kiosk's look: calm, high contrast, very large type (elderly-friendly, 适老化).

Sizes are pixels at the normal print size; large-print mode multiplies them. Colours keep
a contrast ratio of at least 7:1 for body text (WCAG AAA) on their backgrounds.
"""

from __future__ import annotations

NAVY = "#0f2f52"  # header and titles
INK = "#111111"  # body text
MUTED = "#3d4650"  # secondary text, still 9:1 on white
PAPER = "#f3f5f8"  # screen background
CARD = "#ffffff"
RED = "#a61b1b"  # the bank's primary action colour (white text on it: 7.4:1)
RED_DOWN = "#7f1414"
GOLD = "#8a5a00"  # VIP accents (7:1 on white)
AMBER_BG = "#fff4d6"  # calm notice background
AMBER_EDGE = "#c98a00"
GREY_BG = "#e4e7eb"
GREY_TEXT = "#4a525b"
GREEN = "#14632d"

NORMAL_SCALE = 1.0
LARGE_SCALE = 1.3
DESIGN_HEIGHT = 1000  # sizes below are for a screen this tall; others scale with height
DESIGN_WIDTH = 1100  # ... and at least this wide (a portrait kiosk scales with its width)


def fit_scale(height: int, large_print: bool = False, width: int | None = None) -> float:
    """The type scale for a window this size: 1080p kiosks a little larger, 800 smaller.

    Large print is always LARGE_SCALE times the normal print of the same window; the
    screens reflow (stack, wrap, leave out pictures) to make room for it."""
    base = height / DESIGN_HEIGHT
    if width is not None:
        base = min(base, width / DESIGN_WIDTH)
    base = min(1.6, max(0.7, base))
    return round(base * (LARGE_SCALE if large_print else NORMAL_SCALE), 2)


def px(size: float, scale: float) -> int:
    return round(size * scale)


def stylesheet(scale: float = NORMAL_SCALE) -> str:
    """The whole kiosk's style sheet at this print size."""

    def f(size: float) -> str:
        return f"{px(size, scale)}px"

    return f"""
    QWidget#kiosk {{ background: {PAPER}; color: {INK}; }}
    QLabel {{ color: {INK}; font-size: {f(28)}; }}
    QWidget#topbar {{ background: {NAVY}; }}
    QLabel#branch {{ color: white; font-size: {f(26)}; font-weight: bold; }}
    QLabel#clock {{ color: white; font-size: {f(30)}; font-weight: bold; }}
    QLabel#demo {{ color: {NAVY}; background: #ffd966; border-radius: 8px; padding: 4px 12px;
                   font-size: {f(18)}; font-weight: bold; }}
    QPushButton#toggle {{ color: white; background: transparent; border: 3px solid white;
                          border-radius: 12px; padding: {f(4)} {f(18)}; font-size: {f(26)};
                          font-weight: bold; min-height: {f(48)}; }}
    QPushButton#toggle:checked {{ background: white; color: {NAVY}; }}
    QLabel#title {{ color: {NAVY}; font-size: {f(64)}; font-weight: bold; }}
    QLabel#entrytitle {{ color: {NAVY}; font-size: {f(48)}; font-weight: bold; }}
    QLabel#subtitle {{ color: {MUTED}; font-size: {f(32)}; }}
    QLabel#greeting {{ color: {GOLD}; font-size: {f(56)}; font-weight: bold; }}
    QLabel#greetname {{ color: {INK}; font-size: {f(48)}; font-weight: bold; }}
    QLabel#badge {{ color: white; background: {GOLD}; border-radius: 14px; padding: 8px 24px;
                    font-size: {f(30)}; font-weight: bold; }}
    QLabel#hint {{ color: {INK}; background: {CARD}; border-left: 10px solid {GREEN};
                   border-radius: 6px; padding: 12px 20px; font-size: {f(26)}; }}
    QLabel#calm {{ background: transparent; }}
    QLabel#number {{ color: {RED}; font-size: {f(190)}; font-weight: bold; }}
    QLabel#numbercaption {{ color: {MUTED}; font-size: {f(34)}; }}
    QLabel#servicename {{ color: {NAVY}; font-size: {f(40)}; font-weight: bold; }}
    QLabel#ahead {{ color: {INK}; font-size: {f(44)}; font-weight: bold; }}
    QLabel#wait {{ color: {INK}; font-size: {f(36)}; }}
    QLabel#take {{ color: {GREEN}; font-size: {f(32)}; font-weight: bold; }}
    QLabel#countdown {{ color: {MUTED}; font-size: {f(24)}; }}
    QLabel#notice {{ color: {INK}; background: {AMBER_BG}; border: 3px solid {AMBER_EDGE};
                     border-radius: 16px; padding: 18px 24px; font-size: {f(30)}; }}
    QLabel#msgtitle {{ color: {NAVY}; font-size: {f(56)}; font-weight: bold; }}
    QLabel#msgbody {{ color: {INK}; font-size: {f(34)}; }}
    QLabel#entry {{ color: {INK}; background: {CARD}; border: 4px solid {NAVY};
                    border-radius: 14px; padding: {f(6)} {f(20)}; font-size: {f(52)};
                    font-weight: bold; min-height: {f(72)}; }}
    QLabel#preview {{ background: {CARD}; border: 1px solid #c8cdd3; padding: 12px; }}
    QPushButton {{ font-size: {f(34)}; border-radius: 18px; padding: {f(10)} {f(28)}; }}
    QPushButton#primary {{ color: white; background: {RED}; font-size: {f(48)};
                           font-weight: bold; min-height: {f(96)}; }}
    QPushButton#primary:pressed {{ background: {RED_DOWN}; }}
    QPushButton#secondary {{ color: {NAVY}; background: {CARD}; border: 4px solid {NAVY};
                             font-size: {f(36)}; font-weight: bold; min-height: {f(80)}; }}
    QPushButton#secondary:pressed {{ background: {GREY_BG}; }}
    QPushButton#plain {{ color: {NAVY}; background: transparent; border: 3px solid {NAVY};
                         font-size: {f(30)}; min-height: {f(60)}; }}
    QPushButton#key {{ color: {INK}; background: {CARD}; border: 3px solid #9aa4ae;
                       padding: {f(4)} {f(8)}; font-size: {f(46)}; font-weight: bold;
                       min-height: {f(60)}; min-width: {f(96)}; }}
    QPushButton#key:pressed {{ background: {GREY_BG}; }}
    QPushButton#service {{ background: {CARD}; border: 3px solid #aab3bd; border-radius: 20px;
                           padding: 0px; min-height: {f(100)}; }}
    QPushButton#service:pressed {{ background: {GREY_BG}; border-color: {NAVY}; }}
    QPushButton#service:disabled {{ background: {GREY_BG}; border: 3px dashed #b8bfc6; }}
    QLabel#prefix {{ color: white; background: {RED}; border-radius: 14px;
                     font-size: {f(50)}; font-weight: bold; min-width: {f(84)};
                     max-width: {f(84)}; min-height: {f(84)}; max-height: {f(84)}; }}
    QLabel#prefix[off="true"] {{ background: #5c6570; }}  /* white on it 5.9:1 */
    QLabel#svcname {{ color: {NAVY}; font-size: {f(46)}; font-weight: bold;
                      background: transparent; }}
    QLabel#svcinfo {{ color: {INK}; font-size: {f(30)}; background: transparent; }}
    QLabel#svcname[off="true"] {{ color: {GREY_TEXT}; }}
    QLabel#svcinfo[off="true"] {{ color: {RED_DOWN}; font-weight: bold; }}
    """


def console_stylesheet(scale: float = 1.0) -> str:
    """The manager console: an office screen (1280x800 to 1920x1080), dense but calm."""

    def f(size: float) -> str:
        return f"{px(size, scale)}px"

    return f"""
    QWidget#console {{ background: {PAPER}; color: {INK}; font-size: {f(15)}; }}
    QWidget#console QLabel, QWidget#console QPushButton, QWidget#console QLineEdit,
    QWidget#console QComboBox, QWidget#console QTableView, QWidget#console QTableWidget,
    QWidget#console QHeaderView::section, QWidget#console QPlainTextEdit,
    QWidget#console QDateEdit, QWidget#console QTabBar::tab {{ font-size: {f(15)}; }}
    QWidget#consoleTop {{ background: {NAVY}; }}
    QWidget#console QLabel#consoleBranch {{ color: white; font-size: {f(17)}; font-weight: bold; }}
    QWidget#console QLabel#consoleTitle {{ color: #ffd966; font-size: {f(17)}; font-weight: bold;
                           padding-left: 12px; }}
    QWidget#console QLabel#consoleWho {{ color: white; font-size: {f(15)}; padding: 0 8px; }}
    QWidget#console QLabel#consoleStatus {{ color: #b8f0c4; font-size: {f(15)}; padding: 0 8px; }}
    QWidget#console QLabel#consoleStatus[offline="true"] {{ color: #ffb3b3; font-weight: bold; }}
    QWidget#console QPushButton#topButton {{ color: white; background: transparent;
                                             border: 2px solid white; border-radius: 6px;
                                             padding: 4px 14px; }}
    QWidget#console QLabel#banner {{ background: #f6c7c7; color: {RED_DOWN}; padding: 8px 16px;
                     font-weight: bold; }}
    QWidget#console QLabel#banner[ok="true"] {{ background: #d5efd9; color: {GREEN}; }}
    QTabBar::tab {{ padding: 8px 22px; background: {GREY_BG}; color: {NAVY};
                    border-top-left-radius: 6px; border-top-right-radius: 6px;
                    margin-right: 2px; }}
    QTabBar::tab:selected {{ background: white; font-weight: bold; }}
    QTabWidget::pane {{ background: white; border: 1px solid #c8cdd3; }}
    QTableView, QTableWidget {{ background: white; alternate-background-color: #f5f7fa;
                                gridline-color: #dde1e6; selection-background-color: #cfe0f5;
                                selection-color: {INK}; }}
    QHeaderView::section {{ background: {GREY_BG}; color: {NAVY}; padding: 4px;
                            border: 0; border-right: 1px solid #c8cdd3; font-weight: bold; }}
    QWidget#console QPushButton#action {{ color: {NAVY}; background: white;
                                          border: 2px solid {NAVY}; border-radius: 6px;
                                          padding: 6px 16px; }}
    QWidget#console QPushButton#action:disabled {{ color: #9aa3ad; border-color: #c8cdd3; }}
    QWidget#console QPushButton#primaryAction {{ color: white; background: {RED};
                                                 border-radius: 6px; padding: 8px 24px;
                                                 font-weight: bold; }}
    QWidget#console QPushButton#primaryAction:disabled {{ background: #c9a0a0; }}
    QWidget#console QLabel#sectionTitle {{ color: {NAVY}; font-weight: bold; font-size: {f(16)}; }}
    QWidget#console QLabel#dialogTitle {{ color: {NAVY}; font-weight: bold; font-size: {f(19)}; }}
    QWidget#console QLabel#dialogError {{ color: {RED_DOWN}; font-weight: bold; }}
    QWidget#loginCard {{ background: white; border: 1px solid #c8cdd3; border-radius: 10px; }}
    QWidget#console QLabel#loginTitle {{ color: {NAVY}; font-weight: bold; font-size: {f(24)}; }}
    QWidget#console QLabel#issuedNumber {{ color: {RED}; font-weight: bold; font-size: {f(110)}; }}
    QWidget#figureCard {{ background: white; border: 1px solid #c8cdd3; border-radius: 8px; }}
    QWidget#console QLabel#figureValue {{ color: {NAVY}; font-size: {f(24)}; font-weight: bold; }}
    QWidget#console QLabel#figureValue[below="true"] {{ color: {RED_DOWN}; }}
    QWidget#console QLabel#figureCaption {{ color: {MUTED}; font-size: {f(13)}; }}
    QWidget#console QLabel#figuresUpdated {{ color: {MUTED}; }}
    QWidget#figuresPane QHeaderView::section {{ font-size: {f(13)}; padding: 2px; }}
    QWidget#figuresPane QTableWidget::item {{ padding: 2px 4px; }}
    QWidget#console QFrame#bookingCodeCard {{ background: {AMBER_BG};
                        border: 2px solid {AMBER_EDGE}; border-radius: 8px; }}
    QWidget#console QLabel#bookingCode {{ color: {NAVY}; font-weight: bold; font-size: {f(44)};
                        padding: 0 12px; }}
    QWidget#console QLabel#noticeNow {{ background: {AMBER_BG}; border: 2px solid {AMBER_EDGE};
                        border-radius: 8px; padding: 10px; }}
    QLineEdit, QComboBox, QDateEdit, QPlainTextEdit, QSpinBox {{ padding: 4px 6px; }}
    QDialog#consoleDialog {{ background: {PAPER}; }}
    QDialog#consoleDialog QLabel, QDialog#consoleDialog QPushButton,
    QDialog#consoleDialog QLineEdit, QDialog#consoleDialog QComboBox,
    QDialog#consoleDialog QSpinBox, QDialog#consoleDialog QPlainTextEdit,
    QDialog#consoleDialog QTableWidget {{ font-size: {f(15)}; }}
    QDialog#consoleDialog QLabel#dialogTitle {{ color: {NAVY}; font-weight: bold;
                                               font-size: {f(19)}; }}
    QDialog#consoleDialog QLabel#sectionTitle {{ color: {NAVY}; font-weight: bold; }}
    QDialog#consoleDialog QLabel#dialogError {{ color: {RED_DOWN}; font-weight: bold; }}
    QDialog#consoleDialog QPushButton#primaryAction {{ color: white; background: {RED};
                                                      border-radius: 6px; padding: 6px 20px;
                                                      font-weight: bold; }}
    """


def teller_stylesheet() -> str:
    """The teller panel: a compact window beside the banking application, read at arm's
    length; the ticket number large, the buttons big enough to hit without looking."""
    return f"""
    QWidget#teller {{ background: {PAPER}; color: {INK}; font-size: 15px; }}
    QWidget#tellerhead {{ background: {NAVY}; }}
    QLabel#tcounter {{ color: white; font-size: 18px; font-weight: bold; }}
    QLabel#tstaff {{ color: white; font-size: 13px; }}
    QLabel#tstatus {{ color: white; border-radius: 9px; padding: 2px 10px; font-size: 13px;
                      font-weight: bold; background: #5b6670; }}
    QLabel#tstatus[state="open"] {{ background: {GREEN}; }}
    QLabel#tstatus[state="paused"] {{ background: {AMBER_EDGE}; color: {INK}; }}
    QPushButton#tlang {{ color: white; background: transparent; border: 2px solid white;
                         border-radius: 8px; padding: 2px 8px; font-size: 13px; }}
    QLabel#toffline {{ color: white; background: {RED}; padding: 6px 10px; font-size: 14px;
                       font-weight: bold; }}
    QWidget#tcard {{ background: {CARD}; border: 1px solid #c8cdd3; border-radius: 10px; }}
    QWidget#tcard[vip="true"] {{ border: 3px solid {GOLD}; background: #fffaf0; }}
    QLabel#tnumber {{ color: {RED}; font-size: 48px; font-weight: bold; }}
    QLabel#tnumber[idle="true"] {{ color: #9aa3ad; }}
    QLabel#tvip {{ color: white; background: {GOLD}; border-radius: 8px; padding: 2px 10px;
                   font-size: 15px; font-weight: bold; }}
    QLabel#tstate {{ color: {NAVY}; font-size: 15px; font-weight: bold; }}
    QLabel#tservice {{ color: {NAVY}; font-size: 16px; font-weight: bold; }}
    QLabel#ttimes {{ color: {MUTED}; font-size: 14px; }}
    QLabel#tqueue {{ color: {INK}; font-size: 14px; }}
    QLabel#tnextvip {{ color: white; background: {GOLD}; border-radius: 6px;
                       padding: 3px 8px; font-size: 14px; font-weight: bold; }}
    QLabel#tnotice {{ border-radius: 6px; padding: 4px 8px; font-size: 14px;
                      background: {GREY_BG}; color: {INK}; }}
    QLabel#tnotice[level="warn"] {{ background: {AMBER_BG}; border: 2px solid {AMBER_EDGE}; }}
    QLabel#tnotice[level="error"] {{ background: #fde8e8; border: 2px solid {RED};
                                     color: {RED_DOWN}; font-weight: bold; }}
    QPushButton#tbtn {{ background: {CARD}; color: {NAVY}; border: 2px solid {NAVY};
                        border-radius: 8px; padding: 4px; font-size: 15px;
                        font-weight: bold; min-height: 40px; }}
    QPushButton#tbtn:disabled {{ color: #9aa3ad; border-color: #c8cdd3; background: {GREY_BG}; }}
    QPushButton#tbtn:pressed {{ background: {GREY_BG}; }}
    QPushButton#tcall {{ background: {RED}; color: white; border-radius: 10px;
                         font-size: 22px; font-weight: bold; min-height: 50px; }}
    QPushButton#tcall:disabled {{ background: #c9a3a3; color: #f3e9e9; }}
    QPushButton#tcall:pressed {{ background: {RED_DOWN}; }}
    QDialog#tellerdialog {{ background: {PAPER}; font-size: 15px; }}
    QLabel#dialogtitle {{ color: {NAVY}; font-size: 17px; font-weight: bold; }}
    QLabel#dialogmsg {{ background: {AMBER_BG}; border: 2px solid {AMBER_EDGE};
                        border-radius: 6px; padding: 6px 10px; color: {INK}; }}
    QLabel#dialognote {{ color: {MUTED}; font-size: 12px; }}
    QGroupBox#approval {{ border: 2px solid {GOLD}; border-radius: 8px; margin-top: 14px;
                          padding-top: 6px; font-weight: bold; color: {GOLD}; }}
    QGroupBox#approval::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
    QPushButton#dialogok {{ background: {RED}; color: white; border-radius: 8px;
                            padding: 6px 18px; font-weight: bold; min-height: 34px; }}
    QPushButton#dialogok:disabled {{ background: #c9a3a3; }}
    QPushButton#dialogcancel {{ background: {CARD}; color: {NAVY}; border: 2px solid {NAVY};
                                border-radius: 8px; padding: 6px 18px; min-height: 34px; }}
    """
