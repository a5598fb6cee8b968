"""Phone numbers a worker can tap: every hotline or landline in the worker-facing words becomes a
``tel:`` link (the Jinja filter ``tel_links``). On a phone, a number that must be copied by hand
is a number that is not called.

The words come from our own catalogue (``formsvc.web.i18n``) and are escaped first; only the
numbers are wrapped, so nothing typed by anyone can become markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .blueprint import bp

# The national hotlines, and landlines written the Chinese way (0799-0601001); not lone digits
# inside a longer number or an amount.
PHONE = re.compile(r"(?<![\d.,，-])(12333|12348|12345|0\d{2,3}-\d{7,8})(?![\d])")


def tel_links(text) -> Markup:
    escaped = str(escape(text))
    return Markup(PHONE.sub(lambda m: f'<a href="tel:{m.group(1).replace("-", "")}">{m.group(1)}</a>', escaped))


@bp.app_template_filter("tel_links")
def _tel_links_filter(text) -> Markup:
    return tel_links(text)
