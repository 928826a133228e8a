#!/usr/bin/env bash
# Installs Debian's PostgreSQL server programs (initdb, pg_ctl) for the PostgreSQL test run, if
# missing.  The tests start a throwaway cluster of their own (jxtrack.store.pgcluster) and remove it;
# nothing is configured system-wide and the package's own cluster is not used.
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
exec bash "$(dirname "$0")/apt-install.sh" postgres-deps postgresql
