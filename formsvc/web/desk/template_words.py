"""Words for every desk template (``words``, ``formsvc.case.sources``): a template shows
``河西街道``, not ``hexi``; ``12333 电话``, not ``phone_12333``."""

from __future__ import annotations

from formsvc.case import sources
from formsvc.web.context import get_registry
from . import words
from .blueprint import bp


def scope_name(user) -> str:
    """The township or department an account works for, by name (empty for county and admin)."""
    if user is None or not user.scope_code:
        return ""
    reg = get_registry()
    if user.role == "township" and user.scope_code in reg.townships:
        return reg.townships[user.scope_code].name_zh
    if user.role == "department" and user.scope_code in reg.departments:
        return reg.departments[user.scope_code].name_zh
    return user.scope_code


@bp.context_processor
def _words():
    return {"scope_name": scope_name, "source_label": sources.label, "word": words.word,
            "NOTICE_KIND_ZH": words.NOTICE_KIND_ZH, "CHANNEL_ZH": words.CHANNEL_ZH,
            "notice_error_words": words.notice_error_words}
