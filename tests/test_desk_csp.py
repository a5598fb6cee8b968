"""The desk forbids inline styles as well as scripts: its pages carry no ``<style>`` block and no
``style=`` attribute, load their look from ``/static/desk.css``, and say so in their CSP."""

from __future__ import annotations

import re

from tests.desk_fixtures import COUNTY, HEXI, insert_case, post

INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _check(resp):
    page = resp.get_data(as_text=True)
    csp = resp.headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp, csp
    assert not INLINE_STYLE.search(page), INLINE_STYLE.search(page)
    assert "/static/desk.css" in page


def test_desk_pages_have_no_inline_styles(desk):
    cid = insert_case(desk.db, description="一行\n两行")
    _check(desk.app.test_client().get("/desk/login"))
    hexi = desk.client(HEXI)
    post(hexi, f"/desk/cases/{cid}/note", {"body": "内部备注\n第二行"})
    for path in ("/desk/", f"/desk/cases/{cid}", "/desk/projects"):
        _check(hexi.get(path, follow_redirects=True))
    county = desk.client(COUNTY)
    for path in ("/desk/dashboard", "/desk/audit"):
        _check(county.get(path, follow_redirects=True))
    css = desk.app.test_client().get("/static/desk.css")
    assert css.status_code == 200 and ".note-body{white-space:pre-wrap}" in css.get_data(as_text=True)
