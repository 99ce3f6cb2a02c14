#!/usr/bin/env bash
# 10_statistics.sh: demo stage — a sample measurement series (five structures, hourly
# readings) and nightjar's aggregates printed next to PostgreSQL's own answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== 1. statistics on a sample measurement series (examples/structure_monitoring)"
psql -qX -v ON_ERROR_STOP=1 -f examples/structure_monitoring/measurements.sql >/dev/null
psql -qX -v ON_ERROR_STOP=1 -f examples/structure_monitoring/statistics.sql
