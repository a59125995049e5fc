#!/usr/bin/env bash
# Builds the SLRT images with buildah, one per service and one for the application for people:
#   <registry>/slrt-<service>:<tag>  for intake dtks referral letters monitoring web
# as the Kubernetes manifests (deploy/k8s) name them. Usage (as root, or with rootless buildah):
#   deploy/images/build.sh                      # all six, tag = the platform's version
#   SLRT_IMAGE_TAG=0.1.1 deploy/images/build.sh intake web
# Settings (environment):
#   SLRT_IMAGE_REGISTRY  name prefix (default ghcr.io/slrt-platform; a district mirror: registry.example.go.id/slrt)
#   SLRT_IMAGE_TAG       tag (default: the version in pyproject.toml)
#   SLRT_BASE_IMAGE      base image, pinned (default the official python:3.11.11-slim-bookworm). When it
#                        cannot be pulled (a machine that reaches only package registries), a Debian base
#                        is built from Debian packages with mmdebstrap instead and kept as
#                        localhost/slrt-debian-python:bookworm, so the next build reuses it.
#   SLRT_CA_BUNDLE       CA certificates the build trusts to reach PyPI (default: the system's bundle)
# Push afterwards: buildah push <registry>/slrt-<service>:<tag>  (see deploy/k8s/README.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

ALL=(intake dtks referral letters monitoring web)
services=("$@"); [ ${#services[@]} -gt 0 ] || services=("${ALL[@]}")
registry="${SLRT_IMAGE_REGISTRY:-ghcr.io/slrt-platform}"
tag="${SLRT_IMAGE_TAG:-$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)}"
base="${SLRT_BASE_IMAGE:-docker.io/library/python:3.11.11-slim-bookworm}"
debian_base="localhost/slrt-debian-python:bookworm"
isolation="${BUILDAH_ISOLATION:-chroot}"   # chroot: works without a container runtime (CI, this machine)

for s in "${services[@]}"; do
  [[ " ${ALL[*]} " == *" $s "* ]] || { echo "build.sh: unknown service '$s' (one of: ${ALL[*]})" >&2; exit 2; }
done
command -v buildah >/dev/null || { echo "build.sh: buildah is needed (Debian: apt-get install buildah)" >&2; exit 1; }

debian_base_image() {
  # Debian bookworm's own python3 (3.11) with venv: the smallest base made of Debian packages only.
  if buildah inspect --type image "$debian_base" >/dev/null 2>&1; then
    echo "build.sh: using the Debian base built earlier ($debian_base)" >&2
    return
  fi
  command -v mmdebstrap >/dev/null || { echo "build.sh: mmdebstrap is needed (Debian: apt-get install mmdebstrap)" >&2; exit 1; }
  echo "build.sh: building $debian_base from Debian packages with mmdebstrap (about a minute)" >&2
  local work; work="$(mktemp -d)"
  mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
    --aptopt='Acquire::Retries "3"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    bookworm "$work/base.tar"
  local ctr; ctr="$(buildah from scratch)"
  buildah add --quiet "$ctr" "$work/base.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 \
    --cmd python3 --label org.opencontainers.image.description="Debian bookworm minbase + python3 (mmdebstrap)" "$ctr"
  buildah commit --quiet --rm "$ctr" "$debian_base" >/dev/null
  rm -rf "$work"
}

if buildah inspect --type image "$base" >/dev/null 2>&1; then
  :
elif timeout 120 buildah pull --quiet "$base" >/dev/null 2>&1; then
  echo "build.sh: pulled $base" >&2
else
  echo "build.sh: the base image $base cannot be pulled here; using a Debian base built from Debian packages with mmdebstrap instead" >&2
  debian_base_image
  base="$debian_base"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ca="${SLRT_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
if [ ! -s "$ca" ]; then ca="$work/empty-ca"; : > "$ca"; fi   # empty: the build uses its own trust store
# The build context holds only what the images need (the packages' sources and the lock file): buildah
# hashes the whole context for its layer cache, and .venv, var/ or .git would cost minutes.
mkdir "$work/context"
tar -cf - --exclude=__pycache__ --exclude='*.pyc' --exclude=tests --exclude=.pytest_cache \
  pyproject.toml uv.lock contracts runtime reference services src | tar -xf - -C "$work/context"

for s in "${services[@]}"; do
  image="$registry/slrt-$s:$tag"
  echo "build.sh: building $image (base $base)" >&2
  buildah bud --quiet --isolation "$isolation" --layers \
    -f deploy/images/Containerfile --build-arg BASE="$base" --build-arg SERVICE="$s" \
    --secret id=ca-bundle,src="$ca" -t "$image" "$work/context" >/dev/null
  echo "$image"
done
