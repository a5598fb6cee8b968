"""partners.yaml checked (issue 24 item 1): `wagesafe check` names every problem with the file and the
entry; `config check` in production refuses plain http and a missing key; a broken file at run time
means no partners and a banner for the county desk, never a 500."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.desk_fixtures import COUNTY, HEXI, Desk, insert_case
from tests.test_config_check import safe_env
from wagesafe.cli import main
from wagesafe.registry.partners import PartnersError, check_partners, load_partners

GOOD = """partner_counties:
  - code: baishui
    name_zh: 白水县
    open311_url: {url}
    key_setting: PARTNER_KEY_BAISHUI
"""

BROKEN = [
    # (what, the file, words the report must contain)
    ("not yaml", "partner_counties:\n  - code: baishui\n   name_zh: [白水县\n", ["不是有效的 YAML", "第 "]),
    ("typo in a field", GOOD.format(url="https://b.example.gov.cn/open311/v2").replace("key_setting", "key_settng"),
     ["第 1 项（baishui）", "key_settng", "缺少 key_setting"]),
    ("the key itself, not its setting", GOOD.format(url="https://b.example.gov.cn/open311/v2")
     .replace("PARTNER_KEY_BAISHUI", "ws311_abcdefgh"), ["key_setting 应是环境变量名"]),
    ("two codes alike", GOOD.format(url="https://b.example.gov.cn/open311/v2")
     + GOOD.format(url="https://c.example.gov.cn/open311/v2").split("\n", 1)[1].replace("PARTNER_KEY_BAISHUI", "K_C"),
     ["第 2 项（baishui）", "重复"]),
    ("plain http to another machine", GOOD.format(url="http://b.example.gov.cn/open311/v2"),
     ["open311_url 必须用 https://", "第 1 项（baishui）"]),
    ("a list where a mapping belongs", "partner_counties:\n  - baishui\n", ["第 1 项", "应是"]),
    ("not a list", "partner_counties: baishui\n", ["partner_counties 应是列表"]),
]


@pytest.mark.parametrize("what,text,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_check_refuses_a_broken_partners_file(data_dir, what, text, words):
    (data_dir / "partners.yaml").write_text(text, encoding="utf-8")
    partners, found = check_partners(data_dir)
    assert found and not partners.counties
    report = "\n".join(found)
    for w in words:
        assert w in report, report
    assert all(line.startswith("partners.yaml") for line in found)
    with pytest.raises(PartnersError):
        load_partners(data_dir)
    result = CliRunner().invoke(main, ["check", "--data", str(data_dir)], env={"WAGESAFE_ENV": "development"})
    assert result.exit_code == 1
    assert words[0] in result.output and "registry OK" not in result.output


def test_check_takes_loopback_http_only_in_development(data_dir):
    (data_dir / "partners.yaml").write_text(GOOD.format(url="http://127.0.0.1:9999/open311/v2"), encoding="utf-8")
    assert check_partners(data_dir)[1] == []
    assert "https" in check_partners(data_dir, production=True)[1][0]
    ok = CliRunner().invoke(main, ["check", "--data", str(data_dir)], env={"WAGESAFE_ENV": "development"})
    assert ok.exit_code == 0 and "partners.yaml OK: 1 partner" in ok.output


@pytest.mark.parametrize("what,partners,drop_key,words", [
    ("plain http to this machine", GOOD.format(url="http://127.0.0.1:8100/open311/v2"), False,
     ["partners.yaml", "必须用 https://"]),
    ("no key", GOOD.format(url="https://b.example.gov.cn/open311/v2"), True, ["PARTNER_KEY_BAISHUI is empty"]),
])
def test_config_check_in_production_refuses_partner(tmp_path, data_dir, what, partners, drop_key, words):
    env = safe_env(tmp_path, data_dir)
    (data_dir / "partners.yaml").write_text(partners, encoding="utf-8")
    if drop_key:
        env.pop("PARTNER_KEY_BAISHUI")
    result = CliRunner().invoke(main, ["config", "check"], env={**env, "PARTNER_KEY_BAISHUI": ""} if drop_key else env)
    assert result.exit_code == 1, result.output
    for w in words:
        assert w in result.output
    assert "configuration OK" not in result.output


def test_a_broken_file_at_run_time_means_no_partners_and_a_banner(tmp_path, data_dir):
    desk = Desk(tmp_path, data_dir)
    cid = insert_case(desk.db)
    (data_dir / "partners.yaml").write_text("partner_counties:\n  - code: Bai Shui\n", encoding="utf-8")
    county = desk.client(COUNTY)
    page = county.get(f"/desk/cases/{cid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="partners-broken"' in html and "转送外县暂停" in html and "缺少 open311_url" in html
    assert 'name="county"' not in html  # no transfer form: there is no partner to send to
    township = desk.client(HEXI).get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "partners-broken" not in township  # the county desk's business, not the township officer's
    services = desk.app.test_client().get("/open311/v2/services.json")
    assert services.status_code == 200 and {s["service_code"] for s in services.get_json()}
