#!/usr/bin/env bash
# bench.sh runs every benchmark in bench/ against the local cluster (.nightjar): SQL
# benchmarks (*.sql) through psql, shell benchmarks (*.sh), and the Google Benchmark
# programs built from bench/*_bench.cpp. Each prints its own ratios against a baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export NIGHTJAR_BIN=$PWD/$build/bin/nightjar
"$NIGHTJAR_BIN" db up
source scripts/cluster_env.sh
for b in bench/*_bench.sql; do echo "== $b"; psql -qX -f "$b"; done
for b in bench/*.sh; do [[ -e "$b" ]] && { echo "== $b"; bash "$b"; }; done
for b in "$build"/bench/*; do [[ -x "$b" ]] && { echo "== $b"; "$b" --benchmark_min_time=0.2; }; done
