"""Words for every desk template (``words``, ``formsvc.case.sources``): a template shows
``河西街道``, not ``hexi``; ``12333 电话``, not ``phone_12333``."""

from __future__ import annotations

from formsvc.case import sources
from formsvc.web.context import get_db, get_registry
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


def officer_name(email: str) -> str:
    """An officer's name for an email an action stored (``system``, ``worker``: in words too)."""
    from .queries import actor_name

    names = {r["email"].lower(): r["name"] for r in get_db().query(
        "SELECT email, name FROM users WHERE email = ? COLLATE NOCASE", [email or ""])}
    return actor_name(email or "", names)


def recipient_words(recipient: str) -> str:
    """A notice's recipient as people say it: an address or a number stays, ``county:baishui`` is 白水县."""
    recipient = recipient or ""
    if recipient == "province":
        return "省平台"
    if recipient.startswith("county:"):
        from formsvc.web.context import get_partners

        county = get_partners().counties.get(recipient[len("county:"):])
        return county.name_zh if county else "协作县"
    return recipient


@bp.context_processor
def _words():
    return {"scope_name": scope_name, "source_label": sources.label, "word": words.word,
            "NOTICE_KIND_ZH": words.NOTICE_KIND_ZH, "CHANNEL_ZH": words.CHANNEL_ZH,
            "notice_error_words": words.notice_error_words, "officer_name": officer_name,
            "recipient_words": recipient_words}
