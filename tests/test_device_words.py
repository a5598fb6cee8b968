"""The sessions page names a device in words, never its raw User-Agent (issue 23 finding 7)."""

from __future__ import annotations

import pytest

from formsvc.web.desk.device_words import device_words

WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
                  "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN")
HEADLESS_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 "
                  "Safari/537.36")


@pytest.mark.parametrize("ua, words", [
    (WECHAT_ANDROID, "安卓手机上的微信"),
    (HEADLESS_LINUX, "Linux 电脑上的Chrome 浏览器"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Mobile/15E148 Safari/604.1", "苹果手机上的Safari 浏览器"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 "
     "Edg/120.0", "Windows 电脑上的Edge 浏览器"),
    ("", "未知设备"),
    (None, "未知设备"),
    ("curl/8.0", "未知设备"),
])
def test_a_user_agent_in_words(ua, words):
    assert device_words(ua) == words


def test_the_sessions_page_shows_words_not_the_user_agent(desk):
    from formsvc.officers import auth, sessions
    from formsvc.storage import store

    client = desk.app.test_client()
    user = auth.find_user(desk.db, auth.ADMIN_EMAIL)
    with client.session_transaction() as s:
        s["desk_sid"] = sessions.start(desk.db, user.id, store.utcnow(), ip="127.0.0.1", user_agent=HEADLESS_LINUX)
    page = client.get("/desk/sessions").get_data(as_text=True)
    assert "Linux 电脑上的Chrome 浏览器" in page
    assert "x86_64" not in page and "Mozilla" not in page
