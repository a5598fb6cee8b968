"""Helpers the browser tests share (kept out of conftest.py so that test modules can import them)."""

from __future__ import annotations

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"


# ------------------------------------------------------------------ helpers the tests share

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
