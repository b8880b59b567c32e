# Sourced by run-tests.sh and bench.sh: sets HERE, OUT, JAVA, CP and the environment of a GPU run.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/out}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
JAVA="$HERE/jre/bin/java"
CP=$(ls "$HERE"/lib/*.jar | tr '\n' ':')
CP=${CP%:}

# Shared GPU hosts: NVLink multicast must stay off (NVSHMEM, NCCL, PyTorch).
export NVSHMEM_DISABLE_NVLS=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1

PYTHONS=()
for py in python3 /opt/torch/.venv/bin/python3 python; do
  command -v "$py" >/dev/null 2>&1 && PYTHONS+=("$py")
done
py_path() {  # prints the first folder of Python package $1 that holds file $2
  local py p
  for py in "${PYTHONS[@]}"; do
    p=$("$py" -c "import $1 as m; print(list(m.__path__)[0])" 2>/dev/null) || continue
    if [[ -n "$p" && -e "$p/$2" ]]; then echo "$p"; return 0; fi
  done
  return 1
}

# NVSHMEM host library: NVSHMEM_HOME, else the nvidia-nvshmem-cu13 Python package. The loader System.load()s
# $NVSHMEM_HOME/lib/libnvshmem_host.so.3 from its own folder so NVSHMEM finds its bootstrap plugins next to it.
if [[ -z "${NVSHMEM_HOME:-}" ]]; then
  if p=$(py_path nvidia.nvshmem lib/libnvshmem_host.so.3); then export NVSHMEM_HOME=$p; fi
fi

# libcudart.so.13 for the JavaCPP CUDA preset (ep4j's own kernels link cudart statically and need only the driver).
CUDART_DIR=""
for d in "${CUDA_HOME:-/usr/local/cuda}/lib64" /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  if [[ -e "$d/libcudart.so.13" ]]; then CUDART_DIR=$d; break; fi
done
if [[ -z "$CUDART_DIR" ]]; then
  if p=$(py_path nvidia.cu13 lib/libcudart.so.13); then CUDART_DIR=$p/lib
  elif p=$(py_path nvidia.cuda_runtime lib/libcudart.so.13); then CUDART_DIR=$p/lib; fi
fi
if [[ -n "$CUDART_DIR" ]]; then export LD_LIBRARY_PATH="$CUDART_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi

# JavaCPP extracts the natives of the jars here (HOME may be read-only on the GPU host)
JAVA_OPTS=(-Dorg.bytedeco.javacpp.cachedir="${TMPDIR:-/tmp}/ep4j-javacpp-cache" -Xss4m ${EP4J_JAVA_OPTS:-})

echo "bundle: $(head -1 "$HERE/VERSION" 2>/dev/null) | java $("$JAVA" -version 2>&1 | head -1)"
echo "bundle: NVSHMEM_HOME=${NVSHMEM_HOME:-<not found>} libcudart.so.13 dir=${CUDART_DIR:-<not found>} OUT=$OUT"
