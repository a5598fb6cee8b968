"""Form service commands: ``serve``, ``worker``, ``db migrate|status`` and ``demo``.

Each parses its options, calls the library and turns known errors into a clear message and
a non-zero exit. ``demo`` is what ``make run`` ends with: the whole system in one process
(web app + built portal, notice worker, mail catcher), stopped cleanly by Ctrl-C.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import sys
import threading
from pathlib import Path

import click

from wagesafe.config import Config, remember_demo_address

from formsvc.storage import store

DEMO_PASSWORD = "qinghe-demo-2026"


def _registry_or_exit(config: Config):
    from wagesafe.registry.commands import load_or_exit

    return load_or_exit(config)


def _bind_or_exit(config: Config, database) -> None:
    """Write this county's code into its database at first migrate; refuse another county's (issue 24)."""
    from wagesafe.county_identity import CountyMismatch

    from formsvc.storage import county_identity

    registry = _registry_or_exit(config)
    try:
        county_identity.bind(database, registry.county.code)
    except CountyMismatch as e:
        raise click.ClickException(str(e)) from None


def _logging(config: Config) -> None:
    """One line per event, text or JSON (``LOG_FORMAT``): ``wagesafe.logs``."""
    from wagesafe.logs import configure

    configure(config.log_format)


def metrics_dir(config: Config) -> Path:
    """Prepare ``PROMETHEUS_MULTIPROC_DIR`` for gunicorn's processes (default ``<VAR_DIR>/prometheus``),
    emptied: files left by a previous run would be added to this run's counts."""
    path = Path(config.prometheus_multiproc_dir) if config.prometheus_multiproc_dir else config.var_dir / "prometheus"
    path.mkdir(parents=True, exist_ok=True)
    # Only prometheus_client's own files (<kind>_<pid>.db): the directory may have been set to one that
    # holds other things, and wagesafe.db must never be among what is emptied.
    for old in path.iterdir():
        if re.fullmatch(r"(counter|gauge_[a-z]+|histogram|summary)_\d+\.db", old.name) and old.is_file():
            old.unlink()
    return path


def _pad(label: str, width: int = 30) -> str:
    """Pad for a terminal, where a Chinese character takes two columns."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
    return label + " " * max(width - columns, 1)


def refuse_unsafe(config: Config) -> None:
    """In production, stop with every problem ``wagesafe.config_check`` finds; elsewhere, say it is a dev setup."""
    try:
        from wagesafe.config_check import problems, report
    except ImportError:  # the check module is not there yet: nothing to ask
        return
    if config.production:
        found = problems(config)
        if found:
            raise click.ClickException(report(found))
    else:
        click.echo(f"note: WAGESAFE_ENV={config.env}: fine on this machine, not for a public server "
                   "(`wagesafe config check` lists what production needs)", err=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes [default: CPU cores + 1]")
@click.option("--worker-class", type=click.Choice(["sync", "gthread"]), default="sync", show_default=True,
              help="sync: one request per process (behind nginx, which buffers slow clients); gthread: threads")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="threads per worker, with --worker-class gthread")
@click.pass_obj
def serve(config: Config, host: str, port: int, workers: int | None, worker_class: str, threads: int) -> None:
    """Run the form service under gunicorn (refuses unsafe production settings).

    Sync workers by default, measured (bench/bench_intake.py): behind nginx, which reads slow
    clients' bodies before passing a request on, a request is short CPU work plus one SQLite
    transaction, and those transactions take turns anyway. Threads then only make Python's
    threads queue for the interpreter lock: with 4 threads per worker the cores sat 15-25% idle
    under load and complaints per second were about a fifth lower than with sync workers.
    """
    refuse_unsafe(config)
    _registry_or_exit(config)
    db = store.open_db(config.database)  # migrate once here, before the workers start
    db.conn.close()
    workers = workers or (os.cpu_count() or 1) + 1
    # gunicorn silently turns sync workers with --threads > 1 into gthread: pass threads only for gthread.
    concurrency = ["--threads", str(threads)] if worker_class == "gthread" else []
    args = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", worker_class,
            *concurrency, "--bind", f"{host}:{port}", "--access-logfile", "-", "--graceful-timeout", "20",
            "--timeout", "60",
            # gunicorn 27 opens a control socket at one fixed path per user: two services (or a test
            # beside a running service) would fight over it, and nothing here uses it.
            "--no-control-socket",
            # one-line (or JSON) logs without query strings; multiprocess metrics bookkeeping
            "--config", "python:formsvc.web.ops.gunicorn_conf", "formsvc.wsgi:app"]
    # Each gunicorn process counts its requests in files here; /metrics adds them up (prometheus_client's
    # multiprocess mode, which reads the variable when it is first imported: set before the exec).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(config))
    shape = f"{workers} {worker_class} workers" + (f" × {threads} threads" if worker_class == "gthread" else "")
    click.echo(f"serving on http://{host}:{port} with {shape}", err=True)
    sys.stdout.flush()
    os.execv(sys.executable, args)  # gunicorn takes this process over and gets the signals itself


@click.command()
@click.pass_obj
def worker(config: Config) -> None:
    """Deliver queued notices (email, SMS) and run escalation and reports; stops on SIGTERM/Ctrl-C."""
    _logging(config)
    registry = _registry_or_exit(config)
    from formsvc.notify.worker import run_forever

    try:
        run_forever(config, registry=registry)
    except ValueError as e:  # e.g. SMS_PROVIDER unknown or Aliyun settings missing
        raise click.ClickException(str(e)) from None


@click.group()
def db() -> None:
    """The database: apply migrations, show which ran."""


@db.command()
@click.pass_obj
def migrate(config: Config) -> None:
    """Apply every pending migration."""
    database = store.connect(config.database)
    applied = store.migrate(database)
    _bind_or_exit(config, database)
    click.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied
               else f"nothing to do: {config.database} is up to date")


@db.command()
@click.pass_obj
def status(config: Config) -> None:
    """List applied and pending migrations; exit 1 when some are pending."""
    if not config.database.exists():
        click.echo(f"{config.database}: no database yet; `wagesafe db migrate` creates it")
        sys.exit(1)
    database = store.connect(config.database)
    applied, pending = store.applied_migrations(database), store.pending_migrations(database)
    click.echo(f"database: {config.database}")
    for name in applied:
        click.echo(f"  applied  {name}")
    for name in pending:
        click.echo(f"  pending  {name}")
    if pending:
        sys.exit(1)


# --- the demo -----------------------------------------------------------------------------------

def demo_config(config: Config, host: str, port: int) -> Config:
    """The demo's settings: links point at this server; mail goes to the local catcher."""
    changes = {"smtp_host": "127.0.0.1", "smtp_user": "", "smtp_password": "", "smtp_starttls": False}
    if not os.environ.get("PUBLIC_BASE_URL"):
        changes["public_base_url"] = f"http://{host}:{port}"
    return dataclasses.replace(config, **changes)


def demo_walk(registry, database, config: Config, now=None) -> tuple[str, str] | None:
    """The project whose form the demo banner suggests, and the sign-in that receives its complaints.

    Both come from one routing decision (``formsvc.case.routing.route``, with the duty roster at
    ``now``, as ``complaints.submit`` decides): the first project of the registry whose complaint
    would go to someone with an active desk account. Following the printed walk (submit from the
    form, sign in as the printed officer, open the case) then ends on the case, never on 您无权查看.
    ``None`` when no project routes to an account (the banner then prints neither)."""
    from formsvc.case import routing
    from formsvc.officers import roster

    now = now or store.utcnow()
    accounts = {row["email"].lower() for row in database.query("SELECT email FROM users WHERE active = 1")}
    thresholds = routing.Thresholds.from_config(config)
    for code in registry.projects:
        decision = routing.route(registry, thresholds, project_code=code,
                                 stand_in=lambda township: roster.stand_in_at(database, township, now))
        email = (decision.recipient.email or "").lower()
        if decision.target_kind == "township" and email in accounts:
            return code, email
    return None


def _sign_ins(database, officer_email: str | None = None) -> list[str]:
    """The demo's sign-ins: the officer who receives the suggested form's complaints (``demo_walk``),
    else the first township account; the county desk; the admin."""
    labels = {"township": "township officer 镇街专员", "county": "county desk 县劳动监察", "admin": "admin 管理员"}
    lines = []
    for role, label in labels.items():
        if role == "township" and officer_email:
            lines.append(f"  {_pad(label)}{officer_email}")
            continue
        row = next(database.query("SELECT email FROM users WHERE role = ? AND active = 1 ORDER BY id LIMIT 1",
                                  [role]), None)
        if row:
            lines.append(f"  {_pad(label)}{row['email']}")
    return lines


def _is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--public", is_flag=True,
              help="allow a --host other than loopback (a training room); turns the demo inbox /dev/mail/ off")
@click.pass_obj
def demo(config: Config, host: str, port: int, public: bool) -> None:
    """Run everything on one machine: portal, forms, desk, notice worker and mail catcher (Ctrl-C stops).

    The demo's accounts share one published password and its inbox shows sign-in links: it listens
    on loopback only, unless ``--public`` says that is meant, and then the inbox is not served."""
    from werkzeug.serving import make_server

    from formsvc import create_app
    from formsvc.demo import devsite, mailcatcher
    from formsvc.notify.worker import run_forever

    if config.production:
        raise click.ClickException("the demo is for development; use `wagesafe serve` and `wagesafe worker`")
    if not _is_loopback(host) and not public:
        raise click.ClickException(
            f"--host {host} would let other machines in: every demo account shares the password "
            f"{DEMO_PASSWORD!r} and the demo inbox shows their sign-in links. 演示系统默认只在本机访问。"
            " If that is what you want (a training room), add --public: the inbox /dev/mail/ is then off.")
    _logging(config)
    registry = _registry_or_exit(config)
    config = demo_config(config, host, port)
    remember_demo_address(config)  # a later plain `wagesafe build` here keeps this address
    database = store.open_db(config.database)
    _bind_or_exit(config, database)
    try:
        from formsvc.officers.auth import sync_users
    except ImportError:
        sync_users = None
    if sync_users is not None:
        sync_users(database, registry, demo_password=DEMO_PASSWORD)
    walk = demo_walk(registry, database, config)
    sign_ins = _sign_ins(database, walk[1] if walk else None)
    database.conn.close()

    try:
        catcher = mailcatcher.MailCatcher(config.var_dir / "mail", port=config.smtp_port).start()
    except OSError as e:
        raise click.ClickException(f"cannot start the mail catcher on 127.0.0.1:{config.smtp_port} ({e}); "
                                   "is another demo running? Set SMTP_PORT to use another port") from None
    config = dataclasses.replace(config, smtp_port=catcher.port)
    app = create_app(config)
    if "mailcatcher" not in app.blueprints and not public:
        app.register_blueprint(mailcatcher.bp)  # never with --public: it shows every sign-in link
    app.register_blueprint(devsite.make_blueprint(config.site_dir))
    try:
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as e:
        catcher.stop()
        raise click.ClickException(f"cannot listen on {host}:{port} ({e}); is another demo running? "
                                   "Try `--port 8001`") from None
    stop = threading.Event()
    worker_thread = threading.Thread(target=run_forever, args=(config, stop), kwargs={"registry": registry},
                                     name="notice-worker")
    web_thread = threading.Thread(target=server.serve_forever, name="web")
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker_thread.start()
    web_thread.start()
    base = f"http://{host}:{server.server_port}"
    form_line = []
    if walk:
        project = registry.project(walk[0])
        township = registry.townships[project.township]
        form_line = [f"  {_pad('complaint form 投诉表单')}{base}/r/{project.code}"
                     f"  ({project.name_zh}, {township.name_zh}: its officer below opens the case)"]
    lines = [
        "", "WageSafe 薪安通 demo is running. Open:",
        f"  {_pad('portal 门户')}{base}/",
        *form_line,
        f"  {_pad('general form 通用表单')}{base}/complain",
        f"  {_pad('officer desk 办案台')}{base}/desk/",
        f"  {_pad('portal editing 门户内容')}{base}/desk/content/",
        (f"  {_pad('demo inbox 演示收件箱')}(off with --public; mail is in {config.var_dir / 'mail'})" if public
         else f"  {_pad('demo inbox 演示收件箱')}{base}/dev/mail/"),
        f"  {_pad('SMS (files) 短信文件')}{config.var_dir / 'sms'}",
        "", "Demo sign-ins 演示账号:",
        *(sign_ins or ["  (none yet: the accounts module is not there)"]),
        *([f"  {_pad('password 密码')}{DEMO_PASSWORD}"] if sign_ins else []),
        "", f"Mail catcher on 127.0.0.1:{catcher.port}. Press Ctrl-C to stop.", "",
    ]
    click.echo("\n".join(lines))
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            if not (web_thread.is_alive() and worker_thread.is_alive()):
                click.echo("a part of the demo stopped unexpectedly; stopping the rest", err=True)
                break
    finally:
        stop.set()
        server.shutdown()
        web_thread.join(10)
        worker_thread.join(30)
        catcher.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("demo stopped.")


commands: list = [serve, worker, db, demo]
