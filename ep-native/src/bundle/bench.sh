#!/usr/bin/env bash
# Runs the GPU benchmark main class with the bundled JRE. Usage: bench.sh [OUT_DIR] [GpuBench args...]
# For now it prints the device-to-device copy-bandwidth table (bytes read + written per second) and writes
# OUT_DIR/copy_bandwidth.csv and OUT_DIR/bench.log. Exit code 2 when no GPU can be used (reason printed).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
shift || true
"$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" dev.ep4j.cuda.bench.GpuBench --out "$OUT" "$@" 2>&1 | tee "$OUT/bench.log"
exit "${PIPESTATUS[0]}"
