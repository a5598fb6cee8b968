"""Helpers the browser tests share (kept out of conftest.py so that test modules can import them)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

AXE_JS = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("WAGESAFE_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# WeChat's in-app browser on Android: what most workers scan the poster with.
PHONE_UA = ("Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
            "MMWEBSDK/20230202 MMWEBID/1234 MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin "
            "NetType/WIFI Language/zh_CN ABI/arm64")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TILE_PATH = "/e2e-tiles/"
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             user_agent=PHONE_UA, locale="zh-CN",
             # The service's pages carry a strict CSP (script-src 'self', no inline); bypassing it only
             # lets the tests inject axe-core. That the pages need no inline code is checked through
             # nginx in tests/test_deploy_nginx.py.
             bypass_csp=True)


@dataclass
class Ctx:
    """A browser context that lets only loopback requests through and remembers the others."""

    context: object
    external: list = field(default_factory=list)

    def page(self):
        return self.context.new_page()

    def assert_no_external(self) -> None:
        assert not self.external, "requests to non-loopback hosts (blocked):\n" + "\n".join(self.external)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            self.external.append(f"{route.request.resource_type} {url} (from {route.request.frame.url})")
            route.abort("blockedbyclient")
            return
        route.continue_()


def make_context(browser, **options) -> Ctx:
    """A new browser context whose non-loopback requests are aborted and recorded."""
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    ctx = Ctx(context)
    context.route("**/*", ctx._route)
    return ctx


# ------------------------------------------------------------------ helpers the tests share

def sign_in_desk(page, base: str, email: str, password: str | None = None) -> None:
    """Sign ``page`` in to the desk with the password form (the demo's password unless given)."""
    from formsvc.commands.service import DEMO_PASSWORD

    page.goto(base + "/desk/login")
    form = page.locator("form", has=page.locator("input[type=password]"))
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password or DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").tap()
    assert "/desk/login" not in page.url, page.inner_text("body")[:500]


def axe_violations(page, serious_only: bool = True) -> list[dict]:
    """Run the vendored axe-core on the page; the violations (serious and critical by default)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: (n.failureSummary || '').slice(0, 300)}))}));
    }""")
    if serious_only:
        result = [v for v in result if v["impact"] in ("serious", "critical")]
    return result


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core: {len(violations)} serious/critical violation(s) on {url}"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:8]:
            lines.append(f"    at {n['target']}: {n['html']}")
            if n["summary"]:
                lines.append("      " + n["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more node(s)")
    return "\n".join(lines)


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)


def decode_poster_qr(pdf_path: Path, scale: float = 2.0) -> list[str]:
    """Render page 1 of a poster PDF (pdfium) and decode every QR code on it (zbar)."""
    import pypdfium2 as pdfium
    from pyzbar.pyzbar import ZBarSymbol, decode

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        image = pdf[0].render(scale=scale).to_pil()
    finally:
        pdf.close()
    return [d.data.decode("utf-8") for d in decode(image, symbols=[ZBarSymbol.QRCODE])]


def small_jpeg(path: Path) -> Path:
    """A real (tiny) JPEG photo, as a phone camera would hand over."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (200, 180, 150))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 300, 220), outline=(40, 40, 40), width=4)
    draw.text((40, 100), "wage slip 2026-03", fill=(0, 0, 0))
    img.save(path, "JPEG", quality=80)
    return path


def wait_for_mail(mail_dir: Path, needle: str, timeout: float = 30.0):
    """The first .eml in ``mail_dir`` whose decoded subject or body contains ``needle``."""
    import time
    from email import policy
    from email.parser import BytesParser

    deadline = time.monotonic() + timeout
    while True:
        for f in sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []:
            msg = BytesParser(policy=policy.default).parsebytes(f.read_bytes())
            part = msg.get_body(preferencelist=("plain", "html"))
            text = part.get_content() if part is not None else ""
            if needle in str(msg["Subject"]) or needle in text:
                return msg, text
        if time.monotonic() > deadline:
            seen = [p.name for p in mail_dir.glob("*.eml")] if mail_dir.is_dir() else []
            raise AssertionError(f"no mail containing {needle!r} in {mail_dir} after {timeout:.0f} s; "
                                 f"messages there: {seen}")
        time.sleep(0.2)
