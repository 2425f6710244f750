#!/usr/bin/env bash
# ykien on Spark (local[2]) against single-process `ykien analyze`, at N generated
# submissions: wall time and the peak of the summed resident memory of each process tree
# (benches/tree-peak.py). Needs a Python environment with pyspark and the ykien package
# built in release (`pip install ./python`), and Java 17.
#
#   PY=.venv/bin/python bash benches/spark.sh 1000000 [K]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
K=${2:-12}
PY=${PY:-python3}
MEM=${MEM:-10g}
W=${W:-/tmp/ykien-spark-bench}
mkdir -p "$W"
cargo build --release --quiet
BIN=target/release/ykien
[ -f "$W/gen-$N.parquet" ] || $BIN gen --n "$N" --out "$W/gen-$N.parquet"
echo "== $N submissions, $(date -u +%FT%TZ), $(nproc) cores"
rm -rf "$W/single-$N" "$W/spark-$N"
$PY benches/tree-peak.py -- $BIN analyze "$W/gen-$N.parquet" --profile lang-son-2024 \
    --out "$W/single-$N" --out-format parquet --method kmeans --k "$K" >/dev/null
$PY benches/tree-peak.py -- $PY examples/spark/ykien_spark.py "$W/gen-$N.parquet" "$W/spark-$N" \
    --profile lang-son-2024 --k "$K" --master 'local[2]' --memory "$MEM" 2>&1 | grep -E "tree-peak|ykien-spark" || true
