#!/bin/sh
# A second demo county beside `make run` (issues 18, 24): 白水县 from demo/county-b/ on B_PORT, with its own
# database, site and mail catcher (B_SMTP_PORT, default B_PORT + 25) under var/county-b/, paired with 青禾县
# (the first demo, wherever `make run` runs: its remembered address var/demo-base-url, else A_BASE_URL).
# Each issues the other an Open311 key, written to the other's partner-keys.env, and each one's partner
# file is written from the ports really used (scripts/demo-partners.sh; PARTNERS_FILE points at it), so
# a case can be sent from one desk to the other ("转送外县") and followed there. Run `make run` first (or beside it).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
A_VAR=${WAGESAFE_VAR_DIR:-var}
: "${B_PORT:?set B_PORT (make run-county-b sets it: make run's PORT + 100 unless given)}"
B_SMTP_PORT=${B_SMTP_PORT:-$((B_PORT + 25))}
B_VAR="$A_VAR/county-b"
B_BASE="http://127.0.0.1:$B_PORT"
A_BASE=$(cat "$A_VAR/demo-base-url" 2>/dev/null || true)
A_BASE=${A_BASE:-${A_BASE_URL:?set A_BASE_URL, the first demo county address (make run-county-b sets it)}}
mkdir -p "$B_VAR"

a() { WAGESAFE_DATA_DIR=data WAGESAFE_VAR_DIR="$A_VAR" "$BIN/wagesafe" "$@"; }
b() {
  WAGESAFE_DATA_DIR=demo/county-b WAGESAFE_VAR_DIR="$B_VAR" WAGESAFE_SITE_DIR="$B_VAR/site" \
  PARTNERS_FILE="$B_VAR/demo-partners.yaml" PUBLIC_BASE_URL="$B_BASE" SMTP_PORT="$B_SMTP_PORT" "$BIN/wagesafe" "$@"
}
# A fresh key each run (the old one, if any, is revoked first).
key() { "$1" api-key revoke "$2" >/dev/null 2>&1 || true; "$1" api-key issue "$2" 2>/dev/null; }

# Each county's partner file, from the ports used now (the first demo reads its file at each request).
scripts/demo-partners.sh demo/county-b/partners.yaml "$B_VAR/demo-partners.yaml" "$A_BASE"
scripts/demo-partners.sh data/partners.yaml "$A_VAR/demo-partners.yaml" "$B_BASE"
echo "paired: 青禾县 $A_BASE ↔ 白水县 $B_BASE (mail catcher 127.0.0.1:$B_SMTP_PORT)"
a db migrate >/dev/null
b check
b db migrate >/dev/null
echo "PARTNER_KEY_BAISHUI=$(key b qinghe)" > "$A_VAR/partner-keys.env"
echo "PARTNER_KEY_QINGHE=$(key a baishui)" > "$B_VAR/partner-keys.env"
chmod 600 "$A_VAR/partner-keys.env" "$B_VAR/partner-keys.env"
echo "keys exchanged: $A_VAR/partner-keys.env, $B_VAR/partner-keys.env"
b build >/dev/null
b posters >/dev/null
exec env WAGESAFE_DATA_DIR=demo/county-b WAGESAFE_VAR_DIR="$B_VAR" WAGESAFE_SITE_DIR="$B_VAR/site" \
  PARTNERS_FILE="$B_VAR/demo-partners.yaml" PUBLIC_BASE_URL="$B_BASE" SMTP_PORT="$B_SMTP_PORT" \
  "$BIN/wagesafe" demo --port "$B_PORT"
