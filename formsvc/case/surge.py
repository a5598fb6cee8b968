"""Alerts to the county desk where a limit would otherwise refuse real workers (issue 15).

Three situations are told to the county desk instead of (or as well as) being refused:

- a **surge**: more than ``SURGE_ALERT_PER_10_MINUTES`` complaints county-wide in 10 minutes — a
  collapsed site's whole workforce filing at once, or a script; either way a person should look;
- one **mobile number** past its daily allowance (``RATE_LIMIT_MOBILE_PER_DAY``): the complaint is
  stored (anyone can type a worker's number, so refusing would let a stranger spend a worker's
  allowance) and the desk sees the pattern;
- one **address** refused for a flood of valid complaints: the flood is slowed (refused for
  minutes) and the desk knows why workers there may phone instead.

Each alert is queued with a ``dedupe_key`` per hour (per day for a mobile), so a flood produces one
email and one SMS, not thousands. Alerts carry counts and times, never a worker's name, mobile or
story: the desk opens the cases on the desk if it must.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from formsvc.case.routing import desk_person
from formsvc.notify import outbox
from formsvc.storage.store import write_transaction

from . import ratelimit


def _queue(db, registry, key: str, subject: str, body: str) -> None:
    desk = desk_person(registry)
    if desk.email:
        outbox.enqueue(db, kind="abuse_alert", channel="email", recipient=desk.email, subject=subject, body=body,
                       dedupe_key=f"{key}:email")
    if desk.mobile:
        outbox.enqueue(db, kind="abuse_alert", channel="sms", recipient=desk.mobile,
                       body=f"【薪安通】{subject}。详情见邮件或办案台。", dedupe_key=f"{key}:sms")


def after_complaint(db, registry, config, *, mobile: str, receipt: str, now: datetime) -> None:
    """Inside the complaint's transaction: count it county-wide and per mobile; alert past the thresholds."""
    ratelimit.record(db, ratelimit.SURGE_KEY, now)
    threshold = config.surge_alert_per_10_minutes
    if threshold > 0:
        # Counting stops past the threshold: under a real surge the window holds thousands of events.
        n = ratelimit.count(db, ratelimit.SURGE_KEY, ratelimit.SURGE_WINDOW, now, threshold + 1)
        if n > threshold:
            hour = now.strftime("%Y-%m-%dT%H")
            _queue(db, registry, f"surge:{hour}",
                   f"投诉激增：10 分钟内全县超过 {threshold} 件",
                   "\n".join([f"{registry.county.desk.name_zh}：", "",
                              f"截至 {now:%Y-%m-%d %H:%M} (UTC)，10 分钟内全县收到的投诉超过预警线 {threshold} 件。"
                              "系统没有拒收任何投诉。",
                              "可能是某个工地集体讨薪，也可能是有人批量提交虚假投诉。请登录办案台查看最新案件。",
                              "本小时内不再重复提醒。"]))
    if mobile:
        allowance = config.rate_limit_mobile_per_day
        ratelimit.record(db, ratelimit.mobile_key(mobile), now)
        n = ratelimit.count(db, ratelimit.mobile_key(mobile), ratelimit.DAY, now, max(allowance, 0) + 1)
        if allowance > 0 and n > allowance:
            tag = hashlib.sha256(mobile.encode()).hexdigest()[:12]
            _queue(db, registry, f"mobile-allowance:{tag}:{now:%Y-%m-%d}",
                   f"同一手机号 24 小时内投诉超过 {allowance} 次",
                   "\n".join([f"{registry.county.desk.name_zh}：", "",
                              f"一个手机号在 24 小时内提交的投诉超过 {allowance} 件，"
                              f"最近一件的回执号是 {receipt}。投诉均已受理，没有拒收。",
                              "手机号无法在表单上验证，可能是工人本人多次提交，也可能是别人冒用其号码。"
                              "请在办案台按回执号查看，必要时电话核实。今天不再重复提醒。"]))


def address_refused(db, registry, *, ip: str, now: datetime) -> None:
    """After a per-address refusal (its own transaction): tell the desk once an hour per address."""
    tag = hashlib.sha256(ip.encode()).hexdigest()[:12]
    with write_transaction(db):
        _queue(db, registry, f"address-flood:{tag}:{now:%Y-%m-%dT%H}",
               "同一网络地址短时间内大量投诉，已暂缓受理",
               "\n".join([f"{registry.county.desk.name_zh}：", "",
                          f"{now:%Y-%m-%d %H:%M} (UTC)：网络地址 {ip} 在 10 分钟内提交的有效投诉达到上限，"
                          "之后的提交被暂缓几分钟（页面告诉工人几分钟后再试并给出电话）。",
                          "如果这是一个工地的工人集体用同一 Wi-Fi 投诉，请主动联系该工地；"
                          "如果是批量虚假投诉，请保留办案台上的记录。本小时内不再重复提醒。"]))


def device_refused(db, registry, *, ip: str, device: str, now: datetime) -> None:
    """After a per-device refusal of valid complaints (its own transaction): the flood is refused
    for that one phone, its address stays open for everyone else; the desk is told once an hour
    per device (issue 25)."""
    tag = hashlib.sha256(device.encode()).hexdigest()[:12]
    with write_transaction(db):
        _queue(db, registry, f"device-flood:{tag}:{now:%Y-%m-%dT%H}",
               "同一部手机短时间内大量投诉，已暂缓这部手机的提交",
               "\n".join([f"{registry.county.desk.name_zh}：", "",
                          f"{now:%Y-%m-%d %H:%M} (UTC)：网络地址 {ip} 上的一部手机（浏览器）在一小时内提交的有效投诉"
                          "达到上限，这部手机之后的提交被暂缓（页面告诉它几分钟后再试并给出电话）。"
                          "同一网络上的其他手机照常可以投诉。",
                          "如果是一个人替全班组多次投诉，请主动联系；如果是批量虚假投诉，请保留办案台上的记录。"
                          "本小时内不再重复提醒。"]))
