#!/usr/bin/env bash
# Vendors the official region codes and names from the npm package idn-area-data (data: ODbL 1.0,
# code: MIT; sourced from the Ministry of Home Affairs' regulation on area codes). Run when a new
# version is published; the result is checked in (gzip) so that a fresh clone needs no npm. The
# version is the reference data's version: it is recorded next to the files and shown by the API.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/../src/slrt_reference/data"
VERSION="${1:-4.0.1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "idn-area-data@$VERSION" >/dev/null && tar xzf idn-area-data-*.tgz)
mkdir -p "$dest"
for level in provinces regencies districts villages; do
  gzip -9n < "$work/package/data/$level.csv" > "$dest/$level.csv.gz"
done
cp "$work/package/data/LICENSE.md" "$dest/LICENSE-data-ODbL.md"
cp "$work/package/LICENSE" "$dest/LICENSE-code-MIT"
echo "idn-area-data@$VERSION" > "$dest/VERSION"
echo "vendored idn-area-data@$VERSION into $dest"
