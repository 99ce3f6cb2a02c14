#!/usr/bin/env bash
# stage_bench.sh: staging throughput of the runner against psql \copy, and its peak RSS.
#  1. 1,000,000 NDJSON records (8 fields) staged by `nightjar run` (one read of the file:
#     parse, with its SHA-256 taken from the same bytes; one binary COPY into
#     nightjar.raw_record; the batch's one check) against two baselines, both `psql \copy`
#     of the same records already in COPY text form, in the same database:
#       floor: into a bare table of the same columns (six bigints + payload jsonb, no
#              index, no trigger) -- the physical floor of a COPY of these records;
#       same : into nightjar.raw_record itself, same columns, inside one batch row with
#              a real file_id (what raw_record's own index costs).
#     Ratio = t(\copy) / t(runner); aim >= 0.8 against the floor.
#  2. The same records as CSV (';'-separated) through the runner, same ratios.
#     Each runner line also prints the runner's peak RSS (/usr/bin/time -v).
#  3. Peak RSS of the runner staging one NDJSON file and one CSV file of BENCH_RSS_MB
#     megabytes each (default 1024); aim: flat (the same as for 1M records), under 200 MB.
#  With BENCH_ROUNDS = R > 1, 1 and 2 run R times in turn (floor, same table, NDJSON, CSV;
#  each round its own batch and sources) and each figure is the median of its R times:
#  on a shared machine one run of anything can be slowed by a neighbour.
# Env: PG* / NIGHTJAR_DATABASE_URL (scripts/bench.sh sets them), NIGHTJAR_BIN,
# BENCH_RECORDS (default 1000000), BENCH_ROUNDS (default 1), BENCH_RSS_MB (default 1024;
# 0 skips 3), BENCH_DIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
N=${BENCH_RECORDS:-1000000}
ROUNDS=${BENCH_ROUNDS:-1}
RSS_MB=${BENCH_RSS_MB:-1024}
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/nj-stage-bench.XXXXXX")
names=()
source bench/lib/source_cleanup.sh
cleanup() {
  for n in "${names[@]}"; do drop_bench_source "$n"; done
  psql -qX -c "DROP TABLE IF EXISTS public.bench_bare_$$" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }

echo "generating $N records (NDJSON, CSV, COPY text) in $tmp"
python3 - "$tmp" "$N" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
import os
os.makedirs(f"{d}/ndjson"); os.makedirs(f"{d}/csv")
with open(f"{d}/ndjson/records.ndjson", "w") as nd, open(f"{d}/csv/records.csv", "w") as cs, open(f"{d}/records.copy", "w") as cp:
    cs.write("id;code;name;city;price;qty;active;updated\n")
    for i in range(1, n + 1):
        rec = {"id": i, "code": f"C{i % 9973:05d}", "name": f"article {i}", "city": "Lyon" if i % 3 else "Nantes",
               "price": round(i * 0.37 % 1000, 2), "qty": i % 17, "active": i % 2 == 0, "updated": "2026-11-23T06:00:00Z"}
        line = json.dumps(rec, separators=(",", ":"))
        nd.write(line + "\n")
        cs.write(f"{i};{rec['code']};{rec['name']};{rec['city']};{str(rec['price']).replace('.', ',')};{rec['qty']};{str(rec['active']).lower()};{rec['updated']}\n")
        cp.write(f"@SID@\t@BID@\t@FID@\t{i}\t{i}\t{i}\t{line}\n")  # record_no, file_record_no, file_line
PY

run_case() {  # run_case NAME DIR FORMAT EXTRA_TOML -> prints seconds (peak RSS in $tmp/NAME.time)
  local name=$1 dir=$2 format=$3 extra=$4   # the caller adds NAME to names (this runs in $(...))
  cat > "$tmp/$name.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"
[[source]]
name = "$name"
kind = "dir"
location = "$dir"
format = "$format"
archive = "keep"
batch_size = 10
max_batch_mb = 100000
$extra
TOML
  "$BIN" apply -c "$tmp/$name.toml" >/dev/null
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$tmp/$name.time" "$BIN" run -c "$tmp/$name.toml" > "$tmp/$name.out" 2>&1 || { cat "$tmp/$name.out" >&2; return 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

# ratios SECONDS prints the two baselines' ratios for a runner time.
ratios() { printf 'ratio floor/runner = %.2f, same-table/runner = %.2f' "$(echo "$t_bare / $1" | bc -l)" "$(echo "$t_copy / $1" | bc -l)"; }
# peak NAME prints the peak RSS of run_case NAME in MB.
peak() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.1f", $2 / 1024}' "$tmp/$1.time"; }
# median V... prints the median of its arguments (the lower middle one for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# One round: both baselines, then the runner on NDJSON and on CSV, one after the other.
bares=() copies=() nds=() csvs=()
for ((round = 1; round <= ROUNDS; round++)); do
  # Baselines: psql \copy of the same records. The floor: a bare table of the same columns.
  base=bench_copy_$$_$round
  names+=("$base")
  sid=$(psql -qAtX -c "INSERT INTO nightjar.source (name, kind) VALUES ('$base', 'sql') RETURNING source_id")
  bid=$(psql -qAtX -c "INSERT INTO nightjar.batch (source_id, status) VALUES ($sid, 'staged') RETURNING batch_id")
  fid=$(psql -qAtX -c "INSERT INTO nightjar.file (source_id, batch_id, name, location, status)
                       VALUES ($sid, $bid, 'records.tsv', '$tmp', 'staged') RETURNING file_id")
  sed -e "s/@SID@/$sid/" -e "s/@BID@/$bid/" -e "s/@FID@/$fid/" "$tmp/records.copy" > "$tmp/records.tsv"
  psql -qX -v ON_ERROR_STOP=1 -c "CREATE TABLE public.bench_bare_$$ (source_id bigint, batch_id bigint, file_id bigint,
    record_no bigint, file_record_no bigint, file_line bigint, payload jsonb)" -c CHECKPOINT
  t0=$(now)
  psql -qX -v ON_ERROR_STOP=1 -c "\\copy public.bench_bare_$$ (source_id, batch_id, file_id, record_no, file_record_no, file_line, payload) FROM '$tmp/records.tsv'"
  t1=$(now)
  bares+=("$(echo "$t1 - $t0" | bc -l)")
  psql -qX -c "DROP TABLE public.bench_bare_$$" -c CHECKPOINT
  # The same table: raw_record itself, inside a batch row and with a real file_id.
  t0=$(now)
  psql -qX -v ON_ERROR_STOP=1 -c "\\copy nightjar.raw_record (source_id, batch_id, file_id, record_no, file_record_no, file_line, payload) FROM '$tmp/records.tsv'"
  t1=$(now)
  copies+=("$(echo "$t1 - $t0" | bc -l)")
  psql -qX -c CHECKPOINT

  nd=bench_nd_$$_$round csv=bench_csv_$$_$round
  names+=("$nd" "$csv")
  nds+=("$(run_case "$nd" "$tmp/ndjson" ndjson "")")
  n_nd=$(psql -qAtX -c "SELECT count(*) FROM nightjar.raw_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$nd')")
  psql -qX -c CHECKPOINT
  if t=$(run_case "$csv" "$tmp/csv" csv '[source.format_options]
delimiter = ";"'); then
    csvs+=("$t")
    n_csv=$(psql -qAtX -c "SELECT count(*) FROM nightjar.raw_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$csv')")
  else
    echo "runner CSV           : failed (see above)"
    csvs+=(0) n_csv=0
  fi
  psql -qX -c CHECKPOINT
  if ((ROUNDS > 1)); then
    printf 'round %d: floor %.3f s, same table %.3f s, NDJSON %.3f s, CSV %.3f s (load %s)\n' "$round" \
      "${bares[-1]}" "${copies[-1]}" "${nds[-1]}" "${csvs[-1]}" "$(cut -d' ' -f1 /proc/loadavg)"
  fi
done
t_bare=$(median "${bares[@]}") t_copy=$(median "${copies[@]}") t_nd=$(median "${nds[@]}") t_csv=$(median "${csvs[@]}")
((ROUNDS > 1)) && echo "medians of $ROUNDS rounds:"
printf 'load average         : %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'psql \\copy, bare table: %8.3f s  (%d records; the floor)\n' "$t_bare" "$N"
printf 'psql \\copy, raw_record: %8.3f s  (%d records; the same table)\n' "$t_copy" "$N"
printf 'runner NDJSON        : %8.3f s  (%d records)  %s, peak RSS %s MB\n' "$t_nd" "$n_nd" "$(ratios "$t_nd")" "$(peak "$nd")"
if [[ $t_csv != 0 ]]; then
  printf 'runner CSV           : %8.3f s  (%d records)  %s, peak RSS %s MB\n' "$t_csv" "$n_csv" "$(ratios "$t_csv")" "$(peak "$csv")"
fi
rm -rf "$tmp/ndjson" "$tmp/csv" "$tmp/records.copy" "$tmp/records.tsv"

# Peak RSS on one large NDJSON file and one large CSV file.
[[ "$RSS_MB" -gt 0 ]] || exit 0
mkdir -p "$tmp/big_nd" "$tmp/big_csv"
python3 - "$tmp" "$RSS_MB" <<'PY'
import sys
d, mb = sys.argv[1], int(sys.argv[2])
target = mb * 1024 * 1024
pad = "x" * 100
nd = '{"id":%d,"code":"C00001","name":"article","city":"Lyon","price":12.5,"qty":3,"active":true,"updated":"2026-11-23T06:00:00Z","pad":"%s"}\n'
cs = '%d;C00001;article;Lyon;12,5;3;true;2026-11-23T06:00:00Z;%s\n'
for path, line, head in ((f"{d}/big_nd/big.ndjson", nd, ""), (f"{d}/big_csv/big.csv", cs, "id;code;name;city;price;qty;active;updated;pad\n")):
    with open(path, "w") as f:
        f.write(head)
        written, i = len(head), 0
        while written < target:
            i += 1
            s = line % (i, pad)
            f.write(s)
            written += len(s)
PY
names+=("bench_rss_nd_$$" "bench_rss_csv_$$")
for kind in nd csv; do
  if [[ $kind == nd ]]; then format=ndjson extra=""; else format=csv extra='[source.format_options]
delimiter = ";"'; fi
  run_case "bench_rss_${kind}_$$" "$tmp/big_$kind" "$format" "$extra" > "$tmp/rss_$kind.s"
  elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/bench_rss_${kind}_$$.time")
  printf 'runner peak RSS      : %8s MB for a %d MB %s file (wall %s)\n' "$(peak "bench_rss_${kind}_$$")" "$RSS_MB" "${format^^}" "$elapsed"
  rm -rf "$tmp/big_$kind"
done
