"""What a ticket's page says: plain data from a `TicketView`, in both languages.

The server renders it into the HTML and sends the same values down the live stream, so
the first paint and every update come from one function. No name, card or ID number ever
goes into it (not even the masked forms a `TicketView` carries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.config import Settings
from kiosk.queue.tickets import LEFT_OUTCOME
from kiosk.queue.views import TicketView
from kiosk.waits import ahead_phrase, wait_minutes, wait_phrase


@dataclass(frozen=True)
class Texts:
    service: str
    headline: str  # the big line: "前面还有 3 人", "请到 3 号窗口"
    detail: str  # the line under it: the estimate, what to do now
    status: str  # a short word for the state: 等候中, 请前往, 已过号 ...


@dataclass(frozen=True)
class PageState:
    ticket_id: int
    number: str
    status: str  # waiting | called | serving | suspended | done | no_show | cancelled | left
    counter: int | None
    ahead: int | None
    wait_min: int | None
    can_leave: bool
    cue: str  # changes whenever the customer must be alerted (a call, a recall); "" otherwise
    zh: Texts
    en: Texts
    notice_zh: str
    notice_en: str

    def as_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies, and 500 pages are rendered per event
        data = dict(self.__dict__)
        data["zh"], data["en"] = dict(self.zh.__dict__), dict(self.en.__dict__)
        return data


def counter_names(settings: Settings, number: int | None) -> tuple[str, str]:
    """How the page names a counter: 「3 号窗口」, "Counter 3" (or the branch's own names)."""
    if number is None:
        return "窗口", "the counter"
    try:
        c = settings.counter(number)
    except KeyError:
        return f"{number} 号窗口", f"Counter {number}"
    return c.name_zh or f"{number} 号窗口", c.name_en or f"Counter {number}"


def page_state(view: TicketView, settings: Settings, notice: tuple[str, str]) -> PageState:
    zh_counter, en_counter = counter_names(settings, view.counter)
    status = view.status
    if status == "cancelled" and view.outcome == LEFT_OUTCOME:
        status = "left"
    wait_min = wait_minutes(view.estimated_wait_s) if view.estimated_wait_s is not None \
        else None
    zh, en = _texts(status, view, zh_counter, en_counter)
    cue = ""
    if status == "called" and view.called_at is not None:
        cue = f"{view.called_at.isoformat()}#{view.recalls}"
    notice_zh, notice_en = notice
    if not (notice_zh or notice_en):
        notice_zh, notice_en = settings.printer.notice_zh, settings.printer.notice_en
    return PageState(
        ticket_id=view.id, number=view.number, status=status, counter=view.counter,
        ahead=view.ahead if status == "waiting" else None,
        wait_min=wait_min if status == "waiting" else None,
        can_leave=status == "waiting", cue=cue,
        zh=Texts(view.service_name_zh, *zh), en=Texts(view.service_name_en, *en),
        notice_zh=notice_zh, notice_en=notice_en)


def _texts(status: str, v: TicketView, zh_counter: str,
           en_counter: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """((headline, detail, status word) in Chinese, the same in English)."""
    if status == "waiting":
        if v.ahead is None:
            return (("请稍候", "暂无窗口办理此项业务，请留意大堂通知", "等候中"),
                    ("Please wait", "No counter serves this just now; please watch the hall "
                                    "notices", "Waiting"))
        if v.ahead == 0:
            zh_head, en_head = "下一位就是您", "You are next"
        elif v.beyond:
            zh_head, en_head = ahead_phrase(v.ahead, True)
        else:
            zh_head, en_head = f"前面还有 {v.ahead} 人", \
                f"{v.ahead} {'person' if v.ahead == 1 else 'people'} ahead of you"
        zh_wait, en_wait = wait_phrase(v.estimated_wait_s or 0.0, v.beyond)
        if not v.beyond:
            en_wait = f"About {wait_minutes(v.estimated_wait_s or 0.0)} min wait"
        else:
            en_wait = f"Wait {en_wait}"
        return ((zh_head, f"预计等候{zh_wait}", "等候中"), (en_head, en_wait, "Waiting"))
    if status == "called":
        again_zh, again_en = ("（再次呼叫）", " (called again)") if v.recalls else ("", "")
        return ((f"请到 {zh_counter}", f"{v.number} 号请到 {zh_counter}办理{again_zh}",
                 "请前往"),
                (f"Please go to {en_counter}", f"Number {v.number}, please go to "
                                               f"{en_counter}{again_en}", "Your turn"))
    if status == "serving":
        return ((f"正在 {zh_counter} 办理", "祝您办理顺利", "办理中"),
                (f"Being served at {en_counter}", "Thank you for waiting", "Being served"))
    if status == "suspended":
        return (("业务暂停", f"请备齐材料后回到 {zh_counter}，向柜员出示您的号码", "暂停"),
                ("On hold", f"When you have what is needed, come back to {en_counter} and "
                            "show your number", "On hold"))
    if status == "done":
        return (("业务已办结", "感谢您的光临", "已完成"),
                ("All done", "Thank you for visiting", "Done"))
    if status == "no_show":
        return (("已过号", "您的号码已被呼叫但未到窗口：请联系大堂经理恢复号码，或到取号机重新取号",
                 "过号"),
                ("Number missed", "Your number was called but nobody came: ask the lobby "
                                  "manager to restore it, or take a new number at the kiosk",
                 "Missed"))
    if status == "left":
        return (("您已离开排队", "如需办理业务，请到取号机重新取号", "已离开"),
                ("You left the queue", "To be served, take a new number at the kiosk", "Left"))
    return (("此号码已取消", "如有疑问，请咨询大堂经理", "已取消"),
            ("This number was cancelled", "Please ask the lobby manager", "Cancelled"))
