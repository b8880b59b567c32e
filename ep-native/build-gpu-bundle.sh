#!/usr/bin/env bash
# Builds ep-native/target/gpu-bundle/: everything a GPU host without JDK, Maven or network needs to run ep4j's GPU
# tests and benchmarks. Run from anywhere:   ep-native/build-gpu-bundle.sh
#
#   jre/                jlinked JRE 17 (stripped, compressed)
#   lib/                ep-api, ep-sim, ep-native jars and their test jars, every runtime/test dependency
#                       (javacpp and the CUDA preset with their linux-x86_64 jars, Jackson, AssertJ, slf4j-simple ...)
#   (libep4j_kernels.so and its no-NVSHMEM variant travel inside lib/ep-native-*.jar, under
#    dev/ep4j/cuda/binding/linux-x86_64/; unzip it there for cuobjdump)
#   junit-platform-console-standalone.jar
#   run-tests.sh [OUT_DIR]   every test tagged "gpu" in lib/*-tests.jar; logs and XML reports to OUT_DIR
#   bench.sh [OUT_DIR]       the GPU benchmark main (copy-bandwidth table for now); log and CSV to OUT_DIR
#
# Needs nvcc (CUDA_HOME or /usr/local/cuda) so the jar carries the kernels; refuses to build a bundle without them.
# Environment: EP4J_BUNDLE_SKIP_BUILD=1 reuses the jars of a previous Maven build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT="$ROOT/ep-native/target/gpu-bundle"
DEPS="$ROOT/ep-native/target/gpu-bundle-deps"
VERSION=0.1.0-SNAPSHOT
start=$(date +%s)

if [[ "${EP4J_BUNDLE_SKIP_BUILD:-0}" != 1 ]]; then
  echo "bundle: building ep-api, ep-sim, ep-native (kernels included) and collecting dependencies"
  rm -rf "$DEPS"
  ./mvnw -B -q -pl ep-api,ep-sim,ep-native -am package dependency:copy-dependencies -DskipTests \
    -Dnative.skip=false -DincludeScope=test -DoutputDirectory="$DEPS" \
    -DexcludeGroupIds=dev.ep4j,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
    | grep -v -E '^(/usr/local/cuda/bin/nvcc|g\+\+|    -L)' || true
  ./mvnw -B -q -N dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 \
    -DoutputDirectory="$DEPS/console"
fi
JAR="ep-native/target/ep-native-$VERSION.jar"
if ! unzip -l "$JAR" 2>/dev/null | grep 'dev/ep4j/cuda/binding/linux-x86_64/libep4j_kernels.so' >/dev/null; then
  echo "bundle: $JAR has no libep4j_kernels.so: build where nvcc exists (CUDA_HOME) and without -Dnative.skip" >&2
  exit 2
fi

rm -rf "$OUT"
mkdir -p "$OUT/lib"
cp "ep-api/target/ep-api-$VERSION.jar" "ep-api/target/ep-api-$VERSION-tests.jar" \
   "ep-sim/target/ep-sim-$VERSION.jar" "$JAR" "ep-native/target/ep-native-$VERSION-tests.jar" "$OUT/lib/"
# ep-sim publishes no test jar: pack its test classes
jar --create --file "$OUT/lib/ep-sim-$VERSION-tests.jar" -C ep-sim/target/test-classes .
# byte-buddy (8.8 MB) serves only AssertJ's soft assertions and AssertJ assumptions; GPU tests use plain assertThat
# and JUnit's assumeTrue, and leaving it out keeps the bundle under 60 MiB
find "$DEPS" -maxdepth 1 -name '*.jar' ! -name 'byte-buddy-*.jar' -exec cp {} "$OUT/lib/" \;
cp "$DEPS"/console/junit-platform-console-standalone-*.jar "$OUT/junit-platform-console-standalone.jar"
cp ep-native/src/bundle/run-tests.sh ep-native/src/bundle/bench.sh ep-native/src/bundle/common.sh "$OUT/"
chmod +x "$OUT/run-tests.sh" "$OUT/bench.sh"

echo "bundle: jlink JRE"
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
# java.xml: JUnit's XML reports; java.sql: the console launcher's embedded picocli; jdk.zipfs: its jar scanning. No java.desktop (12 MB):
# Jackson uses java.beans only when present.
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported,java.xml,java.sql,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$OUT/jre"
{
  echo "ep4j GPU bundle $VERSION"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
  "$OUT/jre/bin/java" -Dep4j.nvshmem.home="$ROOT/ep-native/target/native/nvshmem-home" -Dorg.bytedeco.javacpp.cachedir="$ROOT/ep-native/target/javacpp-cache" \
    -cp "$OUT/lib/*" dev.ep4j.cuda.bench.GpuBench --info | head -1
  echo "jre: $("$OUT/jre/bin/java" -version 2>&1 | head -1)"
} > "$OUT/VERSION"
echo "bundle: $(du -sh "$OUT" | cut -f1) in $OUT ($(( $(date +%s) - start )) s)"
cat "$OUT/VERSION"
