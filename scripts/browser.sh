#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the dashboard tests (playwright-core drives it; it
# downloads no browser of its own). Safe to run again. Installs only as root with apt-get; otherwise it says
# what is missing and the dashboard tests skip (or fail, with CI=true).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "[browser] chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -n1)" >&2; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[browser] installing chromium from Debian" >&2
  (apt-get install -y -qq chromium >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
fi
[ -x /usr/bin/chromium ] || { echo "[browser] /usr/bin/chromium is missing: apt-get install chromium" >&2; exit 1; }
