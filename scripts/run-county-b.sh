#!/bin/sh
# A second demo county beside `make run` (issue 18): 白水县 from demo/county-b/ on port 8100, with its
# own database, site and mail catcher under var/county-b/, paired with 青禾县 (the first demo, port 8000):
# each issues the other an Open311 key, written to the other's partner-keys.env, so a case can be sent
# from one desk to the other ("转送外县") and followed there. Run `make run` first (or beside it).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
A_VAR=${WAGESAFE_VAR_DIR:-var}
B_PORT=${B_PORT:-8100}
B_VAR="$A_VAR/county-b"
mkdir -p "$B_VAR"

a() { WAGESAFE_DATA_DIR=data WAGESAFE_VAR_DIR="$A_VAR" "$BIN/wagesafe" "$@"; }
b() {
  WAGESAFE_DATA_DIR=demo/county-b WAGESAFE_VAR_DIR="$B_VAR" WAGESAFE_SITE_DIR="$B_VAR/site" \
  PUBLIC_BASE_URL="http://127.0.0.1:$B_PORT" SMTP_PORT=8125 "$BIN/wagesafe" "$@"
}
# A fresh key each run (the old one, if any, is revoked first).
key() { "$1" api-key revoke "$2" >/dev/null 2>&1 || true; "$1" api-key issue "$2" 2>/dev/null; }

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
  PUBLIC_BASE_URL="http://127.0.0.1:$B_PORT" SMTP_PORT=8125 "$BIN/wagesafe" demo --port "$B_PORT"
