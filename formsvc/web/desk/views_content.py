"""门户内容 on the desk (issue 26): editors publish policy updates and keep projects, legal-aid
places and townships' officers, without a shell.

Thin routes: the rules live in ``formsvc.content`` (files, checks, versions) and the rebuild in
``formsvc.duties.site_rebuild`` (the worker loop). Every route needs ``User.can_edit``; granting
it needs the county desk or the admin (``formsvc.officers.auth.grant_editor``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from markupsafe import Markup

from wagesafe.posts import CATEGORIES

from formsvc.content import posts, preview, rows, versions
from formsvc.content.files import etag
from formsvc.duties import site_rebuild
from formsvc.officers import auth
from formsvc.web.context import get_config, get_db, get_registry
from .blueprint import bp
from .session import client_ip, current_user, now

POSTER_FILES = {"a4": "poster-a4.pdf", "a3": "poster-a3.pdf"}
# The editor's page carries one small script of ours (the Markdown toolbar); every other desk page none.
EDITOR_CSP = ("default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
              "frame-ancestors 'none'; form-action 'self'")


def _place() -> versions.Place:
    cfg = get_config()
    return versions.Place(data_dir=cfg.data_dir, docs_dir=cfg.docs_dir, git_commit=cfg.content_git_commit)


@bp.before_request
def _editors_only():
    if not (request.endpoint or "").startswith("desk.content"):
        return None
    user = current_user()
    if user is not None and not user.can_edit:
        return render_template("desk/not_for_role.html", what="编辑门户内容", who="门户编辑（由县监察大队或管理员授权）"), 403
    return None


@bp.app_template_global("content_item")
def _content_item(item: str) -> str:
    return versions.item_words(item)


@bp.before_request
def _editor_lands_on_content():
    """An editor-only account has no case: its home on the desk is 门户内容."""
    user = current_user()
    if user is not None and user.role == "editor" and request.endpoint == "desk.cases":
        return redirect(url_for("desk.content_home"))
    return None


@bp.get("/content/")
def content_home():
    db = get_db()
    return render_template("desk/content/home.html", updates=posts.list_updates(get_config().docs_dir),
                           kinds=rows.KINDS, build=site_rebuild.status(db), recent=versions.history(db, limit=15),
                           editors=auth.editors(db) if current_user().sees_all else [])


@bp.post("/content/editors")
def content_editors():
    user, db = current_user(), get_db()
    if not user.sees_all:
        return render_template("desk/not_for_role.html", what="授予编辑权限", who="县监察大队或管理员"), 403
    try:
        if request.form.get("revoke"):
            auth.revoke_editor(db, user, int(request.form["revoke"]), now(), client_ip())
            flash("已收回编辑权限（写入审计日志）。", "ok")
        else:
            granted = auth.grant_editor(db, user, request.form.get("email", ""), request.form.get("name", ""), now(),
                                        client_ip())
            flash(f"{granted.name}（{granted.email}）现在可以编辑门户内容（写入审计日志）。"
                  "没有办案台账号的人用邮件登录链接登录。", "ok")
    except ValueError as err:
        flash(str(err), "error")
    return redirect(url_for("desk.content_home"))


# ---------------------------------------------------------------- policy updates

def _editor_page(template: str, status: int = 200, **context):
    return render_template(template, categories=CATEGORIES, **context), status, {"Content-Security-Policy": EDITOR_CSP}


@bp.get("/content/updates/new")
def content_update_new():
    from wagesafe.localtime import zone

    u = posts.UpdateFields(date=now().astimezone(zone(get_config().timezone)).date().isoformat())
    return _editor_page("desk/content/update_form.html", u=u, slug=None, tag=etag(None), errors={})


@bp.get("/content/updates/<slug>/edit")
def content_update_edit(slug: str):
    value = posts.read_item(get_config().docs_dir, slug)
    if value is None or not posts.SLUG_RE.match(slug):
        abort(404)
    return _editor_page("desk/content/update_form.html", u=posts.fields_of(slug, value), slug=slug, tag=etag(value),
                        errors={})


@bp.post("/content/updates")
@bp.post("/content/updates/<slug>")
def content_update_save(slug: str | None = None):
    """Preview (either language) or publish a new update (``slug`` None) or a change to one."""
    cfg, db = get_config(), get_db()
    u = posts.UpdateFields.from_form(request.form)
    if slug is not None:  # the address of a published update never changes
        if not posts.SLUG_RE.match(slug) or posts.read_item(cfg.docs_dir, slug) is None:
            abort(404)
        u.date, u.name = slug[:10], slug[11:]
    tag = request.form.get("etag", "")
    errors = posts.problems(u, new=slug is None, docs_dir=cfg.docs_dir)
    action = request.form.get("action", "preview")
    if errors or action == "edit":  # "edit": back from the preview, with what was typed
        return _editor_page("desk/content/update_form.html", 422 if errors else 200, u=u, slug=slug, tag=tag,
                            errors=errors)
    if action.startswith("preview"):
        lang = "en" if action == "preview_en" and u.has_english else "zh"
        return _preview(u, slug, tag, lang)
    item = f"post:{u.slug}"
    try:
        vid = versions.save(db, _place(), current_user(), item, posts.item_value(u), tag, now(),
                            action="create" if slug is None else "change", summary=u.title_zh, ip=client_ip())
    except versions.Conflict as c:
        return _editor_page("desk/content/update_form.html", 409, u=u, slug=slug, tag=etag(c.current), errors={},
                            conflict=_conflict(c, posts.item_value(u), url_for("desk.content_update_edit", slug=u.slug)))
    flash(f"已发布“{u.title_zh}”。门户在一分钟内更新（中文、英文页面和两个订阅源）。" if vid else "内容没有变化。", "ok")
    return redirect(url_for("desk.content_history", item=item))


@bp.post("/content/updates/<slug>/withdraw")
def content_update_withdraw(slug: str):
    value = posts.read_item(get_config().docs_dir, slug) if posts.SLUG_RE.match(slug) else None
    if value is None:
        abort(404)
    try:
        versions.save(get_db(), _place(), current_user(), f"post:{slug}", None, request.form.get("etag", ""), now(),
                      action="withdraw", summary=posts.fields_of(slug, value).title_zh, ip=client_ip())
    except versions.Conflict:
        flash("这条动态刚被别人改过，请先看最新内容再决定是否撤下。", "error")
        return redirect(url_for("desk.content_update_edit", slug=slug))
    flash("已撤下这条动态；门户在一分钟内更新。可在修改记录里一键恢复。", "ok")
    return redirect(url_for("desk.content_history", item=f"post:{slug}"))


def _preview(u: posts.UpdateFields, slug: str | None, tag: str, lang: str):
    """The update as the portal will show it, in ``lang`` (``formsvc.content.preview``)."""
    bar = render_template("desk/content/_preview_bar.html", u=u, slug=slug, tag=tag, lang=lang)
    made = preview.page(u, lang, get_config().site_dir, bar=bar,
                        stylesheet=url_for("static", filename="desk-content.css"))
    if made is None:  # the portal was never built: the desk's own frame
        return render_template("desk/content/preview_plain.html", bar=Markup(bar),
                               article=Markup(preview.article_html(u, lang)), lang=lang)
    return made, 200, {"Content-Type": "text/html; charset=utf-8"}


def _conflict(c: versions.Conflict, mine, reopen: str) -> dict:
    """What the second editor is shown: who changed the item and how (or that it was changed by hand)."""
    latest = c.latest
    if latest is not None and latest["after"] == c.current:
        return {"who": latest["user_name"] or latest["user_email"], "at": latest["at"], "by_hand": False,
                "diff": versions.diff(latest["before"], latest["after"]), "mine": versions.diff(c.current, mine),
                "reopen": reopen}
    return {"who": "", "at": "", "by_hand": True, "diff": [], "mine": versions.diff(c.current, mine), "reopen": reopen}


# ---------------------------------------------------------------- registry rows

def _kind(kind: str) -> rows.RowKind:
    if kind not in rows.KINDS:
        abort(404)
    return rows.KINDS[kind]


def _rules(path: str, **options):
    """One rule per kind with its own address (``/content/projects/new``: what ``flask routes`` lists)."""
    def register(view):
        for kind in rows.KINDS:
            bp.add_url_rule(f"/content/{kind.replace('_', '-')}" + path, view_func=view, defaults={"kind": kind},
                            **options)
        return view
    return register


@_rules("/", methods=["GET"])
def content_rows(kind: str):
    k = _kind(kind)
    table = rows.read_table(get_config().data_dir / k.file)
    q = (request.args.get("q") or "").strip()
    found = [r[2] for r in table.rows if not q or any(q in (v or "") for v in r[2].values())]
    return render_template("desk/content/rows.html", k=k, found=found[:200], total=len(found), q=q)


def _row_form(k: rows.RowKind, key: str | None, values: dict, tag: str, status: int = 200, **extra):
    table = rows.read_table(get_config().data_dir / k.file)
    cols = rows.editable_columns(k, table, new=key is None)
    poster = None
    if k.name == "projects" and key:
        pdir = get_config().site_dir / "posters" / key
        poster = {size: (pdir / name).is_file() for size, name in POSTER_FILES.items()}
    return render_template("desk/content/row_form.html", k=k, key=key, values=values, cols=cols, choices=_choices(),
                           labels=rows.LABELS, tag=tag, poster=poster, registry=get_registry(),
                           field_errors=extra.pop("field_errors", {}), elsewhere=extra.pop("elsewhere", []),
                           **extra), status


def _choices() -> dict[str, list[tuple[str, str]]]:
    """Columns whose values are codes: a list to choose from, in words (the code stays in the file)."""
    from wagesafe.registry import LEGAL_AID_KIND_ZH, PROJECT_STATUS_ZH

    reg = get_registry()
    yes_no = [("no", "在岗（no）"), ("yes", "不在岗，由 B 角受理（yes）")]
    return {"status": [(k, f"{v}（{k}）") for k, v in PROJECT_STATUS_ZH.items()],
            "kind": [(k, f"{v}（{k}）") for k, v in LEGAL_AID_KIND_ZH.items()],
            "industry_authority": [(code, f"{d.name_zh}（{code}）") for code, d in reg.departments.items()],
            "township": [("", "（无）")] + [(code, f"{t.name_zh}（{code}）") for code, t in reg.townships.items()],
            "officer_away": yes_no}


@_rules("/new", methods=["GET"])
def content_row_new(kind: str):
    k = _kind(kind)
    if not k.may_add:
        abort(404)
    return _row_form(k, None, {"datum": "WGS-84"} if kind == "legal_aid" else {}, etag(None))


@_rules("/<key>/edit", methods=["GET"])
def content_row_edit(kind: str, key: str):
    k = _kind(kind)
    value = rows.read_item(get_config().data_dir, k, key)
    if value is None:
        abort(404)
    return _row_form(k, key, value, etag(value))


@_rules("/new", methods=["POST"], endpoint="content_row_save")
@_rules("/<key>", methods=["POST"], endpoint="content_row_save")
def content_row_save(kind: str, key: str | None = None):
    """Add or change a row: checked by the registry's own loader before anything is written."""
    k, cfg, db = _kind(kind), get_config(), get_db()
    if key is None and not k.may_add:
        abort(404)
    path = cfg.data_dir / k.file
    table = rows.read_table(path)
    current = rows.read_item(cfg.data_dir, k, key) if key else None
    if key is not None and current is None:
        abort(404)
    values = dict(current or {c: "" for c in table.header})
    for col in rows.editable_columns(k, table, new=key is None):
        values[col] = (request.form.get(col) or "").strip()
    new_key = key if key is not None else values.get(k.key, "")
    tag = request.form.get("etag", "")
    if key is None and table.find(k.key, new_key) is not None:
        return _row_form(k, None, values, tag, 422,
                         field_errors={k.key: [f"编号 {new_key} 已经有了，请换一个。'{new_key}' exists already."]})
    new_text, line = rows.with_row(table, k, key, values)
    field_errors, elsewhere = rows.validate(cfg.data_dir, k, new_text, line)
    if not new_key:
        field_errors.setdefault(k.key, ["必填（required field is missing）"])
    if field_errors or elsewhere:
        return _row_form(k, key, values, tag, 422, field_errors=field_errors, elsewhere=elsewhere)
    item = k.item(new_key)
    try:
        vid = versions.save(db, _place(), current_user(), item, values, tag, now(),
                            action="create" if key is None else "change", summary=values.get("name_zh", ""),
                            ip=client_ip())
    except versions.Conflict as c:
        return _row_form(k, key, values, etag(c.current), 409, conflict=_conflict(
            c, values, url_for("desk.content_row_edit", kind=kind, key=new_key)))
    if kind == "townships":  # a new officer gets a desk account, the old one's is closed (as after a hand edit)
        from wagesafe.registry import load_registry

        auth.sync_users(db, load_registry(cfg.data_dir))
    flash(("已保存。" if vid else "内容没有变化。") + "门户和海报在一分钟内更新。", "ok")
    return redirect(url_for("desk.content_row_edit", kind=kind, key=new_key))


@bp.get("/content/projects/<code>/poster-<size>.pdf")
def content_poster(code: str, size: str):
    """The project's poster as ``wagesafe posters`` made it (after the background rebuild)."""
    if size not in POSTER_FILES or get_registry().project(code) is None:
        abort(404)
    pdf = get_config().site_dir / "posters" / code / POSTER_FILES[size]
    if not pdf.is_file():
        flash("海报还在生成，请一分钟后再试。", "error")
        return redirect(url_for("desk.content_row_edit", kind="projects", key=code))
    return send_file(pdf, mimetype="application/pdf", as_attachment=True,
                     download_name=f"poster-{code}-{size}.pdf", max_age=0)


# ---------------------------------------------------------------- versions

@bp.get("/content/history")
def content_history():
    item = request.args.get("item") or None
    if item is not None:
        kind, _, key = item.partition(":")
        if not (kind == "post" and posts.SLUG_RE.match(key) or kind in rows.KINDS and key):
            abort(404)
    db = get_db()
    history = versions.history(db, item)
    for v in history:
        v["diff"] = versions.diff(v["before"], v["after"])
        v["build"] = site_rebuild.version_built(db, v["id"])
    current = versions.read(_place(), item) if item else None
    return render_template("desk/content/history.html", item=item, history=history, current=current,
                           live_tag=etag(current) if item else "")


@bp.post("/content/versions/<int:version_id>/revert")
def content_revert(version_id: int):
    db = get_db()
    v = versions.version(db, version_id)
    if v is None:
        abort(404)
    kind_name, _, key = v["item"].partition(":")
    if kind_name in rows.KINDS:  # the registry as it would be after the revert must pass `wagesafe check`
        k, data_dir = rows.KINDS[kind_name], get_config().data_dir
        table = rows.read_table(data_dir / k.file)
        exists = table.find(k.key, key) is not None
        if exists or v["before"] is not None:
            text, line = rows.with_row(table, k, key if exists else None, v["before"])
            by_field, elsewhere = rows.validate(data_dir, k, text, line)
            if by_field or elsewhere:
                said = [f"{rows.LABELS.get(f, f)}：{'；'.join(r)}" for f, r in by_field.items()] + elsewhere
                flash("不能撤回：撤回后登记表不能通过检查（wagesafe check）：" + "；".join(said), "error")
                return redirect(url_for("desk.content_history", item=v["item"]))
    try:
        vid = versions.revert(db, _place(), current_user(), version_id, now(), client_ip())
    except versions.Conflict:  # cannot happen: revert reads the current etag itself
        vid = 0
    if v["item"].startswith("townships:"):
        from wagesafe.registry import load_registry

        auth.sync_users(db, load_registry(get_config().data_dir))
    flash(f"已撤回版本 {version_id} 的修改（新版本 {vid}，写入审计日志）；门户在一分钟内更新。" if vid
          else "内容已经是那个样子，没有变化。", "ok")
    return redirect(url_for("desk.content_history", item=v["item"]))
