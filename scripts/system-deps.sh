#!/usr/bin/env bash
# Install the Debian packages WageSafe needs, once: skipped when they are all present.
#   scripts/system-deps.sh run    what `make run` needs (a CJK font for the posters)
#   scripts/system-deps.sh test   what `make test` needs too (chromium, nginx, zbar, poppler)
#   scripts/system-deps.sh bench  what `make bench` needs too (Node.js and npm for Lighthouse)
set -euo pipefail
RUN_PKGS="fonts-droid-fallback"
TEST_PKGS="$RUN_PKGS fonts-liberation openssl chromium nginx-light zbar-tools libzbar0 poppler-utils wrk"
case "${1:-run}" in
  run) want=$RUN_PKGS ;;
  test) want=$TEST_PKGS ;;
  # A Node.js that brings its own npm (NodeSource's) counts; otherwise Debian's nodejs and npm.
  bench) want=$TEST_PKGS; command -v npm >/dev/null 2>&1 || want="$want nodejs npm" ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "WageSafe needs these Debian/Ubuntu packages (or your system's equivalent):$missing" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
