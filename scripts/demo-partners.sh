#!/bin/sh
# Write a demo county's partner file from the port its partner really runs on (issue 24): copy FROM to TO,
# with every loopback address (http://127.0.0.1 or http://127.0.0.1:<port>) replaced by BASE.
# Used by `make run` and scripts/run-county-b.sh; the result is what PARTNERS_FILE points at.
set -eu
FROM=$1 TO=$2 BASE=${3%/}
mkdir -p "$(dirname "$TO")"
sed -E "s#http://127\.0\.0\.1(:[0-9]+)?#$BASE#g" "$FROM" > "$TO.tmp"
mv "$TO.tmp" "$TO"
