#!/bin/sh
# Installs Chromium for the status page's browser test if it is missing:
#   bot/server/testdata/install-chromium.sh
#   LUMOBOT_BROWSER_TEST=1 go test -race -run Browser ./bot/server/
# Debian and Ubuntu (apt) only; run as root or with sudo available.
set -eu

for name in chromium chromium-browser google-chrome google-chrome-stable; do
	if command -v "$name" >/dev/null 2>&1; then
		echo "found $(command -v "$name"): $("$name" --version 2>/dev/null || true)"
		exit 0
	fi
done

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium.sh: no apt-get; install Chromium yourself and set LUMOBOT_CHROMIUM" >&2
	exit 1
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
chromium --version
