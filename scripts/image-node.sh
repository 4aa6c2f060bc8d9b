#!/usr/bin/env bash
# scripts/image-node.sh — prints the bin directory of the Node.js the image runs (the Dockerfile's
# node:24-slim), fetching it once, so that a suite can run on it as well as on the machine's own:
#
#   PATH="$(bash scripts/image-node.sh):$PATH" npm run test:integration
#
# There is no Docker engine here, and no nodejs.org: the binary comes from the npm registry, whose
# node-linux-<arch> packages hold Node.js's official builds. The version is pinned below (a patch of
# the image's major line); the cache dir is named after it.
#
# Environment:
#   ORDERSCOPE_CACHE   cache root (default $HOME/.cache/orderscope)
#
# Exit codes: 0 ok (the path on stdout), 1 failure (why on stderr).
set -euo pipefail

NODE_VERSION=24.22.3
# The Dockerfile's line: a bump there without one here (or the other way round) is a mistake.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_MAJOR="$(sed -n 's/^FROM node:\([0-9]*\)-slim$/\1/p' "$SCRIPT_DIR/../Dockerfile" | head -n 1)"
if [[ "$IMAGE_MAJOR" != "${NODE_VERSION%%.*}" ]]; then
  echo "image-node: the Dockerfile runs node:${IMAGE_MAJOR:-?}-slim but this script pins Node.js $NODE_VERSION: pin a $IMAGE_MAJOR.x here" >&2
  exit 1
fi

case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *)
    echo "image-node: no Node.js build on npm for $(uname -m)" >&2
    exit 1
    ;;
esac

DIR="${ORDERSCOPE_CACHE:-$HOME/.cache/orderscope}/node-$NODE_VERSION-linux-$ARCH"
if [[ ! -x "$DIR/bin/node" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "image-node: fetching Node.js $NODE_VERSION (node-linux-$ARCH) from the npm registry into $DIR" >&2
  (cd "$work" && npm pack --silent "node-linux-$ARCH@$NODE_VERSION" >/dev/null)
  tar -xzf "$work"/node-linux-"$ARCH"-*.tgz -C "$work"
  # Unpacked aside, then moved: a run stopped halfway leaves no half a Node.js in the cache.
  mkdir -p "$(dirname "$DIR")"
  rm -rf "$DIR.partial"
  mv "$work/package" "$DIR.partial"
  mv "$DIR.partial" "$DIR"
fi
version="$("$DIR/bin/node" --version)"
if [[ "$version" != "v$NODE_VERSION" ]]; then
  echo "image-node: $DIR/bin/node is $version, not v$NODE_VERSION: remove $DIR and run again" >&2
  exit 1
fi
echo "$DIR/bin"
