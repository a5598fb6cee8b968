"""Keyless Open311 reads are paged at 100 and limited per address; a partner with a key reads whole
lists and is not limited per address (issue 25 item 5). The real app on a real SQLite file."""

from __future__ import annotations

import os

import pytest

from formsvc.case import complaints
from formsvc.officers import api_keys
from formsvc.storage import store
from formsvc.web.api import views
from wagesafe.registry import load_registry
from tests.test_intake import make_app

N = 130


@pytest.fixture(scope="module")
def app(tmp_path_factory, data_dir_module):
    app = make_app(tmp_path_factory.mktemp("reads"), data_dir_module, RATE_LIMIT_MOBILE_PER_DAY="1000")
    config = app.config["WAGESAFE"]
    db = store.open_db(config.database)
    registry = load_registry(config.data_dir)
    for n in range(N):
        data = complaints.ComplaintInput(submission_token=os.urandom(12).hex(), project_code="qh012", name="张三",
                                         mobile="13812345678", workers=1, amount_yuan=1000 + n, consent=True)
        complaints.submit(db, registry, config, data, [], ip="", rate_limited=False)
    app.config["KEY"] = api_keys.issue(db, "partner-a")
    db.close()
    return app


@pytest.fixture(scope="module")
def data_dir_module(tmp_path_factory):
    import shutil

    from tests.conftest import SAMPLE_DATA

    target = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns("README.md", "partners.yaml"))
    return target


def client(app, ip: str):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


def test_keyless_list_is_paged_at_100_with_a_link_to_the_next_page(app):
    c = client(app, "10.1.0.1")
    r = c.get("/open311/v2/requests.json?page_size=500")
    assert r.status_code == 200 and len(r.json) == views.PAGE_SIZE
    assert r.headers["Link"].endswith('rel="next"') and "page=2" in r.headers["Link"]
    first = [x["service_request_id"] for x in r.json]
    nxt = r.headers["Link"].split(">", 1)[0].lstrip("<")
    r = c.get(nxt)
    second = [x["service_request_id"] for x in r.json]
    assert r.status_code == 200 and len(second) == N - views.PAGE_SIZE and "Link" not in r.headers
    assert not set(first) & set(second)
    r = c.get("/open311/v2/requests.xml?page_size=10&page=3")
    assert r.status_code == 200 and r.data.count(b"<request>") == 10
    assert c.get("/open311/v2/requests.json?page=0").status_code == 400
    ids = ",".join(str(i) for i in range(1, views.PAGE_SIZE + 2))
    r = c.get(f"/open311/v2/requests.json?service_request_id={ids}")
    assert r.status_code == 400 and r.json[0]["code"] == 400  # the specification's error format


def test_a_partner_with_a_key_reads_the_whole_list(app):
    r = client(app, "10.1.0.2").get("/open311/v2/requests.json", headers={"X-Api-Key": app.config["KEY"]})
    assert r.status_code == 200 and len(r.json) == N and "Link" not in r.headers
    r = client(app, "10.1.0.2").get("/open311/v2/requests.json?api_key=wrong-key")
    assert r.status_code == 403


def test_keyless_reads_are_limited_per_address_not_for_keys(app):
    c = client(app, "10.1.0.3")
    codes = [c.get("/open311/v2/requests/1.json").status_code for _ in range(views.KEYLESS_READS_PER_10_MINUTES)]
    assert codes == [200] * views.KEYLESS_READS_PER_10_MINUTES
    r = c.get("/open311/v2/requests.json")
    assert r.status_code == 429 and r.json[0]["code"] == 429 and int(r.headers["Retry-After"]) >= 1
    assert client(app, "10.1.0.4").get("/open311/v2/requests/1.json").status_code == 200  # another address
    keyed = c.get("/open311/v2/requests.json", headers={"X-Api-Key": app.config["KEY"]})
    assert keyed.status_code == 200  # the partner's key: its own hourly limit (on POSTs) as before
    assert c.get("/open311/v2/services.json").status_code == 200  # the service list is never limited
