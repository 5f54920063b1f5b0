#!/usr/bin/env bash
# Re-creates assets/ from the npm registry: the two libraries the console
# imports as ES modules, gzip-compressed. Not run by the build: the assets are
# committed so the console works on a machine without network access.
#   graphql-ws 6.4.2: the graphql-transport-ws client (its ESM client and the
#     one chunk it imports; no dependencies in the browser).
#   chartist 1.5.0: SVG charts (its ESM build and stylesheet).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent graphql-ws@6.4.2 chartist@1.5.0 >/dev/null)
for p in graphql-ws-6.4.2 chartist-1.5.0; do mkdir "$tmp/$p" && tar xzf "$tmp/$p.tgz" -C "$tmp/$p"; done
rm -f assets/*.gz
ws="$tmp/graphql-ws-6.4.2/package/dist"
common=$(cd "$ws" && ls common-*.js)
# The client imports its chunk by a hashed name; give it a stable one.
sed "s#from './$common'#from './graphql-ws-common.js'#" "$ws/client.js" | gzip -9 -n -c > assets/graphql-ws.js.gz
grep -q "from './graphql-ws-common.js'" <(zcat assets/graphql-ws.js.gz) || { echo "graphql-ws: chunk import not found" >&2; exit 1; }
gzip -9 -n -c "$ws/$common" > assets/graphql-ws-common.js.gz
gzip -9 -n -c "$tmp/chartist-1.5.0/package/dist/index.js" > assets/chartist.js.gz
gzip -9 -n -c "$tmp/chartist-1.5.0/package/dist/index.css" > assets/chartist.css.gz
cp "$tmp/graphql-ws-6.4.2/package/LICENSE.md" assets/LICENSE.graphql-ws
cp "$tmp/chartist-1.5.0/package/LICENSE-MIT" assets/LICENSE.chartist
