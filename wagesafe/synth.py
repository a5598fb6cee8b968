"""Registries made by a program: the sample county and synthetic ones of any size.

The sample registry in ``data/`` was made by ``write_registry(..., projects=48)`` and then
kept by hand; benchmarks make 2,000 or 20,000 projects with ``wagesafe synth``. Output is
valid by construction (a test loads it) and deterministic for a seed, so figures compare.
Every person, company and number is fictional.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

from .registry import loader

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红玉兰海波辉鹏飞斌宇浩凯俊峰亮晨欣怡佳琳雪梅春生文德林"
# Twelve townships of the fictional 青禾县: (code, zh, en, kind)
TOWNSHIPS = [
    ("hexi", "河西街道", "Hexi Subdistrict", "街道"),
    ("dongcheng", "东城街道", "Dongcheng Subdistrict", "街道"),
    ("nanyuan", "南苑街道", "Nanyuan Subdistrict", "街道"),
    ("qingshui", "清水镇", "Qingshui Town", "镇"),
    ("baisha", "白沙镇", "Baisha Town", "镇"),
    ("longtan", "龙潭镇", "Longtan Town", "镇"),
    ("shiqiao", "石桥镇", "Shiqiao Town", "镇"),
    ("taoyuan", "桃源镇", "Taoyuan Town", "镇"),
    ("hengtang", "横塘镇", "Hengtang Town", "镇"),
    ("fenglin", "枫林镇", "Fenglin Town", "镇"),
    ("shangfang", "上坊乡", "Shangfang Township", "乡"),
    ("xiaxi", "下溪乡", "Xiaxi Township", "乡"),
]
ROADS = ["人民路", "建设路", "解放路", "中山路", "青禾大道", "滨江路", "工业大道", "文昌路", "振兴路", "胜利路",
         "新华路", "迎宾大道", "和平路", "园区一路", "学府路", "沿河路"]
KINDS = [  # (name pattern, industry authority, trades)
    ("{place}安置房{n}期工程", "housing", ["钢筋", "木工", "泥工"]),
    ("{place}{estate}小区{n}号楼", "housing", ["钢筋", "木工", "水电"]),
    ("{county}第{cn}中学教学楼", "housing", ["泥工", "装饰"]),
    ("{county}人民医院{wing}综合楼", "housing", ["钢筋", "水电", "消防"]),
    ("{road}道路提升改造工程", "transport", ["路基", "沥青摊铺"]),
    ("{place}大桥{n}标段", "transport", ["桥梁", "钢筋"]),
    ("{place}河道综合治理工程", "water", ["土方", "砌石"]),
    ("{place}工业园标准厂房{n}期", "housing", ["钢结构", "泥工"]),
]
ESTATES = ["锦绣", "翠湖", "御景", "金色家园", "阳光", "书香", "桂花", "滨江"]
WINGS = ["门诊", "住院部", "医技"]
COMPANIES = ["建工集团", "建设工程", "市政工程", "路桥建设", "水利水电工程", "建筑安装工程", "城建"]
BANKS = ["中国农业银行青禾支行", "中国建设银行青禾支行", "中国工商银行青禾支行", "青禾农村商业银行", "中国银行青禾支行"]
BUILDERS = {"housing": "青禾县城市建设投资有限公司", "transport": "青禾县交通投资集团有限公司",
            "water": "青禾县水利投资有限公司"}
CENTRE = (27.6210, 113.8540)  # WGS-84, the fictional county seat


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random, serial: int) -> str:
    # 139 0000 NNNN-style: well-formed, obviously fictional, never a real person's number in the sample.
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}0000{serial % 10000:04d}"


def _landline(serial: int) -> str:
    # Local numbers never start with 0, so 0799-0NNNNNN is well-formed but cannot be dialled.
    return f"0799-0{serial % 1000000:06d}"


def _company(rng: random.Random, kind: str) -> str:
    prefix = rng.choice(["江西", "禾川", "青禾", "赣西", "洪城", "湘赣"])
    mid = rng.choice(["宏远", "鑫源", "华建", "中禾", "恒泰", "顺达", "同创", "远大", "安达", "兴业", "金鼎", "瑞丰"])
    return f"{prefix}{mid}{kind}有限公司"


def county_document() -> dict:
    """The county file: county, desk, hotlines and departments."""
    dep = lambda code, kind, zh, en, n, phone: {  # noqa: E731 - a table is clearer than a loop here
        "code": code, "kind": kind, "name_zh": zh, "name_en": en, "contact_name": n,
        "contact_mobile": f"1380000{len(code):02d}{len(zh):02d}", "contact_email": f"{code}@qinghe.example.gov.cn",
        "phone": phone, "complaint_phone": phone}
    return {
        "county": {
            "code": "qinghe", "name_zh": "青禾县", "name_en": "Qinghe County", "province_zh": "江西省",
            "city_zh": "禾川市", "fictional": True,
            "minimum_wage": {"monthly_yuan": 1850, "hourly_yuan": 18.5, "effective_from": "2025-01-01"},
            "arbitration_zh": "青禾县劳动人事争议仲裁院", "arbitration_phone": "0799-0601001",
            "legal_aid_phone": "12348",
            "average_wage": {"monthly_yuan": 7000, "year": 2025,
                             "source_zh": "禾川市人民政府公布的2025年度全市城镇单位就业人员月平均工资（示例数字）"},
            "mediation": {"name_zh": "青禾县劳动人事争议仲裁院调解窗口", "place_zh": "青禾县人民路88号县人社局一楼",
                          "phone": "0799-0601002"},
        },
        "labour_inspection": {
            "name_zh": "青禾县劳动保障监察大队", "name_en": "Qinghe County Labour Inspection Brigade",
            "phone": "0799-0601333", "email": "desk@qinghe.example.gov.cn",
            "address_zh": "江西省禾川市青禾县人民路88号县人社局三楼", "contact_name": "周明",
            "contact_mobile": "13900000001",
        },
        "hotlines": [
            {"number": "12333", "name_zh": "人力资源社会保障服务热线", "name_en": "Human resources and social security hotline"},
            {"number": "12348", "name_zh": "公共法律服务热线（法律援助）", "name_en": "Public legal service (legal aid) hotline"},
            {"number": "12345", "name_zh": "政务服务便民热线", "name_en": "Government service hotline"},
            {"number": "110", "name_zh": "报警电话", "name_en": "Police emergency"},
            {"number": "0799-0601333", "name_zh": "青禾县劳动保障监察投诉电话", "name_en": "Qinghe labour inspection complaints"},
        ],
        "departments": [
            dep("housing", "housing", "青禾县住房和城乡建设局", "Qinghe Housing and Urban-Rural Development Bureau", "李建华", "0799-0602001"),
            dep("transport", "transport", "青禾县交通运输局", "Qinghe Transport Bureau", "张路平", "0799-0603001"),
            dep("water", "water", "青禾县水利局", "Qinghe Water Resources Bureau", "陈清泉", "0799-0604001"),
            dep("arbitration", "arbitration", "青禾县劳动人事争议仲裁院", "Qinghe Labour Dispute Arbitration Court", "刘仲文", "0799-0601001"),
            dep("legal-aid", "legal_aid", "青禾县法律援助中心", "Qinghe Legal Aid Centre", "黄援", "0799-0605348"),
            dep("police", "police", "青禾县公安局经侦大队", "Qinghe Public Security Bureau, Economic Crimes", "赵警", "0799-0606110"),
        ],
    }


def township_rows(rng: random.Random) -> list[dict]:
    rows = []
    for i, (code, zh, en, kind) in enumerate(TOWNSHIPS):
        rows.append({
            "code": code, "name_zh": zh, "name_en": en, "kind_zh": kind,
            "officer_name": _person(rng), "officer_mobile": _mobile(rng, 100 + i),
            "officer_email": f"{code}.officer@qinghe.example.gov.cn", "officer_away": "yes" if code == "baisha" else "no",
            "deputy_name": _person(rng), "deputy_mobile": _mobile(rng, 200 + i),
            "deputy_email": f"{code}.deputy@qinghe.example.gov.cn",
        })
    return rows


def _township_centre(i: int) -> tuple[float, float]:
    rng = random.Random(i * 7919)
    return CENTRE[0] + rng.uniform(-0.12, 0.12), CENTRE[1] + rng.uniform(-0.14, 0.14)


def project_rows(rng: random.Random, n: int) -> tuple[list[dict], list[dict]]:
    projects, subs = [], []
    width = max(3, len(str(n)))
    for i in range(1, n + 1):
        ti = (i * 5) % len(TOWNSHIPS)
        code, tzh, _, _ = TOWNSHIPS[ti]
        place = tzh.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        pattern, authority, trades = KINDS[i % len(KINDS)]
        name = pattern.format(place=place, county="青禾县", n=(i // len(KINDS)) % 9 + 1, cn="一二三四五六七八九"[(i // len(KINDS)) % 9], road=rng.choice(ROADS),
                              estate=rng.choice(ESTATES), wing=rng.choice(WINGS))
        if n > 60:
            name = f"{name}（{i}）"  # big synthetic registries: keep names unique
        lat0, lon0 = _township_centre(ti)
        start_year = rng.choice((2024, 2025, 2026))
        status = rng.choice(("active",) * 6 + ("planned", "suspended", "completed"))
        pcode = f"qh{i:0{width}d}"
        gc = _company(rng, rng.choice(COMPANIES))
        projects.append({
            "code": pcode, "name_zh": name, "name_en": "", "township": code,
            "address_zh": f"青禾县{tzh}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
            "lat": f"{lat0 + rng.uniform(-0.03, 0.03):.6f}", "lon": f"{lon0 + rng.uniform(-0.03, 0.03):.6f}",
            "builder": BUILDERS[authority] if i % 3 else _company(rng, "置业"),
            "general_contractor": gc, "gc_project_department": f"{gc}{place}项目部",
            "gc_project_manager": _person(rng), "labour_manager": _person(rng),
            "labour_manager_phone": _mobile(rng, 1000 + i), "industry_authority": authority,
            "wage_payment_day": str(rng.choice((5, 10, 15, 20, 25))), "wage_account_bank": rng.choice(BANKS),
            "start_date": f"{start_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "end_date": f"{start_year + 2}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "status": status,
        })
        for trade in rng.sample(trades, k=rng.randint(1, len(trades))):
            subs.append({"project": pcode, "name": _company(rng, "劳务"), "scope": f"{trade}劳务分包",
                         "team_leader": _person(rng)})
    return projects, subs


def legal_aid_rows(rng: random.Random, villages: int) -> list[dict]:
    rows = [
        {"id": "centre", "kind": "centre", "name_zh": "青禾县法律援助中心", "name_en": "Qinghe County Legal Aid Centre",
         "address_zh": "青禾县人民路90号县公共法律服务中心一楼", "township": "hexi", "phone": "0799-0605348",
         "hours_zh": "周一至周五 8:30-12:00 14:30-17:30；欠薪求助随到随办", "services_zh": "法律咨询；代写文书；指派律师；讨薪绿色通道",
         "lat": f"{CENTRE[0]:.6f}", "lon": f"{CENTRE[1]:.6f}", "datum": "WGS-84"},
        {"id": "hotline-12348", "kind": "hotline", "name_zh": "12348公共法律服务热线", "name_en": "12348 public legal service hotline",
         "address_zh": "", "township": "", "phone": "12348", "hours_zh": "全天24小时", "services_zh": "电话法律咨询；法律援助申请指引",
         "lat": "", "lon": "", "datum": ""},
        {"id": "court", "kind": "court_station", "name_zh": "青禾县人民法院法律援助工作站", "name_en": "Legal aid desk at Qinghe People's Court",
         "address_zh": "青禾县解放路12号县法院诉讼服务中心", "township": "dongcheng", "phone": "0799-0607001",
         "hours_zh": "周一至周五 9:00-17:00", "services_zh": "诉讼咨询；支付令申请指引；法律援助申请",
         "lat": f"{CENTRE[0] + 0.006:.6f}", "lon": f"{CENTRE[1] + 0.011:.6f}", "datum": "WGS-84"},
        {"id": "arbitration", "kind": "arbitration_station", "name_zh": "县劳动人事争议仲裁院法律援助工作站",
         "name_en": "Legal aid desk at the labour arbitration court", "address_zh": "青禾县人民路88号县人社局一楼",
         "township": "hexi", "phone": "0799-0601001", "hours_zh": "周一至周五 8:30-17:30",
         "services_zh": "仲裁申请指引；代写仲裁申请书；法律援助申请",
         "lat": f"{CENTRE[0] - 0.002:.6f}", "lon": f"{CENTRE[1] - 0.003:.6f}", "datum": "WGS-84"},
    ]
    for i, (code, zh, en, _) in enumerate(TOWNSHIPS):
        lat, lon = _township_centre(i)
        rows.append({"id": f"ws-{code}", "kind": "township_station", "name_zh": f"{zh}法律援助工作站",
                     "name_en": f"{en} legal aid workstation", "address_zh": f"青禾县{zh}{rng.choice(ROADS)}{rng.randint(1, 99)}号司法所",
                     "township": code, "phone": _landline(610000 + i), "hours_zh": "周一至周五 8:30-17:30",
                     "services_zh": "法律咨询；受理法律援助申请；调解", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "datum": "WGS-84"})
    for v in range(villages):
        ti = (v * 7) % len(TOWNSHIPS)
        code, zh, _, _ = TOWNSHIPS[ti]
        lat, lon = _township_centre(ti)
        village = rng.choice(["上村", "下村", "新村", "塘边", "石门", "花园", "荷塘", "杨家", "刘家"]) + rng.choice(["村", "社区"])
        rows.append({"id": f"vp-{v + 1:02d}", "kind": "village_point", "name_zh": f"{zh}{village}法律援助联络点",
                     "name_en": "", "address_zh": f"青禾县{zh}{village}村（居）委会", "township": code,
                     "phone": _mobile(rng, 3000 + v), "hours_zh": "工作日；电话预约", "services_zh": "就近咨询；代为转交法律援助申请",
                     "lat": f"{lat + rng.uniform(-0.02, 0.02):.6f}", "lon": f"{lon + rng.uniform(-0.02, 0.02):.6f}", "datum": "WGS-84"})
    return rows


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_registry(out_dir: str | Path, projects: int, seed: int = 2026, villages: int = 9) -> Path:
    """Write a complete, valid registry of ``projects`` projects into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    header = "# Registry of the FICTIONAL sample county 青禾县: every person, company and number is made up.\n"
    (out / loader.COUNTY_FILE).write_text(
        header + yaml.safe_dump(county_document(), allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    _write_csv(out / loader.TOWNSHIPS_FILE, loader.TOWNSHIP_COLUMNS, township_rows(rng))
    project_list, subs = project_rows(rng, projects)
    _write_csv(out / loader.PROJECTS_FILE, loader.PROJECT_COLUMNS, project_list)
    _write_csv(out / loader.SUBCONTRACTORS_FILE, loader.SUBCONTRACTOR_COLUMNS, subs)
    _write_csv(out / loader.LEGAL_AID_FILE, loader.LEGAL_AID_COLUMNS, legal_aid_rows(rng, villages))
    return out
