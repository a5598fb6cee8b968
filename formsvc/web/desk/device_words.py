"""A desk session's device in words an officer recognises ("安卓手机上的微信"), not its User-Agent.

The sessions page lets an officer spot a sign-in that is not theirs and end it. The raw User-Agent
string ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 …") means nothing to them and puts
codes on the page; the kind of device and the browser are what they can match against the phones
and computers they use. Order matters below: WeChat and Edge also announce Chrome and Safari.
"""

from __future__ import annotations

_BROWSERS = (("MicroMessenger", "微信"), ("Edg/", "Edge 浏览器"), ("Firefox/", "Firefox 浏览器"),
             ("Chrome/", "Chrome 浏览器"), ("Chromium/", "Chrome 浏览器"), ("Safari/", "Safari 浏览器"))
_SYSTEMS = (("iPad", "iPad"), ("iPhone", "苹果手机"), ("Android", "安卓手机"), ("Windows", "Windows 电脑"),
            ("Macintosh", "苹果电脑"), ("Mac OS X", "苹果电脑"), ("Linux", "Linux 电脑"))


def device_words(user_agent: str | None) -> str:
    """``"<system>上的<browser>"`` for a User-Agent string; "未知设备" when it names neither."""
    ua = user_agent or ""
    system = next((words for mark, words in _SYSTEMS if mark in ua), "")
    browser = next((words for mark, words in _BROWSERS if mark in ua), "")
    if system and browser:
        return f"{system}上的{browser}"
    return system or browser or "未知设备"
