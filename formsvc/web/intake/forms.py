"""The complaint and status forms, and the checks that turn what a worker typed into clean values.

Fields are plain WTForms fields (CSRF from Flask-WTF); the checking is done here by hand, not
by WTForms' validators, because every message must be polite, say how to fix the input, and
be in the worker's language, and numbers must forgive what people type on a phone
(full-width digits, "1,000", "3000元"). ``check_complaint`` returns a ``ComplaintInput`` or
``None`` with the errors attached to their fields, so the page shows each next to its field
and keeps what the worker typed (and, through ``formsvc.case.held_uploads``, the files that passed).
"""

from __future__ import annotations

import re
import unicodedata

from flask import current_app, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField

from wagesafe.registry import Project, Registry, rules

from formsvc.case import evidence
from formsvc.case.complaints import ComplaintInput
from formsvc.web.i18n import t

OWED_BY_KINDS = ("company", "team_leader", "unknown")
CALLBACK_TIMES = ("any", "morning", "noon", "evening")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LIMITS = dict(name=50, owed_by_name=100, trade=30, site_address=200, project_code=32, description=2000)
NUMBERS = dict(workers=(1, 10000, "3"), amount_yuan=(0, 100_000_000, "12000"), months_owed=(0, 120, "2"))


class ComplaintForm(FlaskForm):
    """One short page; labels and messages come from ``formsvc.web.i18n`` in the template."""

    submission_token = HiddenField()
    # Choices are rendered by the template and checked by hand (polite, bilingual messages).
    township = StringField()
    project_code = StringField()
    site_address = StringField()
    anonymous = BooleanField()
    name = StringField()
    mobile = StringField()
    owed_by_kind = StringField(default="unknown")
    owed_by_name = StringField()
    trade = StringField()
    workers = StringField(default="1")
    amount_yuan = StringField()
    months_owed = StringField()
    description = TextAreaField()
    evidence = MultipleFileField()
    callback_time = StringField(default="any")
    consent = BooleanField()
    sms_updates = BooleanField()  # the worker's yes to SMS about this case (complaints.sms_consent)
    website = StringField()  # honeypot: hidden from people, filled by bots


class _Value:
    """One field of ``PostedComplaint``: the ``data`` WTForms would give it, and our ``errors``."""

    __slots__ = ("name", "data", "errors")

    def __init__(self, name: str, data):
        self.name, self.data, self.errors = name, data, []


# (field, kind, default) as ComplaintForm declares them; kind: "text" (String/Hidden/TextArea),
# "bool" (BooleanField), "files" (MultipleFileField).
_POSTED_FIELDS = tuple(
    (name, "bool" if isinstance(f.field_class, type) and issubclass(f.field_class, BooleanField) else
     "files" if issubclass(f.field_class, MultipleFileField) else "text", f.kwargs.get("default"))
    for name, f in ComplaintForm.__dict__.items() if hasattr(f, "field_class"))
_BROWSER_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class PostedComplaint:
    """A submitted complaint's values without building the WTForms form (measured: binding 19
    fields cost about a sixth of a complaint POST). Each attribute has the ``data`` the field of
    ``ComplaintForm`` would have (same defaults and BooleanField rule; ``tests/test_intake_units.py``
    compares them) and an ``errors`` list. CSRF is not skipped: ``CSRFProtect`` in ``create_app``
    has checked the token before any view runs; ``posted_complaint`` uses this only then.
    The page with errors is rendered from a real ``ComplaintForm`` (``form_with_errors``)."""

    def __init__(self, formdata):
        self._fields = []
        # formdata.getlist(name) for every field at once: the files' values first, then the form's
        # (what a CombinedMultiDict((request.files, request.form)) gives).
        lists: dict[str, list] = {}
        for d in (formdata.dicts if isinstance(formdata, CombinedMultiDict) else [formdata]) if formdata else ():
            for key, values in d.lists():
                lists.setdefault(key, []).extend(values)
        for name, kind, default in _POSTED_FIELDS:
            values = lists.get(name)
            if kind == "bool":
                data = bool(default)
                if formdata is not None:
                    data = bool(values) and values[0] not in BooleanField.false_values
            elif kind == "files":
                data = default if formdata is None else (values or [])
            else:
                data = values[0] if values else default
            value = _Value(name, data)
            setattr(self, name, value)
            self._fields.append(value)

    def __iter__(self):
        return iter(self._fields)

    def validate(self) -> bool:
        return True  # CSRF was checked by CSRFProtect; every other check is ours (check_complaint)


def _csrf_checked_before_views() -> bool:
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return True
    return ("csrf" in current_app.extensions and config.get("WTF_CSRF_CHECK_DEFAULT", True)
            and request.method in config.get("WTF_CSRF_METHODS", {"POST", "PUT", "PATCH", "DELETE"}))


def posted_complaint():
    """The submitted complaint: a ``PostedComplaint`` for a browser's form (CSRF already checked
    app-wide), else a full ``ComplaintForm`` whose ``validate`` checks CSRF itself."""
    if request.mimetype not in _BROWSER_FORMS or not _csrf_checked_before_views():
        return ComplaintForm()
    # What Flask-WTF's wrap_formdata passes to the fields for such a request.
    if request.files:
        formdata = CombinedMultiDict((request.files, request.form))
    else:
        formdata = request.form or None
    return PostedComplaint(formdata)


def form_with_errors(posted) -> ComplaintForm:
    """The form to show again: what the worker typed, with each error next to its field."""
    if isinstance(posted, ComplaintForm):
        return posted
    form = ComplaintForm()
    for value in posted:
        getattr(form, value.name).errors = list(value.errors)
    return form


class StatusForm(FlaskForm):
    receipt = StringField()
    mobile = StringField()


_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: they hold emoji sequences and Arabic or Indic words together
_LOOSE_JOINERS = re.compile(r"(?:^|(?<=\s))[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$)", re.M)


def clean_text(value: str | None, multiline: bool = False) -> str:
    """Trim and drop invisible characters, keeping what the worker meant.

    Control characters (Cc: NUL, BEL, ESC ...) and format characters (Cf: bidi overrides that
    disguise ``exe`` as ``gnp``, zero-width spaces, BOMs) go: nothing should hide in a name.
    The zero-width (non-)joiner stays where it joins two visible characters (👷\u200d♂️), and only there.
    In a one-line field a line break becomes a space (``'张三\r\nBcc'`` → ``'张三 Bcc'``, not glued);
    multi-line text keeps its line breaks and tabs.
    """
    v = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    # Nothing invisible in it (the usual case): str.isprintable is False for every Cc and Cf
    # character, the joiners included, so the character loop below would keep everything.
    if (v.replace("\n", "").replace("\t", "") if multiline else v).isprintable():
        return v.strip() if multiline else " ".join(v.split())
    return _clean_text_slow(v, multiline)


def _clean_text_slow(v: str, multiline: bool) -> str:
    keep = "\n\t" if multiline else ""
    out = []
    for ch in v:
        if ch in keep or ch in _JOINERS or unicodedata.category(ch) not in ("Cc", "Cf"):
            out.append(ch)
        elif ch in "\n\t":
            out.append(" ")
    v = _LOOSE_JOINERS.sub("", "".join(out))
    return v.strip() if multiline else " ".join(v.split())


def parse_whole_number(value: str | None) -> int | None:
    """'1,000', '３０００', '3000元', ' 12 ' → an int; anything else → None. Raises nothing."""
    v = unicodedata.normalize("NFKC", value or "")
    v = re.sub(r"[\s,，_]", "", v)
    v = re.sub(r"(元|块|人|个月|月|名|个)$", "", v)
    if not re.fullmatch(r"\d{1,12}", v):
        return None
    return int(v)


def _error(field, message: str) -> None:
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(message)


def _text(form, name: str, lang: str, multiline: bool = False) -> str:
    value = clean_text(getattr(form, name).data, multiline)
    limit = LIMITS[name]
    if len(value) > limit:
        _error(getattr(form, name), t("err_text_long", lang, n=limit, got=len(value)))
    return value


def _number(form, name: str, lang: str) -> int:
    lo, hi, example = NUMBERS[name]
    raw = (getattr(form, name).data or "").strip()
    if not raw:
        if name == "months_owed":
            return 0
        _error(getattr(form, name), t("err_number_required", lang))
        return lo
    value = parse_whole_number(raw)
    if value is None:
        # A minus sign or a decimal point is a number out of range, not a typo.
        if re.fullmatch(r"[-－]?\s*\d[\d,，.]*", unicodedata.normalize("NFKC", raw)):
            _error(getattr(form, name), t("err_number_range", lang, lo=lo, hi=f"{hi:,}" if lang == "en" else hi))
        else:
            _error(getattr(form, name), t("err_number_bad", lang, example=example))
        return lo
    if not lo <= value <= hi:
        _error(getattr(form, name), t("err_number_range", lang, lo=lo, hi=f"{hi:,}" if lang == "en" else hi))
        return lo
    return value


def uploads(files) -> list:
    """The files a worker actually chose (browsers send an empty part when none is chosen)."""
    return [f for f in files if f is not None and (f.filename or "").strip()]


def check_files(form, files: list, config, lang: str) -> list[tuple[object, str]]:
    """Each chosen file with its content type, or errors on the evidence field."""
    if len(files) > config.max_uploads:
        _error(form.evidence, t("err_files_many", lang, n=config.max_uploads, got=len(files)))
        return []
    checked = []
    max_bytes = int(config.max_upload_mb * 1024 * 1024)
    for storage in files:
        mime, problem = evidence.inspect(storage, max_bytes)
        if problem:
            _error(form.evidence, t(problem.key, lang, **problem.values))
        else:
            checked.append((storage, mime))
    return checked


def check_complaint(form: ComplaintForm, files: list, registry: Registry, config, lang: str,
                    project: Project | None) -> tuple[ComplaintInput | None, list]:
    """Validate the whole form at once (every error shown together); return the input and checked files."""
    form.validate()  # CSRF and field processing; our own checks follow
    if not TOKEN_RE.match(form.submission_token.data or ""):
        _error(form.submission_token, t("err_token", lang))
    anonymous = bool(form.anonymous.data)
    name = _text(form, "name", lang)
    if not name and not anonymous:
        _error(form.name, t("err_name_required", lang))
    mobile_raw = unicodedata.normalize("NFKC", form.mobile.data or "").strip()
    mobile = rules.normalize_mobile(mobile_raw)
    if not mobile_raw:
        if not anonymous:
            _error(form.mobile, t("err_mobile_required", lang))
    elif not rules.is_mobile(mobile_raw):
        _error(form.mobile, t("err_mobile_bad", lang))
    owed_by_kind = form.owed_by_kind.data or "unknown"
    if owed_by_kind not in OWED_BY_KINDS:
        _error(form.owed_by_kind, t("err_owed_kind", lang))
    owed_by_name, trade = _text(form, "owed_by_name", lang), _text(form, "trade", lang)
    workers, amount, months = (_number(form, n, lang) for n in ("workers", "amount_yuan", "months_owed"))
    description = _text(form, "description", lang, multiline=True)
    callback = form.callback_time.data or "any"
    if callback not in CALLBACK_TIMES:
        _error(form.callback_time, t("err_choice", lang))
    consent = bool(form.consent.data)
    if not consent and not anonymous:
        _error(form.consent, t("err_consent", lang))
    township_code, site_address, project_code = None, "", project.code if project else None
    if project is None:
        township_code = (form.township.data or "").strip() or None
        if township_code and township_code not in registry.townships:
            _error(form.township, t("err_township", lang))
        typed_code = _text(form, "project_code", lang)
        if typed_code:
            found = registry.project(typed_code)
            if found is None:
                _error(form.project_code, t("err_project_code", lang, code=typed_code[:32]))
            else:
                project_code = found.code
        site_address = _text(form, "site_address", lang)
        if not site_address and not typed_code:
            _error(form.site_address, t("err_site_address", lang))
    checked = check_files(form, files, config, lang)
    if any(f.errors for f in form):
        return None, checked  # the files that passed are kept for the form shown again (held_uploads)
    return ComplaintInput(
        submission_token=form.submission_token.data, lang=lang, project_code=project_code, site_address=site_address,
        chosen_township=township_code, anonymous=anonymous, name=name, mobile=mobile if mobile_raw else "",
        owed_by_kind=owed_by_kind, owed_by_name=owed_by_name, trade=trade, workers=workers, amount_yuan=amount,
        months_owed=months, description=description, callback_time=callback, consent=consent,
        sms_consent=bool(form.sms_updates.data) and not anonymous and bool(mobile_raw)), checked
