#!/bin/sh
# System packages the test suite needs that pip cannot install: Debian's Chromium for the browser test
# (tests/test_browser.py drives /usr/bin/chromium through Playwright). Idempotent; run as root or with sudo.
# If Chromium cannot be installed this script fails, and so does CI: the browser test never skips.
set -eu

if [ -x /usr/bin/chromium ]; then
    echo "setup-system: chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup-system: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: apt-get not found; install Chromium so that /usr/bin/chromium exists" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
if [ ! -x /usr/bin/chromium ]; then
    echo "setup-system: apt-get finished but /usr/bin/chromium is missing" >&2
    exit 1
fi
echo "setup-system: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
