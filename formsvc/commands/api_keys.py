"""``wagesafe api-key issue|revoke|list``: the keys partner systems use to POST Open311 requests.

The key is printed once, at issue (only its hash is stored): hand it to the partner over a
channel you trust, and revoke it the day the partnership ends or the key may have leaked.
"""

from __future__ import annotations

import click

from formsvc.storage.store import open_db


@click.group("api-key")
def api_key():
    """Issue, revoke and list the API keys of Open311 partner systems."""


@api_key.command("issue")
@click.argument("name")
@click.option("--rotate", is_flag=True, help="NAME has a key already: issue a new one; the old keeps working until "
              "`revoke NAME --old`")
@click.pass_obj
def issue_cmd(config, name, rotate):
    """Issue a key for the partner NAME (e.g. baishui-county) and print it once."""
    from formsvc.officers import api_keys

    db = open_db(config.database)
    try:
        key = api_keys.issue(db, name, rotate=rotate)
    except api_keys.KeyError_ as e:
        raise click.ClickException(str(e)) from None
    finally:
        db.conn.close()
    click.echo(key)
    click.echo(f"# key for {name.strip().lower()}: shown only now; only its SHA-256 is stored", err=True)


@api_key.command("revoke")
@click.argument("name")
@click.option("--old", "old_only", is_flag=True, help="revoke only the keys a `--rotate` replaced")
@click.pass_obj
def revoke_cmd(config, name, old_only):
    """Revoke the keys of the partner NAME at once (with --old: only the replaced ones)."""
    from formsvc.officers import api_keys

    db = open_db(config.database)
    try:
        count = api_keys.revoke(db, name, old_only=old_only)
    except api_keys.KeyError_ as e:
        raise click.ClickException(str(e)) from None
    finally:
        db.conn.close()
    click.echo(f"revoked: {name} ({count} key{'s' if count != 1 else ''}{', the old ones' if old_only else ''})")


@api_key.command("list")
@click.pass_obj
def list_cmd(config):
    """List the keys: name, first characters, issued, revoked."""
    from formsvc.officers import api_keys

    db = open_db(config.database)
    try:
        for k in api_keys.list_keys(db):
            state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
            click.echo(f"{k.name}\t{k.prefix}…\t{k.created_at}\t{state}")
    finally:
        db.conn.close()


commands = [api_key]
