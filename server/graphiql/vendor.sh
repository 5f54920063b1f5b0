#!/usr/bin/env bash
# Re-creates assets/ from the npm registry. Not run by the build: the assets are
# committed so the page works on a machine without network access.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 >/dev/null)
for p in graphiql-3.8.3 react-18.3.1 react-dom-18.3.1; do mkdir "$tmp/$p" && tar xzf "$tmp/$p.tgz" -C "$tmp/$p"; done
gzip -9 -n -c "$tmp/graphiql-3.8.3/package/graphiql.min.js" > assets/graphiql.min.js.gz
gzip -9 -n -c "$tmp/graphiql-3.8.3/package/graphiql.min.css" > assets/graphiql.min.css.gz
gzip -9 -n -c "$tmp/react-18.3.1/package/umd/react.production.min.js" > assets/react.production.min.js.gz
gzip -9 -n -c "$tmp/react-dom-18.3.1/package/umd/react-dom.production.min.js" > assets/react-dom.production.min.js.gz
cp "$tmp/graphiql-3.8.3/package/LICENSE" assets/LICENSE.graphiql
cp "$tmp/react-18.3.1/package/LICENSE" assets/LICENSE.react
