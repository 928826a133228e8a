#!/usr/bin/env bash
# Installs Debian's chromium and a CJK font for the real-browser tests, if missing.
# Browsers are never downloaded by Playwright; the tests launch /usr/bin/chromium.
set -u
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
exec bash "$(dirname "$0")/apt-install.sh" browser-deps chromium fonts-noto-cjk
