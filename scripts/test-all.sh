#!/usr/bin/env bash
# `make test`: the whole suite on DuckDB (the default) and the shared suite on PostgreSQL
# (`pytest --backend postgresql`: every test built on the database fixtures, on a throwaway cluster
# the tests start and remove).  Several runs at once, so the two cores stay busy while tests wait
# on Chromium, subprocesses and the disk: DuckDB's browser tests, DuckDB's page tests (tests/app),
# the rest on DuckDB, PostgreSQL.  Each run's summary is printed; fails when any run fails.
# Arguments (e.g. a path) go to every run, and then the page tests are not split off.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
names=()
pids=()
start() {   # start NAME ARGS...: one pytest run in the background, its output in $logs/N.log
  local name=$1; shift
  "$PY" -m pytest "$@" >"$logs/${#pids[@]}.log" 2>&1 &
  names+=("$name"); pids+=($!)
}
start "DuckDB, browser tests" -m browser "$@"
# the whole suite (no paths given): the pages' AppTest tests are a run of their own too, because the
# runs wait on browsers, subprocesses and the disk more than on the two cores (CI measured 123 % CPU)
rest=()
if [ $# -eq 0 ]; then
  start "DuckDB, pages (tests/app)" -m "not browser" tests/app
  rest=(--ignore=tests/app)
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  start "PostgreSQL, shared suite" --backend postgresql -m "not browser" "$@"
else
  echo "PostgreSQL is not installed: the PostgreSQL run is skipped (make test installs it when run as root)"
fi
echo "=== DuckDB run (all but the browser tests${rest:+ and tests/app}) ==="
"$PY" -m pytest -m "not browser" "${rest[@]}" "$@"
status=$?
[ $status -eq 5 ] && status=0
summary="DuckDB (not browser${rest:+, not tests/app}): $([ $status -eq 0 ] && echo passed || echo FAILED)"
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  rc=$?
  [ $rc -eq 5 ] && rc=0   # 5: no test of that kind among the paths given (e.g. make test ARGS=tests/ingest)
  echo "=== ${names[$i]} ==="
  grep -v "WARNING streamlit" "$logs/$i.log" | tail -60
  summary="$summary; ${names[$i]}: $([ $rc -eq 0 ] && echo passed || echo FAILED)"
  [ $rc -eq 0 ] || status=1
done
echo "$summary"
exit "$status"
