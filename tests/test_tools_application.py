"""The arbitration application (``/tools/application``): every element entered is in the PDF's
text, hostile values get a clear error or are laid out without breaking, nothing is stored, and the
worker's own case (receipt + mobile) fills the form."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from tests.test_intake import GOOD, count, db_of, make_app, tokens

ELEMENTS = dict(
    name="王小明", sex="男", age="45", occupation="木工", id_number="36010119800101001X", mobile="13812345678",
    address="江西省禾川市青禾县龙潭镇新村12号", workplace="龙潭金色家园小区1号楼工地",
    start_date="2026-03-01", pay_amount="6000", pay_day="每月25日", months_unpaid="3",
    unpaid_period="2026年6月至8月", paid_amount="30000", leave_date="2026年9月5日",
    r1_name="青禾安达劳务有限公司", r1_address="青禾县人民路1号", r1_rep="赵大勇", r1_rep_title="经理",
    r2_name="洪城恒泰城建有限公司", r2_address="南昌市红谷滩区1号", r2_rep="钱总", r2_rep_title="董事长",
    claim1="请求裁决被申请人支付拖欠的工资", amount1="18000",
    claim2="请求裁决被申请人支付未签书面劳动合同的二倍工资差额", amount2="24000",
    facts="申请人于2026年3月起在龙潭金色家园工地做木工，约定月薪6000元。\n2026年6月至8月的工资至今未付。",
    evidence1="考勤记录截图", source1="申请人手机", evidence2="工友证言", source2="工友李四",
    witness1="李四", witness_address1="青禾县龙潭镇上村3号",
)
CHOICES = dict(pay_unit="month", leave_manner="art38")  # printed as words, not as these keys


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = _norm("".join(p.extract_text() for p in reader.pages))
    return re.sub(r"薪安通帮助填写·内容由申请人负责(·示例数据)?·第\d+页", "", text)  # page footers


@pytest.fixture
def app(tmp_path, data_dir):
    return make_app(tmp_path, data_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def _csrf(client, url="/tools/application") -> str:
    page = client.get(url).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(client, **fields):
    return client.post("/tools/application", data={"csrf_token": _csrf(client), **CHOICES, **fields})


def test_application_pdf_holds_every_element_and_the_art_28_contents(app, client):
    before = count(app, "complaints")
    resp = _post(client, **ELEMENTS)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Cache-Control"] == "no-store"
    text = _pdf_text(resp.data)
    plain = text.replace(",", "")  # amounts are printed with thousands separators (30,000元)
    missing = [k for k, v in ELEMENTS.items() if _norm(v) not in plain and k not in ("start_date", "leave_date")]
    assert missing == []
    assert "劳动人事争议仲裁申请书" in text and "致：青禾县劳动人事争议仲裁委员会" in text
    assert "本申请书请带3份" in text and "副本2份" in text  # two respondents: original + 2 copies (art. 28)
    assert "0799-0601001" in text and "第53条" in text
    assert count(app, "complaints") == before  # nothing stored


def test_one_respondent_means_two_copies(client):
    fields = {k: v for k, v in ELEMENTS.items() if not k.startswith("r2_")}
    text = _pdf_text(_post(client, **fields).data)
    assert "本申请书请带2份" in text and "被申请人1名称" not in text and "被申请人2" not in text


def test_missing_elements_get_a_clear_error_in_chinese(client):
    resp = client.post("/tools/application", data={"csrf_token": _csrf(client), "name": "", "r1_name": "",
                                                   "address": ""})
    assert resp.status_code == 400
    page = resp.data.decode()
    for message in ("请填写申请人姓名。", "请填写被申请人（用人单位）名称。", "请至少写一项仲裁请求。",
                    "请填写职业（工种）。", "请填写入职（开始干活）日期。", "请填写约定工资（元）。", "请选择工资怎么算。",
                    "请选择怎么离开的。", "请填写性别（《劳动争议调解仲裁法》第28条要求写明）", "请填写年龄（"):
        assert message in page, message
    assert "请填写事实和理由。" not in page  # the elements carry the facts
    assert 'aria-invalid="true"' in page


def _pdftotext(data: bytes, tmp_path) -> str:
    """The PDF's text as poppler's pdftotext reads it (another reader than pypdf), whitespace removed."""
    import subprocess

    pdf = tmp_path / "application.pdf"
    pdf.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return _norm(out)


def test_the_pdf_is_yaosushi_one_element_a_line_with_sex_age_and_occupation(client, tmp_path):
    """要素式: start date, job, agreed pay and pay day, months unpaid, amounts paid, date and manner of leaving
    (review §3 item 7, row 97), each on its own numbered line; art. 28's sex, age, occupation; the oral route."""
    resp = _post(client, **ELEMENTS)
    assert resp.status_code == 200
    text = _pdftotext(resp.data, tmp_path)
    for line in ("姓名：王小明性别：男年龄：45岁职业：木工", "案件要素", "1.入职（开始干活）时间：2026年3月1日",
                 "2.工作岗位（职业）：木工", "3.约定工资：每月6,000元；约定发薪日：每月25日",
                 "4.被拖欠工资：2026年6月至8月，共3个月", "5.已支付：30,000元",
                 "6.离职时间和方式：2026年9月5日，因被申请人拖欠工资，书面提出解除劳动合同",
                 "书写仲裁申请确有困难的，可以口头申请，由仲裁委记入笔录（第28条）"):
        assert line in text, line
    page = client.get("/tools/application").data.decode()
    assert "可以直接到仲裁委口头申请" in page and 'name="occupation"' in page


def test_sex_or_age_may_be_left_out_only_with_a_reason_that_the_pdf_prints(client, tmp_path):
    without = {k: v for k, v in ELEMENTS.items() if k not in ("sex", "age")}
    assert _post(client, **without).status_code == 400
    resp = _post(client, **without, missing_why="不记得出生年份")
    assert resp.status_code == 200
    text = _pdftotext(resp.data, tmp_path)
    assert "性别、年龄未填写，原因：不记得出生年份" in text and "年龄：" not in text.split("被申请人")[0]


@pytest.mark.parametrize("fields,field,message", [
    (dict(start_date="去年春天"), "start_date", "入职（开始干活）日期请按“年-月-日”或“年-月”填"),
    (dict(start_date="2026-02-30"), "start_date", "入职（开始干活）日期请按“年-月-日”或“年-月”填"),
    (dict(leave_date="2025-12-31"), "leave_date", "离职日期不能早于入职日期。"),
    (dict(leave_date=""), "leave_date", "请填写离职日期（最后上班那天）。"),
    (dict(pay_amount="六千"), "pay_amount", "约定工资（元）的金额请填数字"),
    (dict(months_unpaid="八"), "months_unpaid", "被拖欠几个月的工资请填0到120之间的整数"),
    (dict(age="3"), "age", "年龄请填14到100之间的数字"),
    (dict(sex="male"), "sex", "请选择性别。"),
    (dict(leave_manner="fired"), "leave_manner", "请选择怎么离开的。"),
])
def test_bad_elements_get_a_polite_error_naming_the_field(client, fields, field, message):
    resp = _post(client, **{**ELEMENTS, **fields})
    assert resp.status_code == 400
    page = resp.data.decode()
    assert message in page and f'id="a-{field}"' in page and f'href="#a-{field}"' in page


def test_still_working_needs_no_leaving_date(client, tmp_path):
    resp = _post(client, **{**ELEMENTS, "leave_date": "", "leave_manner": "working"})
    assert resp.status_code == 200
    assert "6.离职时间和方式：还在干，没有离职" in _pdftotext(resp.data, tmp_path)


def test_the_calculator_carries_months_owed_not_months_worked(client):
    """Review case H: 8 months worked at 6,000, 30,000 paid → the application says 3 months, 18,000."""
    calc = client.get("/tools/calculator?mode=month&units=8&rate=6000&paid=30000").data.decode()
    link = re.search(r'href="(/tools/application\?[^"]+)"', calc).group(1).replace("&amp;", "&")
    page = client.get(link).data.decode()
    assert re.search(r'name="months_unpaid" value="3"', page) and re.search(r'name="amount1" value="18000"', page)
    assert 'value="8"' not in page


def test_ten_thousand_characters_get_a_polite_error_and_the_text_is_kept(client):
    long = "欠" * 10_000
    resp = _post(client, **{**ELEMENTS, "facts": long})
    assert resp.status_code == 400
    page = resp.data.decode()
    assert "事实和理由太长了：最多3000个字，现在10000个字" in page
    assert page.count("欠") >= 10_000  # what the worker typed is not lost


def test_markup_and_rtl_marks_are_laid_out_as_plain_text(client):
    hostile = {**ELEMENTS, "name": "王\u202e小明", "r1_name": "<script>alert(1)</script>公司",
               "facts": "第一行\u200f\n<b>第二行</b>\x00\x07", "claim1": "支付工资 &amp; 利息"}
    resp = _post(client, **hostile)
    assert resp.status_code == 200
    text = _pdf_text(resp.data)
    assert "王小明" in text and "\u202e" not in text
    assert "<script>alert(1)</script>公司" in text and "<b>第二行</b>" in text and "&amp;" in text
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) >= 1
    # An error page with the same values escapes them.
    bad = _post(client, **{**hostile, "name": ""})
    assert bad.status_code == 400 and "<script>alert(1)</script>" not in bad.data.decode()


def test_long_values_flow_onto_more_pages(client):
    facts = "。".join(["申请人每天在工地干活，包工头一直说下个月一起发" * 3] * 20)[:3000]
    resp = _post(client, **{**ELEMENTS, "facts": facts})
    assert resp.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) >= 2
    assert _norm(facts) in _pdf_text(resp.data)


def test_amount_carried_from_the_calculator_fills_the_first_claim(client):
    page = client.get("/tools/application?amount_yuan=22200").data.decode()
    assert 'name="amount1" value="22200"' in page and "不会保存" in page


def _file_complaint(client):
    page = client.get("/r/qh001").data
    data = {**GOOD, **tokens(page)}
    resp = client.post("/r/qh001", data=data)
    assert resp.status_code == 303
    return resp.headers["Location"].rsplit("/", 1)[1]


def test_the_workers_own_case_fills_the_form(app, client):
    receipt = _file_complaint(client)
    other = app.test_client()  # another phone: receipt + mobile is enough, as on the status page
    page = other.post("/tools/application", data={"csrf_token": _csrf(other), "action": "prefill",
                                                  "receipt": receipt, "prefill_mobile": GOOD["mobile"]})
    assert page.status_code == 200
    html = page.data.decode()
    assert 'value="张三"' in html and 'value="李四"' in html and 'value="12000"' in html
    assert "洪城恒泰城建有限公司" in html  # the project's general contractor, offered as second respondent
    wrong = other.post("/tools/application", data={"csrf_token": _csrf(other), "action": "prefill",
                                                   "receipt": receipt, "prefill_mobile": "13900000000"})
    assert wrong.status_code == 404 and "张三" not in wrong.data.decode()
