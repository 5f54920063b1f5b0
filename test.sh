#!/usr/bin/env bash
# The whole test suite, as CI runs it: install the npm clients the end-to-end
# tests use (graphql-http's audit suite, graphql-ws, playwright-core and axe-core for
# the console in Chromium), vet, then every test with
# the race detector. The end-to-end tests start the real server on :0 and talk
# to it over HTTP and WebSocket. (A plain `go test ./...` skips the npm-client
# tests when e2e/node_modules is missing; here they are required.)
set -euo pipefail
cd "$(dirname "$0")"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
go vet ./...
RETURNSGW_REQUIRE_NODE=1 go test -race -count=1 ./...
# A short fuzz run of the GraphQL document limits (documents and variables).
go test -run '^$' -fuzz '^FuzzQueryLimits$' -fuzztime 10s ./graph
