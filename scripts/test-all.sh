#!/usr/bin/env bash
# `make test`: the whole suite on DuckDB (the default) and, at the same time (one core each), the
# shared suite on PostgreSQL (`pytest --backend postgresql`: every test built on the database
# fixtures, on a throwaway cluster the tests start and remove).  Fails when either run fails.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
pg_pid=""
pg_log=$(mktemp)
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  "$PY" -m pytest --backend postgresql -m "not browser" "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
else
  echo "PostgreSQL is not installed: the PostgreSQL run is skipped (make test installs it when run as root)"
fi
echo "=== DuckDB run (all tests) ==="
"$PY" -m pytest "$@"
duck=$?
pg=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg=$?
  echo "=== PostgreSQL run (the shared suite) ==="
  grep -v "WARNING streamlit" "$pg_log" | tail -60
fi
rm -f "$pg_log"
echo "DuckDB run: $([ $duck -eq 0 ] && echo passed || echo FAILED); PostgreSQL run: $([ -z "$pg_pid" ] && echo skipped || { [ $pg -eq 0 ] && echo passed || echo FAILED; })"
[ "$duck" -eq 0 ] && [ "$pg" -eq 0 ]
