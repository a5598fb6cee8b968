"""门户内容 on the desk (issue 26): the editor role, updates, registry rows checked like
`wagesafe check`, versions with diff and revert, a second editor warned, the rebuild duty."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from formsvc.content import rows
from formsvc.duties.site_rebuild import SiteRebuilder, status
from formsvc.officers import auth
from formsvc.storage import store
from tests.desk_fixtures import ADMIN, COUNTY, HEXI, Desk, post

ROOT = Path(__file__).resolve().parent.parent
NEW_PROJECT = {
    "code": "qh901", "name_zh": "青禾县新城安置房二期", "name_en": "", "address_zh": "青禾县河西街道新城路1号",
    "township": "hexi", "lat": "27.62", "lon": "113.85", "builder": "青禾县城市建设投资有限公司",
    "general_contractor": "洪城恒泰城建有限公司", "gc_project_department": "洪城恒泰城建有限公司新城项目部",
    "gc_project_manager": "江怡琳", "labour_manager": "高海", "labour_manager_phone": "15900009001",
    "industry_authority": "housing", "wage_payment_day": "25", "wage_account_bank": "中国工商银行青禾支行",
    "start_date": "2026-12-01", "end_date": "", "status": "active",
}
UPDATE = {"date": "2026-12-05", "name": "spring-festival-pay", "category": "通知",
          "title_zh": "春节前工资必须发清", "summary_zh": "春节前各工地要发清农民工工资。",
          "body_zh": "各工地要在**春节前**发清工资。\n\n## 怎么办\n\n- 打 12333", "title_en": "Pay before the Spring Festival",
          "summary_en": "Sites must pay before the festival.", "body_en": "Sites must pay **before** the festival."}


@pytest.fixture
def docs_dir(tmp_path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", target)
    return target


@pytest.fixture
def desk(tmp_path, data_dir, docs_dir):
    d = Desk(tmp_path, data_dir, docs_dir=docs_dir, site_dir=tmp_path / "site")
    yield d
    d.db.close()


def _versions(desk):
    return list(desk.db.query("SELECT * FROM content_versions ORDER BY id"))


def test_desk_content_editor_role_granted_by_the_county_and_audited(desk):
    officer = desk.client(HEXI)
    assert officer.get("/desk/content/").status_code == 403
    county = desk.client(COUNTY)
    r = post(county, "/desk/content/editors", {"email": HEXI})
    assert r.status_code == 302
    assert officer.get("/desk/content/").status_code == 200
    assert "门户内容" in officer.get("/desk/cases").get_data(as_text=True)  # the menu
    # someone without an account gets an editor-only one that sees no case and survives a registry sync
    post(county, "/desk/content/editors", {"email": "press@qinghe.example.gov.cn", "name": "宣传干事"})
    press = auth.find_user(desk.db, "press@qinghe.example.gov.cn")
    assert press.role == "editor" and press.can_edit and not press.sees_all
    assert auth.scope_sql(press) == ("0", [])
    auth.sync_users(desk.db, desk.registry)
    assert auth.find_user(desk.db, "press@qinghe.example.gov.cn").active
    actions = [r["action"] for r in desk.db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions.count("grant_editor") == 2
    # a township officer cannot grant
    assert post(officer, "/desk/content/editors", {"email": "x@qinghe.example.gov.cn"}).status_code == 403
    post(county, "/desk/content/editors", {"revoke": str(press.id)})
    assert not auth.find_user(desk.db, "press@qinghe.example.gov.cn").active
    assert "revoke_editor" in [r["action"] for r in desk.db.query("SELECT action FROM audit_log")]


def test_desk_content_update_preview_publish_edit_withdraw_revert(desk, docs_dir):
    c = desk.client(COUNTY)
    form = c.get("/desk/content/updates/new").get_data(as_text=True)
    assert "md-toolbar.js" in form and 'name="etag" value="none"' in form
    preview = post(c, "/desk/content/updates", {**UPDATE, "etag": "none", "action": "preview_zh"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "预览，尚未发布" in html
    assert "<strong>春节前</strong>" in html and re.search(r"<h2[^>]*>怎么办</h2>", html)
    assert "2026年12月5日" in html  # the date line, as on the portal
    assert not (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.md").exists()  # a preview writes nothing
    en = post(c, "/desk/content/updates", {**UPDATE, "etag": "none", "action": "preview_en"}).get_data(as_text=True)
    assert "<strong>before</strong>" in en and "5 December 2026" in en and "Notice" in en

    r = post(c, "/desk/content/updates", {**UPDATE, "etag": "none", "action": "publish"})
    assert r.status_code == 302
    zh = (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.md").read_text(encoding="utf-8")
    assert zh.startswith("---\ntitle: 春节前工资必须发清\ndate: 2026-12-05\ncategories:\n- 通知\n")
    assert "# 春节前工资必须发清\n\n各工地要在**春节前**发清工资。" in zh
    en_text = (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.en.md").read_text(encoding="utf-8")
    assert "- Notice" in en_text
    assert status(desk.db)["waiting"] == 1  # the worker's next round rebuilds the portal

    edit = c.get("/desk/content/updates/2026-12-05-spring-festival-pay/edit").get_data(as_text=True)
    tag = re.search(r'name="etag" value="([^"]+)"', edit).group(1)
    post(c, "/desk/content/updates/2026-12-05-spring-festival-pay",
         {**UPDATE, "title_zh": "春节前工资一定要发清", "etag": tag, "action": "publish"})
    assert "title: 春节前工资一定要发清" in (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.md").read_text()
    history = c.get("/desk/content/history?item=post:2026-12-05-spring-festival-pay").get_data(as_text=True)
    assert "春节前工资一定要发清" in history and 'class="ddel"' in history and 'class="dadd"' in history

    edit = c.get("/desk/content/updates/2026-12-05-spring-festival-pay/edit").get_data(as_text=True)
    tag = re.search(r'name="etag" value="([^"]+)"', edit).group(1)
    post(c, "/desk/content/updates/2026-12-05-spring-festival-pay/withdraw", {"etag": tag})
    assert not (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.md").exists()
    assert not (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.en.md").exists()
    withdrawn = _versions(desk)[-1]
    assert withdrawn["action"] == "withdraw" and withdrawn["after_json"] is None
    post(c, f"/desk/content/versions/{withdrawn['id']}/revert")
    assert "春节前工资一定要发清" in (docs_dir / "updates/posts/2026-12-05-spring-festival-pay.md").read_text()
    assert [v["action"] for v in _versions(desk)] == ["create", "change", "withdraw", "revert"]
    assert {v["user_id"] for v in _versions(desk)} == {auth.find_user(desk.db, COUNTY).id}


def test_desk_content_update_problems_are_shown_beside_their_fields(desk, docs_dir):
    c = desk.client(COUNTY)
    r = post(c, "/desk/content/updates", {**UPDATE, "name": "Bad Name", "title_zh": "", "body_en": "",
                                          "etag": "none", "action": "publish"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="name-error"' in html and 'id="title_zh-error"' in html and 'id="body_en-error"' in html
    assert "请填写中文标题" in html
    assert not list((docs_dir / "updates/posts").glob("2026-12-05-*"))


def test_desk_content_add_a_project_checked_like_wagesafe_check(desk, data_dir):
    c = desk.client(COUNTY)
    before = (data_dir / "projects.csv").read_bytes()
    bad = post(c, "/desk/content/projects/new", {**NEW_PROJECT, "etag": "none", "labour_manager_phone": "12",
                                                 "township": "atlantis", "lat": "113.85", "lon": "27.62"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(r'id="e-labour_manager_phone">[^<]*is not a phone number', html)
    assert re.search(r'id="e-township">[^<]*unknown township', html)
    assert re.search(r'id="e-lat">[^<]*outside China', html)
    assert (data_dir / "projects.csv").read_bytes() == before  # nothing written

    ok = post(c, "/desk/content/projects/new", {**NEW_PROJECT, "etag": "none"})
    assert ok.status_code == 302
    after = (data_dir / "projects.csv").read_bytes()
    assert after.startswith(before) and after[len(before):].decode().startswith("qh901,青禾县新城安置房二期,")
    from wagesafe.registry import load_registry

    assert load_registry(data_dir).project("qh901").township == "hexi"
    assert status(desk.db)["waiting"] == 1
    page = c.get("/desk/content/projects/qh901/edit").get_data(as_text=True)
    assert "海报生成中" in page and 'name="code"' not in page  # the code (the QR) is not a field once made


def test_desk_content_second_editor_is_told_and_shown_the_other_change(desk, data_dir):
    post(desk.client(COUNTY), "/desk/content/editors", {"email": HEXI})
    first, second = desk.client(COUNTY), desk.client(HEXI)
    tag_of = lambda page: re.search(r'name="etag" value="([^"]+)"', page).group(1)  # noqa: E731
    tag1 = tag_of(first.get("/desk/content/projects/qh001/edit").get_data(as_text=True))
    tag2 = tag_of(second.get("/desk/content/projects/qh001/edit").get_data(as_text=True))
    row = rows.read_item(data_dir, rows.KINDS["projects"], "qh001")
    assert post(first, "/desk/content/projects/qh001", {**row, "labour_manager": "李四", "etag": tag1}).status_code == 302
    r = post(second, "/desk/content/projects/qh001", {**row, "labour_manager": "王五", "etag": tag2})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "有人在您打开之后改了这一项" in html
    assert "<strong>青禾县劳动保障监察大队</strong>" in html  # who changed it
    assert "劳资专管员：李四" in html  # the other's change, readable
    assert rows.read_item(data_dir, rows.KINDS["projects"], "qh001")["labour_manager"] == "李四"  # not overwritten
    # told, the second may save deliberately: the form now carries the new etag
    again = post(second, "/desk/content/projects/qh001", {**row, "labour_manager": "王五", "etag": tag_of(html)})
    assert again.status_code == 302
    assert rows.read_item(data_dir, rows.KINDS["projects"], "qh001")["labour_manager"] == "王五"


def test_desk_content_township_officer_change_gives_the_new_officer_an_account(desk, data_dir):
    c = desk.client(ADMIN)
    page = c.get("/desk/content/townships/hexi/edit").get_data(as_text=True)
    tag = re.search(r'name="etag" value="([^"]+)"', page).group(1)
    assert 'name="name_zh"' not in page  # only the officers' columns
    row = rows.read_item(data_dir, rows.KINDS["townships"], "hexi")
    r = post(c, "/desk/content/townships/hexi", {**row, "officer_name": "新专员", "officer_mobile": "13300000999",
                                                 "officer_email": "hexi.new@qinghe.example.gov.cn", "etag": tag})
    assert r.status_code == 302
    assert auth.find_user(desk.db, "hexi.new@qinghe.example.gov.cn").scope_code == "hexi"
    assert not auth.find_user(desk.db, HEXI).active
    # an officer left empty is refused with the check's own reason (projects need their township's officer)
    tag = re.search(r'name="etag" value="([^"]+)"', c.get("/desk/content/townships/hexi/edit").get_data(as_text=True)).group(1)
    bad = post(c, "/desk/content/townships/hexi", {**row, "officer_name": "", "officer_mobile": "", "officer_email": "",
                                                   "deputy_name": "", "deputy_mobile": "", "deputy_email": "", "etag": tag})
    assert bad.status_code == 422 and "has no officer" in bad.get_data(as_text=True)


def test_desk_content_csv_row_splice_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "legal_aid.csv"
    shutil.copy(ROOT / "data/legal_aid.csv", path)
    raw = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))  # as Excel saves it
    original = path.read_bytes()
    kind = rows.KINDS["legal_aid"]
    row = rows.read_item(tmp_path, kind, "court")
    rows.write_item(tmp_path, kind, "court", {**row, "phone": "0799-0607002"})
    changed = path.read_bytes()
    assert changed.startswith(b"\xef\xbb\xbf") and changed.count(b"\r\n") == original.count(b"\r\n")
    diff = [(a, b) for a, b in zip(original.split(b"\r\n"), changed.split(b"\r\n")) if a != b]
    assert len(diff) == 1 and b"0799-0607002" in diff[0][1]


def test_desk_content_rebuild_duty_builds_and_a_failed_build_keeps_the_portal(desk, docs_dir, tmp_path):
    """The worker's duty with real child processes (`wagesafe build`, `wagesafe posters`)."""
    c = desk.client(COUNTY)
    post(c, "/desk/content/updates", {**UPDATE, "etag": "none", "action": "publish"})
    rebuilder = SiteRebuilder(desk.config, desk.db)

    def run_until_done():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = rebuilder.step(desk.db, store.utcnow())
            if line:
                return line
            time.sleep(0.2)
        raise AssertionError("the rebuild did not finish")

    started = time.monotonic()
    assert "done" in run_until_done()
    seconds = time.monotonic() - started
    site = desk.config.site_dir
    assert (site / "updates/posts/2026-12-05-spring-festival-pay/index.html").is_file()
    assert "spring-festival-pay" in (site / "en/updates/feed.xml").read_text(encoding="utf-8")
    assert (site / "posters/qh001/poster-a4.pdf").is_file()
    live = os.readlink(site)
    assert seconds < 60, seconds

    page = docs_dir / "guides/evidence.md"
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "title: a: b\nx:", 1), encoding="utf-8")
    with store.write_transaction(desk.db):
        desk.db.conn.execute("INSERT INTO site_builds (requested_at) VALUES (?)", (store.iso(store.utcnow()),))
    assert "FAILED" in run_until_done()
    last = status(desk.db)["last"]
    assert last["ok"] == 0 and last["message"].startswith("页首信息有错") and "guides/evidence.md 第 2 行" in last["message"]
    assert os.readlink(site) == live
    home = c.get("/desk/content/").get_data(as_text=True)
    assert "上次生成失败" in home and "guides/evidence.md 第 2 行" in home


def test_desk_content_routes_publish_an_update_and_add_or_change_a_project(desk):
    """What `flask routes` lists (issue 26's done-when)."""
    posts = {r.rule for r in desk.app.url_map.iter_rules() if "POST" in r.methods}
    assert {"/desk/content/updates", "/desk/content/updates/<slug>", "/desk/content/projects/new",
            "/desk/content/projects/<key>", "/desk/content/versions/<int:version_id>/revert"} <= posts


def test_desk_content_revert_refused_when_the_registry_would_not_pass(desk, data_dir):
    """Reverting a creation removes the row; reverting to a state `wagesafe check` refuses (a township
    without an officer, its projects left with nobody) is refused with the check's reason."""
    c = desk.client(COUNTY)
    post(c, "/desk/content/projects/new", {**NEW_PROJECT, "etag": "none"})
    created = _versions(desk)[-1]
    r = post(c, f"/desk/content/versions/{created['id']}/revert")
    assert r.status_code == 302 and rows.read_item(data_dir, rows.KINDS["projects"], "qh901") is None  # removed
    tw = rows.read_item(data_dir, rows.KINDS["townships"], "hexi")
    tag = re.search(r'name="etag" value="([^"]+)"', c.get("/desk/content/townships/hexi/edit").get_data(as_text=True)).group(1)
    post(c, "/desk/content/townships/hexi", {**tw, "officer_away": "yes", "etag": tag})
    changed = _versions(desk)[-1]
    with store.write_transaction(desk.db):  # pretend the version began from an empty officer (a broken state)
        desk.db.conn.execute("UPDATE content_versions SET before_json = ? WHERE id = ?",
                             ('{"code": "hexi", "name_zh": "河西街道", "name_en": "Hexi", "kind_zh": "街道"}',
                              changed["id"]))
    r = post(c, f"/desk/content/versions/{changed['id']}/revert", follow_redirects=True)
    assert "不能撤回" in r.get_data(as_text=True) and "has no officer" in r.get_data(as_text=True)
    assert rows.read_item(data_dir, rows.KINDS["townships"], "hexi")["officer_away"] == "yes"


@pytest.mark.parametrize("url", ["/desk/content/history?item=post:../../../mkdocs",
                                 "/desk/content/history?item=nothing:x",
                                 "/desk/content/updates/..%2F..%2Fx/edit",
                                 "/desk/content/projects/nope/edit",
                                 "/desk/content/projects/qh001/poster-a5.pdf"])
def test_desk_content_unknown_or_hostile_addresses_are_404(desk, url):
    assert desk.client(COUNTY).get(url).status_code == 404


def test_desk_content_editing_an_unknown_update_is_404(desk):
    r = post(desk.client(COUNTY), "/desk/content/updates/2026-01-01-nothing", {**UPDATE, "etag": "none",
                                                                                "action": "publish"})
    assert r.status_code == 404


def test_desk_content_rebuild_after_a_broken_hand_edit_says_file_and_line(desk, data_dir):
    """A person broke data/projects.csv by hand: the rebuild fails before building, the editors are
    told where (file:line, with a Chinese lead), and nothing of the portal is touched."""
    from tests.registry_edit import set_cell

    line = set_cell(data_dir / "projects.csv", 1, "township", "atlantis")
    with store.write_transaction(desk.db):
        desk.db.conn.execute("INSERT INTO site_builds (requested_at) VALUES (?)", (store.iso(store.utcnow()),))
    rebuilder = SiteRebuilder(desk.config, desk.db)
    deadline = time.monotonic() + 60
    while not (done := rebuilder.step(desk.db, store.utcnow())):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    last = status(desk.db)["last"]
    assert last["ok"] == 0 and last["message"].startswith("门户没有生成（线上门户保持原样）")
    assert f"data/projects.csv:{line}" in last["message"] and "atlantis" in last["message"]
    assert not desk.config.site_dir.exists()


def test_desk_content_commits_each_change_to_git_with_the_editor_as_author(tmp_path, data_dir, docs_dir):
    """CONTENT_GIT_COMMIT=1 and data/ kept in git: each desk change is a commit by its editor."""
    import subprocess

    git = lambda *a: subprocess.run(["git", *a], cwd=data_dir, capture_output=True, text=True, check=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=county", "-c", "user.email=county@example.org", "add", "-A")
    git("-c", "user.name=county", "-c", "user.email=county@example.org", "commit", "-qm", "as kept by hand")
    d = Desk(tmp_path, data_dir, docs_dir=docs_dir, site_dir=tmp_path / "site", content_git_commit=True)
    try:
        c = d.client(COUNTY)
        assert post(c, "/desk/content/projects/new", {**NEW_PROJECT, "etag": "none"}).status_code == 302
    finally:
        d.db.close()
    log = git("log", "-1", "--format=%an <%ae>|%s|%cn").stdout.strip()
    assert log.startswith("青禾县劳动保障监察大队 <desk@qinghe.example.gov.cn>|工地项目 qh901 新建")
    assert git("status", "--porcelain").stdout == ""  # nothing left uncommitted
    assert "projects.csv" in git("show", "--stat", "HEAD").stdout


def test_desk_content_add_a_legal_aid_place(desk, data_dir):
    c = desk.client(COUNTY)
    form = c.get("/desk/content/legal-aid/new").get_data(as_text=True)
    assert ">法律援助中心（centre）<" in form and 'value="WGS-84"' in form  # codes chosen in words
    place = {"id": "hengtang-station", "kind": "township_station", "name_zh": "横塘镇法律援助工作站",
             "name_en": "", "address_zh": "青禾县横塘镇政府一楼", "township": "hengtang", "phone": "0799-0608001",
             "hours_zh": "周一至周五 9:00-17:00", "services_zh": "法律咨询；法律援助申请", "lat": "27.66",
             "lon": "113.86", "datum": "GCJ-02", "etag": "none"}
    bad = post(c, "/desk/content/legal-aid/new", place)
    assert bad.status_code == 422 and re.search(r'id="e-datum">坐标系应为 WGS-84', bad.get_data(as_text=True))
    assert post(c, "/desk/content/legal-aid/new", {**place, "datum": "WGS-84"}).status_code == 302
    from wagesafe.registry import load_registry

    assert "hengtang-station" in {p.id for p in load_registry(data_dir).legal_aid}
