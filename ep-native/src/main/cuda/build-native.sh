#!/usr/bin/env bash
# Builds libep4j_kernels.so into <out-dir>; Maven runs it (profile cuda-native, phase generate-resources).
#   build-native.sh <out-dir>
# Environment (all optional):
#   CUDA_HOME      toolkit holding bin/nvcc (default /usr/local/cuda)
#   NVSHMEM_HOME   folder with include/nvshmem.h and lib/libnvshmem_device.a (e.g. <site-packages>/nvidia/nvshmem)
#   NVSHMEM_WHEEL  an nvidia_nvshmem_cu13-*.whl to unzip into <out-dir>/nvshmem when NVSHMEM_HOME is unset
#   EP4J_GENCODE   nvcc -gencode flags (default -gencode=arch=compute_90a,code=sm_90a)
#   EP4J_JOBS      parallel nvcc jobs (default nproc)
#   EP4J_EXTRA_RPATH  extra RUNPATH entries (e.g. a fixed NVSHMEM lib folder)
#   V=1            print the full nvcc/g++ command lines
# NVSHMEM is looked up as NVSHMEM_HOME, NVSHMEM_WHEEL, a wheel found on disk, then the Python package
# nvidia.nvshmem. Without any, the library is built without NVSHMEM (its NVSHMEM functions report that) and the
# build still succeeds.
set -euo pipefail
OUT=${1:?usage: build-native.sh <out-dir>}
HERE=$(cd "$(dirname "$0")" && pwd)
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
if [[ "$CUDA_HOME" == '${'* ]]; then CUDA_HOME=/usr/local/cuda; fi
if [[ ! -x "$CUDA_HOME/bin/nvcc" ]]; then
  echo "build-native: no nvcc at $CUDA_HOME/bin/nvcc: set CUDA_HOME, or build Java-only with -Dnative.skip=true" >&2
  exit 2
fi
mkdir -p "$OUT"

valid_nvshmem() { [[ -n "$1" && -f "$1/include/nvshmem.h" && -f "$1/lib/libnvshmem_device.a" \
                     && -f "$1/lib/libnvshmem_host.so.3" ]]; }

NVSHMEM_FROM=""
if [[ "${NVSHMEM_HOME:-}" == '${'* ]]; then NVSHMEM_HOME=""; fi
if [[ -n "${NVSHMEM_HOME:-}" ]]; then
  if valid_nvshmem "$NVSHMEM_HOME"; then NVSHMEM_FROM="NVSHMEM_HOME"
  else echo "build-native: WARNING: NVSHMEM_HOME=$NVSHMEM_HOME lacks include/nvshmem.h or lib/libnvshmem_device.a" \
            "or lib/libnvshmem_host.so.3; looking elsewhere" >&2; NVSHMEM_HOME=""; fi
fi
if [[ -z "${NVSHMEM_HOME:-}" ]]; then
  wheel=${NVSHMEM_WHEEL:-}
  unpacked="$OUT/nvshmem/nvidia/nvshmem"
  if [[ -z "$wheel" && -f "$OUT/nvshmem/.wheel" ]]; then wheel=$(cat "$OUT/nvshmem/.wheel"); fi
  if [[ -z "$wheel" || ! -f "$wheel" ]]; then
    wheel=$(find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -name 'nvidia_nvshmem_cu13-*.whl' \
              -print 2>/dev/null | sort -V | tail -1 || true)
  fi
  if [[ -n "$wheel" && -f "$wheel" ]]; then
    if [[ ! -f "$unpacked/include/nvshmem.h" || "$wheel" -nt "$OUT/nvshmem/.wheel" ]]; then
      echo "build-native: unzipping $wheel -> $OUT/nvshmem"
      rm -rf "$OUT/nvshmem" && mkdir -p "$OUT/nvshmem"
      unzip -q -o "$wheel" 'nvidia/nvshmem/*' -x '*.bc' -d "$OUT/nvshmem"   # the 31 MB bitcode is unused
      echo "$wheel" > "$OUT/nvshmem/.wheel"
    fi
    NVSHMEM_HOME="$unpacked"; NVSHMEM_FROM="wheel $wheel"
  elif py=$(python3 -c 'import nvidia.nvshmem as m; print(list(m.__path__)[0])' 2>/dev/null) && valid_nvshmem "$py"; then
    NVSHMEM_HOME="$py"; NVSHMEM_FROM="Python package"
  fi
fi
if [[ -n "${NVSHMEM_HOME:-}" ]] && ! valid_nvshmem "$NVSHMEM_HOME"; then NVSHMEM_HOME=""; fi

rm -f "$OUT/nvshmem-home"
if [[ -n "${NVSHMEM_HOME:-}" ]]; then
  NVSHMEM_HOME=$(cd "$NVSHMEM_HOME" && pwd)
  ln -sfn "$NVSHMEM_HOME" "$OUT/nvshmem-home"   # the tests load libnvshmem_host.so.3 from here
  echo "build-native: NVSHMEM from $NVSHMEM_FROM: $NVSHMEM_HOME"
else
  echo "build-native: WARNING: NVSHMEM not found (no NVSHMEM_HOME, NVSHMEM_WHEEL, nvidia_nvshmem_cu13 wheel on disk" \
       "or Python package nvidia.nvshmem): building libep4j_kernels.so WITHOUT NVSHMEM; its NVSHMEM functions will" \
       "say so. Set NVSHMEM_HOME=<site-packages>/nvidia/nvshmem to include it." >&2
  rm -rf "$OUT/nonvshmem"
fi
# make does not track these: rebuild from scratch when they change
stamp="gencode=${EP4J_GENCODE:-default} nvshmem=${NVSHMEM_HOME:-none} nvcc=$("$CUDA_HOME/bin/nvcc" --version | tail -1)"
if [[ -f "$OUT/.build-flags" && "$(cat "$OUT/.build-flags")" != "$stamp" ]]; then
  echo "build-native: build flags changed; cleaning $OUT/obj"
  rm -rf "$OUT/obj" "$OUT/libep4j_kernels.so" "$OUT/nonvshmem"
fi
echo "$stamp" > "$OUT/.build-flags"

echo "build-native: nvcc=$CUDA_HOME/bin/nvcc ($("$CUDA_HOME/bin/nvcc" --version | tail -1))"
start=$(date +%s%N)
make --no-print-directory -j"${EP4J_JOBS:-$(nproc)}" -f "$HERE/Makefile" OUT="$OUT" CUDA_HOME="$CUDA_HOME" \
     NVSHMEM_HOME="${NVSHMEM_HOME:-}" ${EP4J_GENCODE:+GENCODE="$EP4J_GENCODE"} \
     ${EP4J_EXTRA_RPATH:+EXTRA_RPATH="$EP4J_EXTRA_RPATH"} ${V:+V="$V"}
echo "build-native: done in $(( ($(date +%s%N) - start) / 1000000 )) ms -> $OUT/libep4j_kernels.so" \
     "($( [[ -n "${NVSHMEM_HOME:-}" ]] && echo "with NVSHMEM, plus nonvshmem/ fallback" || echo "without NVSHMEM"))"
