#!/usr/bin/env bash
# Runs the GPU benchmark main class with the bundled JRE. Usage: bench.sh [OUT_DIR] [GpuBench args...]
# Prints the device-to-device copy-bandwidth table (bytes read + written per second) and the intranode
# dispatch/combine sweep (virtual ranks on one GPU, DeepSeek-V3 shapes; see dev.ep4j.cuda.bench.IntranodeBench);
# writes OUT_DIR/copy_bandwidth.csv, OUT_DIR/intranode.csv and OUT_DIR/bench.log. Exit code 2 when no GPU can be
# used (reason printed). Extra arguments go to GpuBench (e.g. --ranks 8 --max-seconds 120).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
shift || true
"$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" dev.ep4j.cuda.bench.GpuBench --out "$OUT" --sizes 256M,1G --intranode "$@" 2>&1 \
  | tee "$OUT/bench.log"
exit "${PIPESTATUS[0]}"
