"""`wagesafe config check` and the service's refusal to start in production with unsafe settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.config_check import UnsafeConfigError, problems


HTTPS_PARTNERS = """partner_counties:
  - code: baishui
    name_zh: 白水县
    open311_url: https://wage.baishui.example.gov.cn/open311/v2
    key_setting: PARTNER_KEY_BAISHUI
    status_url: https://wage.baishui.example.gov.cn/status
"""


def safe_env(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    """A production configuration that should pass: every value a county must set, set well
    (the sample's partner, a demo on this machine over http, becomes a real one over https)."""
    (data_dir / "partners.yaml").write_text(HTTPS_PARTNERS, encoding="utf-8")
    return {
        "PARTNER_KEY_BAISHUI": "ws311_" + "b" * 43,
        "WAGESAFE_ENV": "production",
        "WAGESAFE_DATA_DIR": str(data_dir),
        "WAGESAFE_SITE_DIR": str(tmp_path / "srv" / "site"),
        "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
        "PUBLIC_BASE_URL": "https://wage.qinghe.example.gov.cn",
        "SECRET_KEY": "k" * 20 + "Zx9-Qw2_Lp8vBn4Tr6Ym1Kc3",
        "WAGESAFE_DEBUG": "0",
        "SMTP_HOST": "smtp.qinghe.example.gov.cn",
        "SMTP_PORT": "587",
        "SMTP_USER": "wagesafe",
        "SMTP_PASSWORD": "mail-password",
        "SMTP_STARTTLS": "1",
        "MAIL_FROM": "薪安通 <wagesafe@qinghe.example.gov.cn>",
        "SMS_PROVIDER": "aliyun",
        "ALIYUN_SMS_ACCESS_KEY_ID": "LTAI5tExampleKeyId",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "ExampleSecret",
        "ALIYUN_SMS_SIGN_NAME": "青禾县人社局",
        "ALIYUN_SMS_TEMPLATE_CODE": "SMS_123456789",
        "ALIYUN_SMS_TEMPLATE_TRANSFER": "SMS_123456790",
        "ALIYUN_SMS_TEMPLATE_RECEIPT": "SMS_123456791",
        "ALIYUN_SMS_TEMPLATE_ACKNOWLEDGED": "SMS_123456792",
        "ALIYUN_SMS_TEMPLATE_WORKER_TRANSFER": "SMS_123456793",
        "ALIYUN_SMS_TEMPLATE_OUTCOME": "SMS_123456794",
        "ALIYUN_SMS_TEMPLATE_OUTCOME_ELSEWHERE": "SMS_123456795",
        "ALIYUN_SMS_TEMPLATE_SENT_TO_COUNTY": "SMS_123456796",
        "TRUSTED_PROXIES": "127.0.0.1,::1",
    }


def test_config_check_accepts_a_safe_production_config(tmp_path, data_dir):
    env = safe_env(tmp_path, data_dir)
    assert problems(Config.from_env(env), env) == []
    result = CliRunner().invoke(main, ["config", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "configuration OK"
    assert "CDN_ADDRESSES" in result.output  # the CDN case is explained even when nothing is wrong


UNSAFE = [
    # (what, changes to the safe environment, the setting the line must name)
    ("not production", {"WAGESAFE_ENV": "development"}, "WAGESAFE_ENV"),
    ("debug on", {"WAGESAFE_DEBUG": "1"}, "WAGESAFE_DEBUG"),
    ("default secret key", {"SECRET_KEY": ""}, "SECRET_KEY"),
    ("short secret key", {"SECRET_KEY": "hunter2-hunter2"}, "SECRET_KEY"),
    ("http base url", {"PUBLIC_BASE_URL": "http://wage.qinghe.example.gov.cn"}, "PUBLIC_BASE_URL"),
    ("localhost base url", {"PUBLIC_BASE_URL": "https://127.0.0.1:8443"}, "PUBLIC_BASE_URL"),
    ("no SMTP host", {"SMTP_HOST": " "}, "SMTP_HOST"),
    ("demo mail catcher", {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "8025"}, "SMTP_HOST"),
    ("SMTP password in clear", {"SMTP_STARTTLS": "0"}, "SMTP_STARTTLS"),
    ("localhost sender", {"MAIL_FROM": "WageSafe <noreply@wagesafe.localhost>"}, "MAIL_FROM"),
    ("aliyun without key id", {"ALIYUN_SMS_ACCESS_KEY_ID": ""}, "ALIYUN_SMS_ACCESS_KEY_ID"),
    ("aliyun without the outcome template", {"ALIYUN_SMS_TEMPLATE_OUTCOME": ""}, "ALIYUN_SMS_TEMPLATE_OUTCOME"),
    ("aliyun transfer template missing", {"ALIYUN_SMS_TEMPLATE_TRANSFER": ""}, "ALIYUN_SMS_TEMPLATE_TRANSFER"),
    ("aliyun without secret", {"ALIYUN_SMS_ACCESS_KEY_SECRET": ""}, "ALIYUN_SMS_ACCESS_KEY_SECRET"),
    ("aliyun without sign name", {"ALIYUN_SMS_SIGN_NAME": ""}, "ALIYUN_SMS_SIGN_NAME"),
    ("aliyun over http", {"ALIYUN_SMS_ENDPOINT": "http://dysmsapi.aliyuncs.com/"}, "ALIYUN_SMS_ENDPOINT"),
    ("SMS to files", {"SMS_PROVIDER": "file"}, "SMS_PROVIDER"),
    ("unknown SMS provider", {"SMS_PROVIDER": "tencent"}, "SMS_PROVIDER"),
    ("uploads in web root", {"WAGESAFE_UPLOAD_DIR": "{site}/uploads"}, "WAGESAFE_UPLOAD_DIR"),
    ("database in web root", {"WAGESAFE_DATABASE": "{site}/assets/wagesafe.db"}, "WAGESAFE_DATABASE"),
    ("var dir in web root", {"WAGESAFE_VAR_DIR": "{site}/var"}, "WAGESAFE_VAR_DIR"),
    ("uploads in the registry", {"WAGESAFE_UPLOAD_DIR": "{data}/uploads"}, "WAGESAFE_UPLOAD_DIR"),
    ("no trusted proxy", {"TRUSTED_PROXIES": "0"}, "TRUSTED_PROXIES"),
    ("rate limit off", {"RATE_LIMIT_IP_PER_10_MINUTES": "-1"}, "RATE_LIMIT_IP_PER_10_MINUTES"),
    ("per-address limit that locks out a crew", {"RATE_LIMIT_IP_PER_10_MINUTES": "5"}, "RATE_LIMIT_IP_PER_10_MINUTES"),
    ("proxies counted, not named", {"TRUSTED_PROXIES": "2"}, "TRUSTED_PROXIES"),
    ("the whole internet trusted", {"TRUSTED_PROXIES": "0.0.0.0/0"}, "TRUSTED_PROXIES"),
    ("a proxy that is no address", {"TRUSTED_PROXIES": "nginx.local"}, "TRUSTED_PROXIES"),
    ("a CDN that is no network", {"CDN_ADDRESSES": "cloudflare"}, "CDN_ADDRESSES"),
    ("huge uploads", {"MAX_UPLOAD_MB": "500"}, "MAX_UPLOAD_MB"),
    ("http map tiles", {"MAP_TILE_URL": "http://tiles.example.com/{z}/{x}/{y}.png"}, "MAP_TILE_URL"),
]


@pytest.mark.parametrize("what,changes,setting", UNSAFE, ids=[u[0] for u in UNSAFE])
def test_config_check_rejects_unsafe_setting(tmp_path, data_dir, what, changes, setting):
    env = safe_env(tmp_path, data_dir)
    site = env["WAGESAFE_SITE_DIR"]
    env.update({k: v.replace("{site}", site).replace("{data}", str(data_dir)) for k, v in changes.items()})
    found = problems(Config.from_env(env), env)
    assert len(found) == 1, found  # exactly this problem, nothing else blamed
    assert found[0].startswith(setting), found[0]

    result = CliRunner().invoke(main, ["config", "check"], env=env)
    assert result.exit_code == 1
    assert found[0] in result.output
    assert "configuration OK" not in result.output


def test_config_check_reports_every_problem_at_once(tmp_path):
    """The demo defaults, taken to a server unchanged: every problem listed, not just the first."""
    found = problems(Config.from_env({"WAGESAFE_ENV": "production", "WAGESAFE_VAR_DIR": str(tmp_path)}))
    names = {line.split()[0].rstrip(":").split("/")[0] for line in found}
    assert {"SECRET_KEY", "PUBLIC_BASE_URL", "SMTP_HOST", "SMS_PROVIDER", "TRUSTED_PROXIES"} <= names


def test_service_refuses_to_start_in_production_with_unsafe_config(tmp_path, data_dir):
    from formsvc import create_app

    env = safe_env(tmp_path, data_dir) | {"WAGESAFE_DEBUG": "1", "SECRET_KEY": "short"}
    with pytest.raises(UnsafeConfigError) as err:
        create_app(Config.from_env(env))
    text = str(err.value)
    assert "WAGESAFE_DEBUG" in text and "SECRET_KEY" in text
    assert not (tmp_path / "var" / "wagesafe.db").exists()  # refused before touching anything


def test_service_starts_in_production_with_safe_config(tmp_path, data_dir, monkeypatch):
    from formsvc import create_app

    env = safe_env(tmp_path, data_dir)
    monkeypatch.setenv("PARTNER_KEY_BAISHUI", env["PARTNER_KEY_BAISHUI"])  # the service reads its own environment
    app = create_app(Config.from_env(env))
    assert app.config["WAGESAFE"].production
    assert not app.debug


def test_service_trusts_forwarded_headers_only_behind_a_proxy(tmp_path, data_dir):
    """ProxyFix is on exactly when TRUSTED_PROXIES > 0: the client's address comes from nginx's header."""
    from flask import request

    from formsvc import create_app

    seen = {}
    for proxies in ("0", "1"):
        env = {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path / f"var{proxies}"),
               "TRUSTED_PROXIES": proxies}
        app = create_app(Config.from_env(env))

        @app.get("/_whoami")
        def whoami():
            return f"{request.remote_addr} {request.scheme}"

        seen[proxies] = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7",
                                                        "X-Forwarded-Proto": "https"},
                                   environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert seen["0"] == "127.0.0.1 http"
    assert seen["1"] == "203.0.113.7 https"  # the hop nginx added, not the one the client wrote


def test_forwarded_for_is_believed_only_from_a_configured_proxy_address():
    """With the old `TRUSTED_PROXIES=2` a client reaching the server directly chose its own address;
    now the header counts only on a connection from a listed proxy (issue 15)."""
    from wagesafe.config import proxy_networks

    from formsvc.web.proxies import client_address

    nets = proxy_networks("127.0.0.1,::1")
    assert client_address("203.0.113.9", "6.6.6.6", nets) == "203.0.113.9"  # direct: the header is ignored
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.4", nets) == "198.51.100.4"  # nginx's one entry
    assert client_address("127.0.0.1", "garbage", nets) == "127.0.0.1"
    assert client_address("::ffff:127.0.0.1", "198.51.100.4", nets) == "198.51.100.4"
    assert client_address("127.0.0.1", "198.51.100.4, 127.0.0.1", nets) == "198.51.100.4"  # a proxy chain
    assert proxy_networks("2") == proxy_networks("127.0.0.1/32,::1/128")  # an old count means loopback only
