"""Open311 GeoReport v2 on a real server (gunicorn on loopback), driven by a third-party client.

The client is ``georeport`` from PyPI (nobody here wrote it): it lists the services, reads the
service definition and reads a request back, in JSON and in XML. It cannot POST (its README says
so; ``open311`` 1.1 and ``three`` 0.8 are Python 2 only), so the POST goes through ``requests``,
the HTTP library georeport itself uses. The XML is also checked against the specification's
element names with the standard library's parser. Then hostile input: every refusal is a 4xx
in the specification's error format, the server logs no 5xx, and nothing is stored.
"""

from __future__ import annotations

import json
import sqlite3
from xml.etree import ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from tests.conftest import SAMPLE_DATA
from tests.county_instances import make_instance

RATE = 6


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    inst = make_instance(tmp_path_factory.mktemp("open311"), "qinghe", SAMPLE_DATA,
                         OPEN311_RATE_LIMIT_PER_HOUR=str(RATE), RATE_LIMIT_MOBILE_PER_DAY="50")
    inst.wagesafe("db", "migrate")
    inst.start()
    yield inst
    inst.stop()


def key_for(county, name: str) -> str:
    return county.wagesafe("api-key", "issue", name).stdout.strip()


def count(county, table="complaints") -> int:
    with sqlite3.connect(county.database) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


GOOD = {"service_code": "wage_other", "address_string": "河西街道 工业园3号", "last_name": "欧阳",
        "first_name": "春花", "phone": "13687654321", "description": "老板欠我们三个月工资，人在宿舍等",
        "attribute[workers]": "4", "attribute[amount_yuan]": "36000", "attribute[consent]": "true",
        "attribute[owed_by_name]": "青禾某某劳务公司"}


def test_georeport_client_lists_services_posts_and_reads_back(county):
    key = key_for(county, "client-test")
    client = GeoReport(county.api, jurisdiction="qinghe", api_key=key)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert codes[:2] == ["wage_project", "wage_other"]
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    definition = client.get_service_definition("wage_project")
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert attrs["project_code"]["required"] is True
    assert {v["key"] for v in attrs["township"]["values"]} >= {"hexi", "dongcheng"}
    assert [v["key"] for v in attrs["owed_by_kind"]["values"]] == ["company", "team_leader", "unknown"]

    r = requests.post(f"{county.api}/requests.json", data={"api_key": key, "jurisdiction_id": "qinghe", **GOOD},
                      headers={"Idempotency-Key": "client-test-0001"}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    rid = r.json()[0]["service_request_id"]
    assert "河西街道" in r.json()[0]["service_notice"]

    one = client.get_service_request(rid)
    assert one["service_request_id"] == rid and one["status"] == "open"
    assert one["agency_responsible"] == "河西街道" and one["service_code"] == "wage_other"
    assert one["requested_datetime"].endswith("+08:00")
    listed = client.get_service_requests(service_request_id=rid)
    assert [x["service_request_id"] for x in listed] == [rid]
    assert rid in [x["service_request_id"] for x in client.get_service_requests(status="open")]
    assert rid not in [x["service_request_id"] for x in client.get_service_requests(status="closed")]

    xml_client = GeoReport(county.api, jurisdiction="qinghe", output_format="xml")
    assert [s["service_code"] for s in xml_client.get_service_list()][:2] == ["wage_project", "wage_other"]
    x = xml_client.get_service_request(rid)
    assert x["service_request_id"] == rid and x["agency_responsible"] == "河西街道"

    # The case went through the same submit as the web form: routed, officer told, source recorded.
    with sqlite3.connect(county.database) as c:
        row = c.execute("SELECT source, source_ref, assignee_code, name, mobile FROM complaints WHERE id = ?",
                        (int(rid),)).fetchone()
        notices = c.execute("SELECT channel, recipient FROM notices WHERE complaint_id = ?", (int(rid),)).fetchall()
    assert row == ("partner", "client-test:client-test-0001", "hexi", "欧阳春花", "13687654321")
    assert ("email", "hexi.officer@qinghe.example.gov.cn") in notices

    # The same Idempotency-Key again: the first case, no second one.
    before = count(county)
    again = requests.post(f"{county.api}/requests.json", data={"api_key": key, **GOOD},
                          headers={"Idempotency-Key": "client-test-0001"}, timeout=10)
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == rid
    assert count(county) == before


def test_the_specifications_xml(county):
    def get(path):
        r = requests.get(f"{county.api}/{path}", timeout=10)
        assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return r, ET.fromstring(r.content)

    _, root = get("services.xml")
    assert root.tag == "services" and [c.tag for c in root] == ["service"] * len(root)
    assert {e.tag for e in root[0]} >= {"service_code", "service_name", "description", "metadata", "type",
                                         "keywords", "group"}
    assert root[0].findtext("metadata") == "true"
    _, root = get("services/wage_other.xml")
    assert root.tag == "service_definition" and root.findtext("service_code") == "wage_other"
    township = [a for a in root.find("attributes") if a.findtext("code") == "township"][0]
    assert township.tag == "attribute" and township.findtext("datatype") == "singlevaluelist"
    assert [v.findtext("key") for v in township.find("values").findall("value")][:2] == ["hexi", "dongcheng"]
    _, root = get("discovery.xml")
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]
    _, root = get("requests.xml")
    assert root.tag == "service_requests" and all(c.tag == "request" for c in root)
    r, root = get("requests/999999.xml")
    assert r.status_code == 404 and root.tag == "errors" and root.find("error/code").text == "404"
    assert root.find("error/description").text


def _assert_spec_error(r, fmt="json"):
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if fmt == "xml":
        root = ET.fromstring(r.content)
        assert root.tag == "errors" and root.find("error/code").text == str(r.status_code)
        assert root.find("error/description").text
    else:
        body = r.json()
        assert isinstance(body, list) and body[0]["code"] == r.status_code and body[0]["description"]


BIG = "欠" * 100_000
HOSTILE = [
    ("no key", {"api_key": ""}, 403),
    ("bad key", {"api_key": "ws311_not-a-key"}, 403),
    ("key of another shape", {"api_key": "' OR 1=1 --"}, 403),
    ("no service_code", {"service_code": ""}, 400),
    ("unknown service_code", {"service_code": "potholes"}, 404),
    ("no location", {"address_string": ""}, 400),
    ("project service without project", {"service_code": "wage_project"}, 400),
    ("unknown project", {"attribute[project_code]": "zz999"}, 400),
    ("100 KB description", {"description": BIG}, 400),
    ("100 KB name", {"first_name": BIG}, 400),
    ("100 KB address", {"address_string": BIG}, 400),
    ("100 KB attribute", {"attribute[trade]": BIG}, 400),
    ("markup in name", {"first_name": "<script>alert(1)</script>"}, 400),
    ("markup in description", {"description": '"><img src=x onerror=alert(1)>'}, 400),
    ("markup in attribute", {"attribute[owed_by_name]": "<b>x</b>"}, 400),
    ("control characters", {"address_string": "河西\x00街道"}, 400),
    ("wrong jurisdiction", {"jurisdiction_id": "baishui"}, 404),
    ("bad phone", {"phone": "12345"}, 400),
    ("workers not a number", {"attribute[workers]": "many"}, 400),
    ("workers too many", {"attribute[workers]": "99999999999"}, 400),
    ("negative amount", {"attribute[amount_yuan]": "-5"}, 400),
    ("unknown township", {"attribute[township]": "atlantis"}, 400),
    ("unknown choice", {"attribute[owed_by_kind]": "alien"}, 400),
    ("name without consent", {"attribute[consent]": "false"}, 400),
    ("javascript media", {"media_url": "javascript:alert(1)"}, 400),
    ("lat outside China", {"lat": "48.85", "long": "2.35", "address_string": ""}, 400),
]


@pytest.mark.parametrize("label,change,status", HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_hostile_requests_are_refused_in_the_spec_format_and_store_nothing(county, label, change, status, fmt):
    key = getattr(county, "_hostile_key", None) or key_for(county, "hostile")
    county._hostile_key = key
    before = count(county), count(county, "notices")
    r = requests.post(f"{county.api}/requests.{fmt}", data={"api_key": key, **{**GOOD, **change}}, timeout=10)
    assert r.status_code == status, r.text[:300]
    _assert_spec_error(r, fmt)
    assert (count(county), count(county, "notices")) == before
    assert "<script" not in r.text and "onerror" not in r.text


def test_hostile_paths_and_methods(county):
    for method, path in [("GET", "requests/abc.json"), ("GET", "requests/99999999999999999999.json"),
                         ("DELETE", "requests/1.json"), ("PUT", "services.json"), ("GET", "services/nope.json"),
                         ("GET", "requests.json?start_date=yesterday"), ("GET", "requests.json?status=maybe"),
                         ("GET", "requests.json?service_request_id=1,x"), ("GET", "nothing.xml"),
                         ("POST", "servicerequestupdates.json")]:
        r = requests.request(method, f"{county.api}/{path}", timeout=10)
        _assert_spec_error(r, "xml" if path.endswith(".xml") else "json")
    assert county.server_errors() == []


def test_no_get_answer_contains_personal_data(county):
    key = key_for(county, "privacy")
    secret = {"last_name": "诸葛", "first_name": "秘密", "phone": "13511112222",
              "description": "独一无二的情况说明文字", "attribute[owed_by_name]": "无人知晓建筑公司"}
    r = requests.post(f"{county.api}/requests.json", data={"api_key": key, **GOOD, **secret}, timeout=10)
    assert r.status_code == 201
    rid = r.json()[0]["service_request_id"]
    needles = ["诸葛", "秘密", "13511112222", "独一无二", "无人知晓", "工业园"]
    paths = [f"requests/{rid}", "requests", f"requests?service_request_id={rid}", "requests?status=open",
             "requests?service_code=wage_other", "services", "services/wage_other", "discovery"]
    answers = []
    for path in paths:
        for fmt in ("json", "xml"):
            base, _, query = path.partition("?")
            resp = requests.get(f"{county.api}/{base}.{fmt}?{query}", timeout=10)
            assert resp.status_code == 200
            answers.append(resp.content.decode("utf-8"))
    assert any(f">{rid}<" in a or f'"{rid}"' in a for a in answers)
    for text in answers:
        for needle in needles:
            assert needle not in text
    listed = json.loads(requests.get(f"{county.api}/requests/{rid}.json", timeout=10).text)[0]
    assert set(listed) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                           "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                           "expected_datetime"}


def test_rate_limit_per_key_and_revoked_keys(county):
    key, other = key_for(county, "busy-partner"), key_for(county, "calm-partner")
    codes = [requests.post(f"{county.api}/requests.json", data={"api_key": key, **GOOD, "phone": f"1390000{i:04d}"},
                           timeout=10).status_code for i in range(RATE + 1)]
    assert codes == [201] * RATE + [429]
    r = requests.post(f"{county.api}/requests.json", data={"api_key": other, **GOOD}, timeout=10)
    assert r.status_code == 201  # the limit is the key's, not the address's
    county.wagesafe("api-key", "revoke", "calm-partner")
    r = requests.post(f"{county.api}/requests.json", data={"api_key": other, **GOOD}, timeout=10)
    assert r.status_code == 403
    listing = county.wagesafe("api-key", "list").stdout
    assert "busy-partner" in listing and "revoked" in listing and key not in listing
    with sqlite3.connect(county.database) as c:
        stored = [r[0] for r in c.execute("SELECT key_hash FROM api_keys")]
    assert key not in stored and other not in stored


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "requests.json", "GET, POST"), ("DELETE", "requests/1.json", "GET"), ("PUT", "services.json", "GET"),
    ("PATCH", "services/wage_other.xml", "GET"), ("GET", "servicerequestupdates.json", "POST")])
def test_an_unsupported_method_answers_405_with_allow(county, method, path, allow):
    r = requests.request(method, f"{county.api}/{path}", timeout=10)
    assert r.status_code == 405, (method, path, r.text)
    assert r.headers["Allow"] == allow
    _assert_spec_error(r, "xml" if path.endswith(".xml") else "json")
    assert requests.put(f"{county.api}/nothing.json", timeout=10).status_code == 404  # no such path: still 404


def test_a_reused_idempotency_key_with_another_body_is_refused(county):
    key = key_for(county, "idem-body")
    headers = {"Idempotency-Key": "baishui-7-reused-key"}
    first = requests.post(f"{county.api}/requests.json", data={**GOOD, "api_key": key}, headers=headers, timeout=10)
    assert first.status_code == 201
    again = requests.post(f"{county.api}/requests.json", data={**GOOD, "api_key": key}, headers=headers, timeout=10)
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    before = (count(county), count(county, "notices"))
    other = {**GOOD, "api_key": key, "attribute[amount_yuan]": "99000", "description": "另一位工人的另一件事"}
    r = requests.post(f"{county.api}/requests.json", data=other, headers=headers, timeout=10)
    assert r.status_code == 409
    [err] = r.json()
    assert err["code"] == 409 and "Idempotency-Key" in err["description"] and "新的投诉请用新的" in err["description"]
    assert (count(county), count(county, "notices")) == before
    assert county.server_errors() == []
