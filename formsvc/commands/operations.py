"""Operator commands: ``config check``, ``backup`` (and ``backup verify``), ``restore``, ``upgrade``,
``ready``, ``deploy render-nginx``.

They live in the form service because backups, restores and upgrades are of its database: the shared
core (``wagesafe/``) imports no output, and ``wagesafe.cli`` only assembles the group. Each parses its options, calls one library function (``wagesafe.config_check``,
``formsvc.storage.backup``, ``formsvc.storage.store``, ``wagesafe.nginx_conf``) and turns a known failure into
one clear message and a non-zero exit: these are run by a county's IT officer, often at night
from a systemd timer, and a traceback helps nobody there.
"""

from __future__ import annotations

from pathlib import Path

import click

from wagesafe.config import Config


@click.group("config")
def config_group() -> None:
    """Inspect the configuration (environment variables)."""


@config_group.command("check")
@click.pass_obj
def config_check(config: Config) -> None:
    """Say whether the configuration is safe for production; one line per problem, exit 1 if any."""
    from wagesafe.config_check import explain_proxies, problems, report, warnings

    found = problems(config)
    for line in explain_proxies(config):  # where the client's address comes from (the CDN case)
        click.echo(f"note: {line}")
    for line in warnings(config):  # allowed, but worth fixing (no OCSP resolver)
        click.echo(f"warning: {line}")
    if found:
        click.echo(report(found), err=True)
        raise SystemExit(1)
    click.echo("configuration OK")


def _default_backup_dir(config: Config) -> Path:
    return config.var_dir / "backups"


def _mark(config: Config, name: str, ok: bool, detail: str) -> None:
    """Tell monitoring (``/metrics``: the last good backup, the last verification) in the live database."""
    from formsvc.storage import ops_marks, store

    if not config.database.exists():
        return
    db = store.connect(config.database)  # never migrates: `upgrade` decides when migrations run
    try:
        if "ops_marks" in db.table_names():
            ops_marks.mark(db, name, store.utcnow(), ok=ok, detail=detail)
    finally:
        db.conn.close()


@click.group("backup", invoke_without_command=True)
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="directory to keep backups in (default: <VAR_DIR>/backups; better another disk)")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="afterwards, delete all but the newest N backups in that directory")
@click.option("--tar", "make_tar", is_flag=True, help="also pack the backup into one .tar.gz beside it")
@click.pass_context
def backup_cmd(ctx: click.Context, dest: Path | None, keep: int | None, make_tar: bool) -> None:
    """Back up the database and evidence files, consistently, while the service runs.

    `wagesafe backup verify` then restores the newest backup into a temporary directory and checks it."""
    if ctx.invoked_subcommand:
        return
    from formsvc.storage import ops_marks
    from formsvc.storage.backup import BackupError, archive, backup, prune

    config: Config = ctx.obj
    try:
        path = backup(config.database, config.upload_dir, dest or _default_backup_dir(config))
        manifest_note = _summary(path)
        click.echo(f"backup written: {path}  ({manifest_note})")
        if make_tar:
            click.echo(f"archive written: {archive(path)}")
        if keep:
            for old in prune(path.parent, keep):
                click.echo(f"removed old backup: {old}")
    except BackupError as e:
        _mark(config, ops_marks.BACKUP, False, f"failed: {e}")
        raise click.ClickException(str(e)) from None
    _mark(config, ops_marks.BACKUP, True, str(path))


@backup_cmd.command("verify")
@click.argument("backup_path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--from", "source", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the directory of backups whose newest is checked (default: <VAR_DIR>/backups)")
@click.pass_obj
def backup_verify(config: Config, backup_path: Path | None, source: Path | None) -> None:
    """Restore the newest backup (or BACKUP_PATH) into a temporary directory, run PRAGMA integrity_check
    and compare its rows with the live database; exit 1 if anything is wrong. The result goes to /metrics."""
    from formsvc.storage import ops_marks
    from formsvc.storage.backup import BackupError, check_restore, latest

    folder = source or _default_backup_dir(config)
    backup_path = backup_path or latest(folder)
    if backup_path is None:
        _mark(config, ops_marks.BACKUP_VERIFY, False, f"no backup in {folder}")
        raise click.ClickException(f"no backup in {folder} to verify (`wagesafe backup --to {folder}` makes one)")
    try:
        result = check_restore(backup_path, config.database)
    except BackupError as e:
        _mark(config, ops_marks.BACKUP_VERIFY, False, f"{backup_path.name}: damaged")
        raise click.ClickException(str(e)) from None
    click.echo(f"backup: {backup_path}")
    for line in result.lines:
        click.echo(f"  {line}")
    _mark(config, ops_marks.BACKUP_VERIFY, result.ok, f"{backup_path.name}: " + ("ok" if result.ok else "FAILED"))
    if not result.ok:
        raise click.ClickException(f"backup {backup_path.name} did NOT pass verification (see above)")
    click.echo("backup verified: it restores, it is intact and its rows agree with the live database")


def _summary(path: Path) -> str:
    from formsvc.storage.backup import read_manifest

    m = read_manifest(path)
    note = f"{len(m['complaints'])} complaints, {len(m['files'])} evidence files"
    if m["missing_files"]:
        note += f"; WARNING: {len(m['missing_files'])} evidence files named in the database were not on disk"
    return note


@click.command("restore")
@click.argument("backup_path", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="replace an existing database (stop wagesafe-web and wagesafe-worker first); it is moved aside")
@click.pass_obj
def restore_cmd(config: Config, backup_path: Path, force: bool) -> None:
    """Restore a backup (directory or .tar.gz) into WAGESAFE_DATABASE and WAGESAFE_UPLOAD_DIR."""
    from formsvc.storage.backup import BackupError, restore

    try:
        result = restore(backup_path, config.database, config.upload_dir, force=force)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    for aside in result.moved_aside:
        click.echo(f"previous database kept as: {aside}")
    click.echo(f"restored {result.complaints} complaints into {result.database} and "
               f"{result.files} evidence files into {result.upload_dir}; checksums verified")


@click.command("upgrade")
@click.option("--backup-to", "dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to keep the backup taken before migrating (default: <VAR_DIR>/backups)")
@click.pass_obj
def upgrade_cmd(config: Config, dest: Path | None) -> None:
    """After installing a new release: back up, then apply pending database migrations."""
    from formsvc.storage import store
    from formsvc.storage.backup import BackupError, backup

    if not config.database.exists():
        applied = store.migrate(store.connect(config.database))
        click.echo(f"new database {config.database}: applied {len(applied)} migrations")
        return
    pending = store.pending_migrations(store.connect(config.database))
    try:
        path = backup(config.database, config.upload_dir, dest or _default_backup_dir(config))
    except BackupError as e:
        raise click.ClickException(f"no backup, so no upgrade: {e}") from None
    click.echo(f"backup kept: {path}")
    from formsvc.storage import ops_marks

    _mark(config, ops_marks.BACKUP, True, str(path))
    click.echo(f"to roll back: stop the services, `wagesafe restore --force {path}`, reinstall the previous release")
    if not pending:
        click.echo("database schema is up to date: no migrations to apply")
        return
    try:
        applied = store.migrate(store.connect(config.database))
    except Exception as e:  # a failed migration is rolled back by its transaction; say what to do
        raise click.ClickException(f"migration failed ({e}); the database is as it was after the last "
                                   f"migration that succeeded; the backup is {path}") from None
    click.echo("applied migrations: " + ", ".join(applied))


@click.command("ready")
@click.option("--url", default=None,
              help="ask a running service instead, e.g. http://127.0.0.1:8000/readyz (the systemd and Docker checks)")
@click.pass_obj
def ready(config: Config, url: str | None) -> None:
    """Say whether the installation can do its work now (worker heartbeat, notices, disk); exit 1 if not."""
    if url:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - the operator's own address
                click.echo(resp.read().decode("utf-8", "replace"), nl=False)
                return
        except urllib.error.HTTPError as e:
            click.echo(e.read().decode("utf-8", "replace"), nl=False, err=True)
        except OSError as e:
            click.echo(f"the service does not answer at {url} ({e})", err=True)
        raise SystemExit(1)
    from formsvc.storage import store
    from formsvc.web.ops.readiness import problems

    db = store.open_db(config.database)
    try:
        found = problems(db, config, store.utcnow())
    finally:
        db.conn.close()
    if found:
        click.echo("not ready 未就绪:\n" + "".join(f"- {p.line()}\n" for p in found), nl=False, err=True)
        raise SystemExit(1)
    click.echo("ready")


@click.group("deploy")
def deploy_group() -> None:
    """Files for a production server (see manual/operator.md)."""


@deploy_group.command("render-nginx")
@click.option("--server-name", envvar="NGINX_SERVER_NAME", default=None,
              help="domain name(s) (default: the host of PUBLIC_BASE_URL)")
@click.option("--site-root", envvar="NGINX_SITE_ROOT", type=click.Path(path_type=Path), default=None,
              help="the built site (default: WAGESAFE_SITE_DIR)")
@click.option("--upstream", envvar="NGINX_UPSTREAM", default="127.0.0.1:8000", show_default=True,
              help="where gunicorn listens (host:port or unix:/path)")
@click.option("--cert", envvar="NGINX_SSL_CERTIFICATE", default="",
              help="certificate chain (default: /etc/letsencrypt/live/<server name>/fullchain.pem)")
@click.option("--key", envvar="NGINX_SSL_CERTIFICATE_KEY", default="",
              help="certificate key (default: /etc/letsencrypt/live/<server name>/privkey.pem)")
@click.option("--http-listen", envvar="NGINX_HTTP_LISTEN", default="80", show_default=True)
@click.option("--https-listen", envvar="NGINX_HTTPS_LISTEN", default="443", show_default=True)
@click.option("--http-listen6", envvar="NGINX_HTTP_LISTEN6", default=None,
              help="IPv6 listen for http (default: [::]:<port> when --http-listen is a bare port; '' for none)")
@click.option("--https-listen6", envvar="NGINX_HTTPS_LISTEN6", default=None,
              help="IPv6 listen for https (default: [::]:<port> when --https-listen is a bare port; '' for none)")
@click.option("--resolver", envvar="NGINX_RESOLVER", default=None,
              help="DNS resolver nginx asks for OCSP stapling (default: OCSP_RESOLVER, else this machine's "
                   "from /etc/resolv.conf; '' for none)")
@click.option("--log-dir", envvar="NGINX_LOG_DIR", default="/var/log/nginx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: print)")
@click.pass_obj
def render_nginx(config: Config, server_name, site_root, upstream, cert, key, http_listen, https_listen,
                 http_listen6, https_listen6, resolver, log_dir, out) -> None:
    """Render the nginx site from deploy/nginx/wagesafe.conf.template and the current settings."""
    from wagesafe.nginx_conf import NginxSite, default_server_name, render

    text = render(config, NginxSite(
        server_name=server_name or default_server_name(config), site_root=site_root or config.site_dir,
        upstream=upstream, ssl_certificate=cert, ssl_certificate_key=key, http_listen=http_listen,
        https_listen=https_listen, http_listen6=http_listen6, https_listen6=https_listen6, resolver=resolver,
        log_dir=log_dir))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


commands = [config_group, backup_cmd, restore_cmd, upgrade_cmd, ready, deploy_group]
