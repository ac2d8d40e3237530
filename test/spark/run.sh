#!/usr/bin/env bash
# npm run test:spark: a PySpark venv in examples/spark/.venv (git-ignored; pip's own cache only), then the
# Spark test. Skips loudly — never silently — when there is no JDK or no Python venv to run Spark with.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() {
  printf '\n%s\n!! SPARK TEST SKIPPED: %s\n%s\n\n' "$(printf '!%.0s' {1..72})" "$1" "$(printf '!%.0s' {1..72})" >&2
  exit 0
}
command -v java >/dev/null 2>&1 || skip "no java on PATH (install a JDK 17, e.g. apt-get install openjdk-17-jre-headless)"
command -v python3 >/dev/null 2>&1 || skip "no python3 on PATH"
VENV=examples/spark/.venv
REQ=examples/spark/requirements.txt
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$VENV/requirements.txt"; then
  start=$(date +%s)
  rm -rf "$VENV"
  python3 -m venv "$VENV" || skip "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install --disable-pip-version-check -q -r "$REQ" || { rm -rf "$VENV"; skip "pip could not install $(cat "$REQ")"; }
  cp "$REQ" "$VENV/requirements.txt"
  echo "spark: installed $(cat "$REQ") in $VENV in $(( $(date +%s) - start ))s"
fi
exec "$VENV/bin/python" test/spark/test_spark.py "$@"
