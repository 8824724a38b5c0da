#!/usr/bin/env bash
# install.sh: installs the reference implementations pinned in package-lock.json (twitter-text,
# @atproto/api) into a cache folder for the differential test (TestReference in bot/render).
# The cache is keyed by the lock file's hash, so a changed pin installs afresh; a ready cache
# returns at once. Prints the node_modules folder on stdout. Needs node and npm.
#   cache: $LUMOBOT_REFERENCE_CACHE, else $XDG_CACHE_HOME/lumobot-render-reference, else ~/.cache/...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${LUMOBOT_REFERENCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumobot-render-reference}
command -v npm >/dev/null || { echo "install.sh: npm is needed" >&2; exit 1; }
key=$(sha256sum "$here/package-lock.json" | cut -c1-16)
dir=$base/$key
if [[ ! -f $dir/.ready ]]; then
  mkdir -p "$dir"
  if command -v flock >/dev/null; then
    exec 9>"$dir/.lock"
    flock 9
  fi
  if [[ ! -f $dir/.ready ]]; then
    cp "$here/package.json" "$here/package-lock.json" "$dir/"
    # No install scripts: the packages are plain JavaScript (core-js's postinstall only prints).
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) >"$dir/install.log" 2>&1 || {
      echo "install.sh: npm ci in $dir failed:" >&2; tail -n 30 "$dir/install.log" >&2; exit 1; }
    touch "$dir/.ready"
  fi
fi
echo "$dir/node_modules"
