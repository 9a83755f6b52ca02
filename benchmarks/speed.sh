#!/usr/bin/env bash
# The speed benchmark of issue 11 §1 and issue 8 item 8, self-contained: builds contracts + interp-core + benchmarks
# of THIS checkout in one Maven reactor (nothing installed into ~/.m2), then runs `Bench speed` once with one OpenMP
# thread and once with two. Usage: benchmarks/speed.sh [rounds=9] [lmBatch=16]   (≈ 1–3 min per run on a quiet machine)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-9}
LM_BATCH=${2:-16}
export MAVEN_OPTS=${MAVEN_OPTS:--Xmx1g}
# the OpenBLAS kernels the lab's own scripts choose (infra/lib.sh openblas_coretype), so the peak is the product's
source infra/lib.sh && export_openblas_coretype
mvn -B -q -ntp -f benchmarks/reactor/pom.xml -DskipTests package
CP='benchmarks/target/benchmarks.jar:benchmarks/target/lib/*'
JOPTS='-Xmx3g -Dorg.bytedeco.javacpp.maxbytes=6G -Dorg.bytedeco.javacpp.maxphysicalbytes=10G -Dai.djl.offline=true'
for t in 1 2; do
  OMP_NUM_THREADS=$t java $JOPTS -cp "$CP" org.interplab.bench.Bench speed "$ROUNDS" "$LM_BATCH" \
    --out "benchmarks/target/speed-omp$t.md"
done
