"""``PostedComplaint`` (the POST path's values without building the WTForms form) gives every
field exactly the ``data`` that ``ComplaintForm`` would, and the page with errors still shows
what the worker typed; CSRF stays checked (by ``CSRFProtect``, before the view)."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from formsvc.web.intake import forms
from test_intake import GOOD, make_app, stored_nothing, submit, tokens


@pytest.fixture
def app(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    app.config["WTF_CSRF_ENABLED"] = False  # compare the fields alone; CSRF is tested below
    return app


CASES = [
    {},
    GOOD,
    {**GOOD, "anonymous": "y", "consent": "false", "website": ""},
    {"consent": "", "anonymous": "false", "workers": "", "owed_by_kind": ""},
    {"name": ["甲", "乙"], "consent": ["", "y"], "anonymous": ["y", ""]},
    {"township": "hexi", "project_code": "QH012", "site_address": "x", "callback_time": "noon"},
    {"unknown_field": "x", "csrf_token": "abc"},
]


@pytest.mark.parametrize("fields", CASES)
@pytest.mark.parametrize("with_file", [False, True])
def test_posted_values_equal_the_wtforms_fields(app, fields, with_file):
    data = MultiDict()
    for k, v in fields.items():
        for item in (v if isinstance(v, list) else [v]):
            data.add(k, item)
    if with_file:
        data.add("evidence", (io.BytesIO(b"%PDF-1.4 x"), "a.pdf"))
    with app.test_request_context("/r/qh012", method="POST", data=data, content_type="multipart/form-data"):
        posted = forms.posted_complaint()
        assert isinstance(posted, forms.PostedComplaint)
        form = forms.ComplaintForm()
        names = [f.name for f in form]
        assert [v.name for v in posted] == names
        for value in posted:
            want = getattr(form, value.name).data
            if value.name == "evidence" and want is not None:
                assert [(f.filename, f.name) for f in value.data] == [(f.filename, f.name) for f in want]
                assert all(isinstance(f, FileStorage) for f in value.data)
            else:
                assert value.data == want, value.name


def test_a_json_or_other_body_gets_the_full_form(app):
    with app.test_request_context("/r/qh012", method="POST", json={"name": "x"}):
        assert isinstance(forms.posted_complaint(), forms.ComplaintForm)


def test_without_app_wide_csrf_the_full_form_checks_it(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # CSRFProtect would not check the views
    with app.test_request_context("/r/qh012", method="POST", data=GOOD, content_type="multipart/form-data"):
        form = forms.posted_complaint()
        assert isinstance(form, forms.ComplaintForm) and form.meta.csrf
        assert not form.validate() and form.csrf_token.errors


def test_csrf_is_still_required(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    t = tokens(client.get("/r/qh012").data)
    r = client.post("/r/qh012", data={**GOOD, "submission_token": t["submission_token"]},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "页面已过期" in r.data.decode()
    r = client.post("/r/qh012", data={**GOOD, **t, "csrf_token": t["csrf_token"][:-2] + "xx"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "页面已过期" in r.data.decode()
    assert stored_nothing(app)


def test_errors_page_keeps_what_was_typed(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    r = submit(client, mobile="12345", name="王五", description="工资没发")
    assert r.status_code == 400
    page = r.data.decode()
    assert "王五" in page and "工资没发" in page and 'value="12345"' in page
    assert 'class="field has-error' in page or "has-error" in page
    assert 'name="csrf_token"' in page
    assert stored_nothing(app)
