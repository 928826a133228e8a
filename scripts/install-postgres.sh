#!/usr/bin/env bash
# Installs Debian's PostgreSQL server programs (initdb, pg_ctl) for the PostgreSQL test run, if
# missing.  The tests start a throwaway cluster of their own (jxtrack.store.pgcluster) and remove it;
# nothing is configured system-wide and the package's own cluster is not used.
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "postgres-deps: PostgreSQL missing and cannot apt-get here; the PostgreSQL tests will be skipped" >&2
  exit 0
fi
echo "postgres-deps: installing postgresql from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
  || echo "postgres-deps: apt-get install postgresql failed; the PostgreSQL tests will be skipped" >&2
exit 0
