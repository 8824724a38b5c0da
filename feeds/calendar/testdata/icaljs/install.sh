#!/usr/bin/env bash
# install.sh: installs the pinned ical.js (package-lock.json beside this file) into a cache folder
# for the differential test TestICALJS in feeds/calendar, unless that exact lock is installed already.
# Prints the folder holding node_modules. Cache: $LUMOBOT_ICALJS_CACHE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/lumobot-icaljs. Needs node and npm; safe to run concurrently (flock).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${LUMOBOT_ICALJS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumobot-icaljs}
command -v npm >/dev/null || { echo "install.sh: npm is needed to install ical.js" >&2; exit 1; }
mkdir -p "$cache"
stamp=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
ready() { [[ -f $cache/.ready && $(cat "$cache/.ready") == "$stamp" && -d $cache/node_modules/ical.js ]]; }
if ! ready; then
  if command -v flock >/dev/null; then
    exec 9>"$cache/.lock"
    flock 9
  fi
  if ! ready; then
    cp "$here/package.json" "$here/package-lock.json" "$cache/"
    (cd "$cache" && npm ci --no-audit --no-fund --ignore-scripts) >"$cache/install.log" 2>&1 ||
      { echo "install.sh: npm ci in $cache failed:" >&2; tail -n 20 "$cache/install.log" >&2; exit 1; }
    echo "$stamp" >"$cache/.ready"
  fi
fi
echo "$cache"
