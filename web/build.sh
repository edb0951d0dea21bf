#!/usr/bin/env bash
# make web: build the dashboard into web/dist (embedded by web/web.go).
# Cached: skipped when package-lock.json and the sources are unchanged
# since the last build (the stamp lives in node_modules, which is not
# committed). Needs Node 20+ and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
sum=$(cat package.json package-lock.json index.html vite.config.ts tsconfig.json scripts/*.mjs \
  $(find src -type f | LC_ALL=C sort) | sha256sum | cut -d' ' -f1)
stamp=node_modules/.claimflow-web-stamp
if [ -f dist/index.html ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  echo "web: dashboard up to date"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "web: npm is missing; install Node.js 20+ to build the dashboard" >&2
  exit 1
fi
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.claimflow-lock ] || [ "$(cat node_modules/.claimflow-lock)" != "$lock_sum" ]; then
  echo "web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.claimflow-lock
fi
echo "web: npm run build"
npm run build --silent
echo "$sum" >"$stamp"
