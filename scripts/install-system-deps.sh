#!/usr/bin/env bash
# System libraries Qt needs to run offscreen and under Xvfb, on Debian/Ubuntu.
# Idempotent; does nothing when everything is already there.
set -euo pipefail
pkgs=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
      xvfb xauth poppler-utils python3-venv
      fonts-noto-color-emoji  # emoji in notes show as emoji, not as empty boxes (Qt falls back to it)
      fonts-symbola  # emoji in the PDF reports: outlines ReportLab can embed (reports/fonts.py)
      binutils  # objdump: PyInstaller reads library dependencies with it (make bundle, tests/test_bundle.py)
      nginx-light postgresql-client-15  # the reverse-proxy example (tests/server/test_proxy.py); pg_dump for the restore drill
      chromium chromium-driver)  # the admin console's browser test (tests/server/test_console_browser.py, Selenium headless)
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: install Qt's system libraries (see this script's list) yourself." >&2
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Root runs apt-get itself (a Debian machine used as root often has no sudo); anyone else through sudo.
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "Missing system packages: ${missing[*]} (run this script as root, or install them)" >&2
      exit 1
    fi
    echo "Installing Qt's system libraries with sudo: ${missing[*]}" >&2
    as_root=(sudo)
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
