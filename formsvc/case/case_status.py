"""A case's status and public events in plain words for the worker (Chinese and English).

Officers' words ("acknowledged", "transferred to department housing") mean little to a
worker; this module is the one place that turns them into sentences a worker understands.
Only events stored with ``public=1`` ever reach the worker, and their ``detail`` is never
shown raw: it may hold internal wording. The desk's ``formsvc.case.cases`` writes the events.
"""

from __future__ import annotations

from collections.abc import Mapping

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "new": ("已收到，等待工作人员接手", "Received; waiting for an officer to take it"),
    "acknowledged": ("工作人员已接手，正在处理", "An officer has taken your case and is working on it"),
    "in_progress": ("正在处理", "Being handled"),
    "transferred": ("已转交给主管部门处理", "Passed to the department in charge"),
    "resolved": ("已办结", "Resolved"),
    "closed_unfounded": ("经核查后已结案", "Closed after checking"),
    "transferred_out": ("已转送外县（欠薪发生地）处理", "Sent to the county where the wages are owed"),
}

EVENT_TEXT: dict[str, tuple[str, str]] = {
    "submitted": ("您提交了投诉", "You sent your complaint"),
    "routed": ("投诉已交给负责的工作人员", "Your complaint was passed to the officer in charge"),
    "acknowledged": ("工作人员已接手您的投诉", "An officer took your case"),
    "contacted": ("工作人员已联系您", "An officer contacted you"),
    "transferred": ("投诉已转交给主管部门", "Your case was passed to the department in charge"),
    "escalated": ("投诉已报告县劳动保障监察大队督办", "The county labour inspectors are now following your case"),
    "in_progress": ("正在处理", "Work on your case is going on"),
    "resolved": ("投诉已办结", "Your case was resolved"),
    "paid": ("工资已支付", "The wages were paid"),
    "closed_unfounded": ("经核查后结案", "Your case was closed after checking"),
    "reopened": ("投诉已重新处理", "Your case was reopened"),
    "transferred_out": ("投诉已转送外县（欠薪发生地）处理", "Your case was sent to the county where the wages are owed"),
    "remote_closed": ("外县已办结您的投诉", "The other county closed your case"),
    "transfer_out_withdrawn": ("转送外县未成功，仍由本县处理", "The transfer did not go through; this county handles your case"),
}

_FALLBACK = ("投诉有新的进展", "There is news on your case")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def status_text(status: str, lang: str = "zh") -> str:
    """The worker-facing words for a complaint's ``status``."""
    return _pick(STATUS_TEXT.get(status, ("处理中", "Being handled")), lang)


def public_text(event: Mapping, lang: str = "zh") -> str:
    """The worker-facing words for one public event row (``kind``; ``detail`` is never shown raw)."""
    return _pick(EVENT_TEXT.get(event["kind"], _FALLBACK), lang)
