#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE...: install Debian packages the tests need when they are missing.
# Used by install-browser-deps.sh and install-postgres.sh (which decide whether anything is missing).
# Never fails the build: without root or apt-get it says which tests will be skipped.
set -u
what=$1; shift
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "$what: $* missing and cannot apt-get here; those tests will be skipped" >&2
  exit 0
fi
echo "$what: installing $* from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
  || echo "$what: apt-get install $* failed; those tests will be skipped" >&2
exit 0
