#!/usr/bin/env bash
# Installs Debian's chromium and a CJK font for the real-browser tests, if missing.
# Browsers are never downloaded by Playwright; the tests launch /usr/bin/chromium.
set -u
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "browser-deps: chromium/fonts-noto-cjk missing and cannot apt-get here; browser tests will be skipped" >&2
  exit 0
fi
echo "browser-deps: installing chromium and fonts-noto-cjk from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null 2>&1 \
  || echo "browser-deps: apt-get install failed; browser tests will be skipped" >&2
exit 0
