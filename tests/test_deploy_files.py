"""The files in ``deploy/`` agree with the code: limits, routes, commands, settings and paths.

These run without nginx, systemd or Docker: they catch the drift that breaks a server later
(a new route nginx does not pass on, a renamed command in a unit, a setting missing from the
environment file, a Dockerfile copying a file that moved).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from wagesafe.cli import main
from wagesafe.config import SETTINGS, Config
from wagesafe.config_check import problems
from wagesafe.nginx_conf import NginxSite, body_limit_bytes, flood_rate, render

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def rendered(config: Config) -> str:
    return render(config, NginxSite(server_name="wage.example.gov.cn", site_root=config.site_dir))


@pytest.mark.parametrize("mb,n", [("10", "5"), ("0.5", "2"), ("25", "1"), ("3", "0")])
def test_nginx_body_limit_is_the_services_own(tmp_path, data_dir, mb, n):
    from formsvc import create_app

    config = Config.from_env({"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path),
                              "MAX_UPLOAD_MB": mb, "MAX_UPLOADS": n})
    app = create_app(config)
    assert body_limit_bytes(config) == app.config["MAX_CONTENT_LENGTH"]
    assert f"client_max_body_size {app.config['MAX_CONTENT_LENGTH']};" in rendered(config)


@pytest.mark.parametrize("per_10", [1, 5, 30, 60, 1000])
def test_nginx_rate_limit_never_refuses_what_the_service_allows(per_10):
    config = Config.from_env({"RATE_LIMIT_IP_PER_10_MINUTES": str(per_10)})
    per_minute, burst = flood_rate(config)
    assert burst >= per_10  # the service may take all of 10 minutes' complaints at once
    assert per_minute * 10 >= per_10  # and refills at least as fast
    assert per_minute >= 300 and burst >= 300  # hundreds a minute: far beyond any crew (issue 25)
    text = rendered(config)
    assert f"zone=wagesafe_forms:10m rate={per_minute}r/m;" in text
    assert f"limit_req zone=wagesafe_forms burst={burst} nodelay;" in text


def test_nginx_keys_buckets_on_the_address_only_never_on_a_cookie():
    """Any client can make up a cookie: nginx buckets keyed on one (issue 25) let a made-up
    ``session=x`` decide whose posts share a bucket. The service keeps the per-device limits."""
    text = rendered(Config.from_env({}))
    assert "$cookie_" not in text
    for zone in re.findall(r"^limit_req_zone (\S+) zone=(\w+):10m rate=(\d+)r/m;", text, flags=re.M):
        key, name, rate = zone
        assert key in ("$binary_remote_addr", "$wagesafe_post_client"), zone
        assert int(rate) >= 60, zone


def test_ocsp_resolver_is_a_setting_defaulting_to_the_systems(tmp_path, monkeypatch):
    from wagesafe import nginx_conf
    from wagesafe.config_check import warnings

    conf = tmp_path / "resolv.conf"
    conf.write_text("# made by hand\nsearch example\nnameserver 10.0.0.2\nnameserver 2001:db8::53\n"
                    "nameserver fe80::1%eth0\n")
    assert nginx_conf.ocsp_resolver(Config.from_env({}), conf) == "10.0.0.2 [2001:db8::53]"
    assert nginx_conf.ocsp_resolver(Config.from_env({"OCSP_RESOLVER": "223.5.5.5, 119.29.29.29"}), conf) \
        == "223.5.5.5 119.29.29.29"
    assert nginx_conf.ocsp_resolver(Config.from_env({"OCSP_RESOLVER": "off"}), conf) == ""
    text = rendered(Config.from_env({"OCSP_RESOLVER": "223.5.5.5"}))
    assert "resolver 223.5.5.5 valid=300s;" in text and "127.0.0.53" not in text
    # none anywhere: rendered without a resolver line, and config check warns (not a refusal)
    empty = tmp_path / "empty.conf"
    empty.write_text("")
    monkeypatch.setattr(nginx_conf, "system_resolvers", lambda resolv_conf=empty: [])
    assert not re.search(r"^\s*resolver ", rendered(Config.from_env({})), flags=re.M)
    assert any(line.startswith("OCSP_RESOLVER") for line in warnings(Config.from_env({})))
    assert not warnings(Config.from_env({"OCSP_RESOLVER": "223.5.5.5"}))


def test_config_check_prints_the_resolver_warning(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "OCSP_RESOLVER": "off", "WAGESAFE_VAR_DIR": str(tmp_path)}
    done = subprocess.run([str(Path(sys.executable).parent / "wagesafe"), "config", "check"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert "warning: OCSP_RESOLVER" in done.stdout, done.stdout + done.stderr


def test_hsts_include_subdomains_is_a_setting():
    plain = rendered(Config.from_env({}))
    assert 'Strict-Transport-Security "max-age=31536000" always;' in plain and "includeSubDomains" not in plain
    wide = rendered(Config.from_env({"HSTS_INCLUDE_SUBDOMAINS": "1"}))
    assert 'Strict-Transport-Security "max-age=31536000; includeSubDomains" always;' in wide
    assert 'max-age=31536000" always' not in wide


def test_nginx_desk_door_and_cdn_addresses_are_rendered_from_the_settings():
    closed = rendered(Config.from_env({"DESK_ALLOW_NETWORKS": "10.8.0.0/16, 2001:db8::/32",
                                       "CDN_ADDRESSES": "203.0.113.0/24"}))
    opened = rendered(Config.from_env({}))
    opened_desk = opened.split("location ^~ /desk/ {", 1)[1].split("}", 1)[0]
    assert "deny all;" not in opened_desk and not re.search(r"^set_real_ip_from", opened, flags=re.M)  # off by default
    desk = closed.split("location ^~ /desk/ {", 1)[1].split("}", 1)[0]
    assert "allow 10.8.0.0/16;" in desk and "allow 2001:db8::/32;" in desk and "deny all;" in desk
    assert "set_real_ip_from 203.0.113.0/24;" in closed and "real_ip_recursive on;" in closed
    # nginx passes one address on, never the client's own X-Forwarded-For
    assert "$proxy_add_x_forwarded_for" not in closed
    # the service's pages get their CSP and Referrer-Policy from the service, not a second one from nginx
    form = opened.split("location = /complain {", 1)[1].split("}", 1)[0]
    assert "add_header Content-Security-Policy" not in form and "add_header Referrer-Policy" not in form


def test_nginx_serves_metrics_only_to_the_metrics_networks():
    """/metrics: loopback by default, else METRICS_ALLOW_NETWORKS, denied to everyone else; /readyz passed on."""
    def block(text: str, path: str) -> str:
        return text.split(f"location = {path} {{", 1)[1].split("\n    }", 1)[0]

    default = block(rendered(Config.from_env({})), "/metrics")
    assert re.findall(r"allow (\S+);", default) == ["127.0.0.1/32", "::1/128"] and "deny all;" in default
    prometheus = block(rendered(Config.from_env({"METRICS_ALLOW_NETWORKS": "10.20.0.5, 2001:db8::/64"})), "/metrics")
    assert re.findall(r"allow (\S+);", prometheus) == ["10.20.0.5/32", "2001:db8::/64"]
    assert "deny all;" in prometheus and "proxy_pass http://wagesafe_app;" in prometheus
    assert "proxy_pass http://wagesafe_app;" in block(rendered(Config.from_env({})), "/readyz")


def _locations(text: str) -> list[tuple[str, str, str]]:
    """(modifier, path, body) of every ``location`` block in the HTTPS server."""
    https = text.split("ssl http2;", 1)[1]
    return re.findall(r"location (=|\^~|~\*)? ?(\S+) \{(.*?)\n    \}", https, flags=re.S)


def test_every_form_service_route_is_passed_to_gunicorn(tmp_path, data_dir):
    """A route added to the service but not to nginx would 404 in production only."""
    from formsvc import create_app

    config = Config.from_env({"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path)})
    app = create_app(config)
    proxied = [(mod, path) for mod, path, body in _locations(rendered(config)) if "proxy_pass" in body]
    missing = []
    for rule in app.url_map.iter_rules():
        sample = re.sub(r"<[^>]+>", "x1", rule.rule)
        if sample.startswith("/dev/"):  # the demo's mail catcher: never on a server
            continue
        if not any((mod == "=" and sample == path) or (mod == "^~" and sample.startswith(path))
                   for mod, path in proxied):
            missing.append(rule.rule)
    assert not missing, f"nginx does not pass these routes to gunicorn: {missing}"


def test_nginx_template_renders_https_security_and_caching():
    text = rendered(Config.from_env({}))
    assert "{{" not in text and "{%" not in text
    assert "return 301 https://$host$request_uri;" in text
    assert "ssl_certificate     /etc/letsencrypt/live/wage.example.gov.cn/fullchain.pem;" in text
    assert "gzip_static on;" in text and "error_page 413 /_wagesafe_errors/413.html;" in text
    for mod, path, body in _locations(text):
        if path.startswith("/.well-known"):
            continue
        # nginx's own files get every header; the service's pages get only HSTS from nginx (the
        # service sets the rest itself, once: formsvc/web/headers.py)
        own = ("Strict-Transport-Security",) if "proxy_pass" in body else (
            "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")
        for header in own:
            assert header in body, f"{header} missing in location {path}"
        if "proxy_pass" in body:
            assert "add_header Content-Security-Policy" not in body and "add_header Referrer-Policy" not in body
            assert "X-Forwarded-For $remote_addr;" in body  # one address, never the client's own header
            assert "X-Forwarded-Proto $scheme" in body
    for page in ("403.html", "413.html", "429.html", "502.html"):
        html = (DEPLOY / "nginx" / page).read_text(encoding="utf-8")
        assert 'lang="zh-CN"' in html and "<script" not in html and "style" not in html


def test_nginx_accepts_the_rendered_production_site(tmp_path):
    """``nginx -t`` on the production rendering (default ports, letsencrypt-style paths)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"  # installed by `make test`: no skip when missing
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path / "site")})
    site = tmp_path / "wagesafe.conf"
    site.write_text(render(config, NginxSite(server_name="wage.example.gov.cn", site_root=config.site_dir,
                                             ssl_certificate=str(cert), ssl_certificate_key=str(key),
                                             log_dir=str(tmp_path))))
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\n"
                    f"client_body_temp_path {tmp_path}/tmp;\nproxy_temp_path {tmp_path}/tmp;\n"
                    f"access_log off;\ninclude {site};\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _command_exists(words: list[str]) -> bool:
    """Does ``wagesafe <words...>`` name a real command (options ignored)?"""
    cmd: click.Command = main
    for word in words:
        if word.startswith("-") or not isinstance(cmd, click.Group):
            break
        if word not in cmd.commands:
            return False
        cmd = cmd.commands[word]
    return True


def _unit(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, _, v = line.partition("=")
            out.setdefault(k.strip(), v.strip())
    return out


def test_systemd_units_run_real_commands_with_the_env_file():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {"wagesafe-web.service", "wagesafe-worker.service", "wagesafe-escalate.service",
                                       "wagesafe-report.service", "wagesafe-backup.service"}
    for unit in units:
        u = _unit(unit)
        assert u["User"] == "wagesafe" and u["EnvironmentFile"] == "/etc/wagesafe/wagesafe.env", unit.name
        starts = re.findall(r"^ExecStart=(.+)$", unit.read_text(), flags=re.M)  # a oneshot may run several
        assert starts, unit.name
        for start in starts:
            exe, *args = start.split()
            assert exe == "/srv/wagesafe/app/.venv/bin/wagesafe", unit.name
            assert _command_exists(args), f"{unit.name}: `wagesafe {' '.join(args)}` is not a command"
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert timer.with_suffix(".service").exists(), timer.name
        calendar = _unit(timer)["OnCalendar"]
        if shutil.which("systemd-analyze"):
            check = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True)
            assert check.returncode == 0, f"{timer.name}: {check.stderr}"
    assert _unit(DEPLOY / "systemd/wagesafe-report.timer")["OnCalendar"] == "*-*-* 08:30:00 Asia/Shanghai"
    assert _unit(DEPLOY / "systemd/wagesafe-escalate.timer")["OnCalendar"] == "*:0/15"


def _env_file(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_env_example_lists_every_setting_and_passes_the_check_once_filled_in(tmp_path):
    text = (DEPLOY / "wagesafe.env.example").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert re.search(rf"^#?{s.name}=", text, flags=re.M), f"{s.name} missing from wagesafe.env.example"
    raw = _env_file(text)
    unfilled = problems(Config.from_env(raw))
    assert {line.split()[0] for line in unfilled} == {k for k, v in raw.items() if v == "CHANGE-ME"}
    filled = {k: ("x" * 48 if v == "CHANGE-ME" else v) for k, v in raw.items()}
    assert problems(Config.from_env(filled)) == []


def test_dockerfile_copies_what_exists_and_installs_the_poster_font():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, flags=re.M)
    run_pkgs = re.search(r'^RUN_PKGS="([^"]+)"', (ROOT / "scripts/system-deps.sh").read_text(), flags=re.M)[1]
    for pkg in run_pkgs.split():
        assert pkg in text, f"the image lacks the Debian package {pkg} that `make run` installs"
    for line in re.findall(r"^COPY (.+)$", text, flags=re.M):
        *sources, _dest = line.split()
        for src in sources:
            assert (ROOT / src).exists(), f"Dockerfile copies {src}, which does not exist"
    cmd = re.search(r"^CMD (\[.*\])$", text, flags=re.M)[1]
    assert _command_exists(yaml.safe_load(cmd)[1:])


def test_compose_services_use_real_commands_and_paths():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"web", "worker", "nginx", "setup"} <= set(compose["services"])
    build = compose["services"]["web"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    for name, service in compose["services"].items():
        command = service.get("command")
        if isinstance(command, list) and command[0] == "wagesafe":
            assert _command_exists(command[1:]), f"{name}: {command}"
        elif isinstance(command, list) and command[:2] == ["sh", "-ec"]:
            for step in command[2].split("&&"):
                words = step.split()
                assert words[0] == "wagesafe" and _command_exists(words[1:]), f"{name}: {step}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists() or source in ("./tls", "./backups"), f"{name}: {volume}"
    assert {"var", "site"} <= set(compose["volumes"])


def test_admin_script_is_valid_shell():
    script = DEPLOY / "wagesafe-admin"
    assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    assert script.stat().st_mode & 0o111
