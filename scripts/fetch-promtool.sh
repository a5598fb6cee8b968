#!/usr/bin/env bash
# Put promtool (Prometheus's rule checker) at $1 for tests/test_alert_rules.py, without installing
# Debian's prometheus package (which would also install and start a Prometheus server): the .deb
# is downloaded and only its promtool is kept. A promtool already on PATH is used as it is.
set -euo pipefail
target="$(realpath -m "$1")"
if command -v promtool >/dev/null 2>&1; then
  ln -sf "$(command -v promtool)" "$target"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "promtool not found and no apt-get: install Prometheus's promtool, or the alert-rule tests will skip" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# apt-get download needs the package lists; a fresh machine may have none yet.
apt-get download -q prometheus >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && apt-get download -q prometheus >/dev/null; }
dpkg-deb -x prometheus_*.deb root
install -m 0755 root/usr/bin/promtool "$target"
echo "promtool $("$target" --version 2>&1 | head -1 | awk '{print $3}') at $target"
