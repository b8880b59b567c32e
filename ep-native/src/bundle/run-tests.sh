#!/usr/bin/env bash
# Runs every GPU test of the bundle: all classes tagged "gpu" in lib/*-tests.jar, through the JUnit console
# launcher and the bundled JRE (no JDK needed). Usage: run-tests.sh [OUT_DIR]   (default: ./out)
# OUT_DIR receives run-tests.log and reports/ (JUnit XML). Exit code: the launcher's (0 = no failures; tests that
# cannot run here are skipped with the reason, e.g. no GPU); 3 when nvidia-smi sees a GPU that ep4j cannot use;
# 124/137 when the run exceeded EP4J_TEST_TIMEOUT_S (default 540 s; the JVM prints a thread dump first).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LOG="$OUT/run-tests.log"
TEST_JARS=$(ls "$HERE"/lib/*-tests.jar | tr '\n' ':')
TEST_JARS=${TEST_JARS%:}
INFO=$("$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" dev.ep4j.cuda.bench.GpuBench --info 2>&1)
printf '%s\n\n' "$INFO" | tee "$LOG"
# On a machine where nvidia-smi sees a GPU, "every test skipped" would hide a broken setup: fail instead.
gpu_expected=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then gpu_expected=1; fi
TIMEOUT_S=${EP4J_TEST_TIMEOUT_S:-540}
timeout --signal=QUIT --kill-after=15 "$TIMEOUT_S" \
"$JAVA" "${JAVA_OPTS[@]}" -jar "$HERE/junit-platform-console-standalone.jar" execute \
  --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
  --class-path "$CP" --scan-class-path "$TEST_JARS" \
  --include-classname '.*' --include-tag gpu \
  --config=junit.jupiter.execution.timeout.default=5m \
  --config=junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD \
  --reports-dir "$OUT/reports" 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
{
  echo
  echo "==== JUnit summary (GPU tests; 'aborted' = skipped by an assumption, reason in the tree above) ===="
  sed -n '/Test run finished/,$p' "$LOG" | grep -E 'Test run finished|tests (found|successful|failed|aborted|skipped)|containers failed'
  if [[ $rc == 124 || $rc == 137 ]]; then
    echo "run-tests.sh: ERROR: timed out after $TIMEOUT_S s (a Java thread dump is in the log above)"
  fi
  if [[ $gpu_expected == 1 && "$INFO" == *"GPU: UNAVAILABLE"* ]]; then
    echo "run-tests.sh: ERROR: nvidia-smi lists a GPU but ep4j cannot use it (see 'GPU: UNAVAILABLE' above)"
    [[ $rc == 0 ]] && rc=3
  fi
  echo "run-tests.sh: exit code $rc; log $LOG; XML reports $OUT/reports"
} | tee -a "$LOG.summary"
cat "$LOG.summary" >> "$LOG" && rm -f "$LOG.summary"
exit "$rc"
