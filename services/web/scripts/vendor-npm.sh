#!/usr/bin/env bash
# Vendors the browser libraries the application serves itself (district offices and villages have
# poor connections: never a CDN). Run when upgrading; the result is checked in so that a fresh clone
# runs without npm. Versions are pinned here and in static/vendor/*/VERSION.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/../src/slrt_web/static/vendor"
HTMX_VERSION=2.0.11
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null && tar xzf htmx.org-*.tgz)
mkdir -p "$dest/htmx"
cp "$work/package/dist/htmx.min.js" "$dest/htmx/htmx.min.js"
cp "$work/package/LICENSE" "$dest/htmx/LICENSE"
echo "htmx.org@$HTMX_VERSION (npm), dist/htmx.min.js; licence 0BSD" > "$dest/htmx/VERSION"
echo "vendored htmx.org@$HTMX_VERSION into $dest/htmx"
