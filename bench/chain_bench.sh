#!/usr/bin/env bash
# chain_bench.sh: the nightly chain end to end — records generated, staged by the runner,
# validated (10 rules) and normalised (8 transforms) through the dispatcher — against the
# same chain in plain SQL, in one run on the same database.
#   ours : `nightjar run` of a dir source (one NDJSON file: checksum, parse, COPY into
#          nightjar.raw_record, batch.staged), then `nightjar dispatch`: the pipeline's
#          validate step (nightjar.validate_step, emits batch.validated) and normalize step
#          (nightjar.normalize_step), each in its own transaction with its step run.
#   ours, one pass: the same, for a second source whose pipeline has the one-pass step
#          (nightjar.validate_normalize_step, emits batch.normalized: one read of the raw
#          records, one write of the clean ones, no valid_record rows); its clean rows are
#          compared with the two steps' (untimed).
#   SQL  : `psql \copy` of the same records (already in COPY text form) into
#          nightjar.raw_record under a batch of its own, then the plain-SQL validation of
#          bench/validate_sql.sql and the plain-SQL normalisation of bench/normalize_sql.sql
#          reading the SQL validation's output (ANALYZE before each, untimed). Its
#          normalisation reads the typed values the SQL validation wrote, as ours does, so
#          its regexes meet numbers and ISO dates: it is not the same work as in
#          normalize_bench.sql, and its rows are counted, not compared.
# Records: bench/quality_data.sql's eight text fields with the same bad values at the same
# periods (missing/malformed/duplicate ids, bad amounts and dates, unknown codes, bad
# e-mails, out-of-range quantities, long names). Prints the wall time of each stage and of
# the whole chain on both sides, records/s and the ratio SQL / ours, with the load average.
# Aim (issue 11): the whole chain of 1,000,000 records in <= 12 s.
# Env: PG* (scripts/cluster_env.sh), NIGHTJAR_BIN, CHAIN_RECORDS (default 1000000),
# BENCH_DIR (default /tmp). Never part of a test: timings vary with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
N=${CHAIN_RECORDS:-1000000}
src=chain_quality_$$
src1=chain_onepass_$$
sqlsrc=chain_sql_$$
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/nj-chain-bench.XXXXXX")
q() { psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
source bench/lib/source_cleanup.sh
cleanup() {
  psql -qX >/dev/null 2>&1 <<SQL || true
SELECT nightjar.drop_pipeline('$src');
SELECT nightjar.drop_pipeline('$src1');
DROP TABLE IF EXISTS public.bench_sql_valid, public.bench_sql_quarantine, public.bench_sql_clean;
SQL
  for n in "$src" "$src1" "$sqlsrc"; do drop_bench_source "$n"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

echo "generating $N records (NDJSON for the runner, COPY text for psql) in $tmp"
mkdir -p "$tmp/in"
python3 - "$tmp" "$N" <<'PY'
import datetime, json, sys
d, n = sys.argv[1], int(sys.argv[2])
day0 = datetime.date(2020, 1, 1)
codes, actives = ["A", "B", "C", "D", "E"], ["oui", "non", "1", "0"]
with open(f"{d}/in/records.ndjson", "w") as nd, open(f"{d}/records.copy", "w") as cp:
    for i in range(1, n + 1):
        r = {}
        if i % 97 != 0:
            r["id"] = "x%d" % i if i % 89 == 0 else str(i - 1) if i % 83 == 0 else str(i)
        r["amount"] = ("12.5.3" if i % 79 == 0 else "-5,00" if i % 73 == 0
                       else ("%.2f" % (i * 7919 % 10000000 / 100.0)).replace(".", ","))
        r["day"] = ("31/02/2023" if i % 71 == 0 else "01/13/2023" if i % 67 == 0
                    else (day0 + datetime.timedelta(days=i % 1500)).strftime("%d/%m/%Y"))
        r["code"] = "Z" if i % 61 == 0 else "'; DROP TABLE x; --" if i % 59 == 0 else codes[i % 5]
        r["email"] = "user%d at example" % i if i % 53 == 0 else "user%d@example.org" % i
        r["qty"] = 5000 if i % 47 == 0 else i % 1000
        r["name"] = "n" * 60 if i % 43 == 0 else "Name %d" % i
        r["active"] = actives[i % 4]
        line = json.dumps(r, separators=(",", ":"), ensure_ascii=False)
        nd.write(line + "\n")
        cp.write("@SID@\t@BID@\t%d\t%s\n" % (i, line.replace("\\", "\\\\")))
PY

# dir_source NAME SPOOL prints the [runner] and [[source]] part of a config: one dir
# source NAME over the generated file, one batch, the file left in place.
dir_source() {
  cat <<TOML
[runner]
spool_dir = "$tmp/$2"
[[source]]
name = "$1"
kind = "dir"
location = "$tmp/in"
format = "ndjson"
archive = "keep"
batch_size = 10
max_batch_mb = 100000
TOML
}
{ dir_source "$src" spool; cat <<TOML

[[pipeline]]
name = "$src"
[[pipeline.step]]
name = "validate"
function = "nightjar.validate_step(jsonb)"
subscribes = "batch.staged"
match = { source = "$src" }
emits = "batch.validated"
timeout = "1 hour"
[[pipeline.step]]
name = "normalize"
function = "nightjar.normalize_step(jsonb)"
subscribes = "batch.validated"
match = { source = "$src" }
emits = "batch.normalized"
timeout = "1 hour"
TOML
} > "$tmp/chain.toml"
{ dir_source "$src1" spool1; cat <<TOML

[[pipeline]]
name = "$src1"
[[pipeline.step]]
name = "quality"
function = "nightjar.validate_normalize_step(jsonb)"
subscribes = "batch.staged"
match = { source = "$src1" }
emits = "batch.normalized"
timeout = "1 hour"
TOML
} > "$tmp/chain1.toml"
"$BIN" apply -c "$tmp/chain.toml" >/dev/null
"$BIN" apply -c "$tmp/chain1.toml" >/dev/null
q -c "INSERT INTO nightjar.source (name, kind) VALUES ('$sqlsrc', 'sql')" >/dev/null
# The rules of bench/validate_bench.sql and bench/normalize_bench.sql (bench/quality_*.sql), for our sources.
for s in "$src" "$src1"; do
  q >/dev/null <<SQL
SELECT nightjar.define_fields('$s', ARRAY['id', 'amount', 'day', 'code', 'email', 'qty', 'name', 'active']);
\set rules_source $s
\i bench/quality_validation.sql
\i bench/quality_normalization.sql
SQL
done
q >/dev/null <<SQL
SELECT nightjar._valid_partition(source_id, name) FROM nightjar.source WHERE name IN ('$src', '$src1', '$sqlsrc');
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_sql_valid, public.bench_sql_quarantine, public.bench_sql_clean;
CREATE TABLE public.bench_sql_valid (LIKE nightjar.valid_record INCLUDING ALL);
CREATE TABLE public.bench_sql_quarantine (LIKE nightjar.quarantine INCLUDING ALL);
CREATE TABLE public.bench_sql_clean (LIKE nightjar.clean_record INCLUDING ALL);
CHECKPOINT;
SQL
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Ours: the runner stages, the dispatcher validates and normalises.
t0=$(now)
"$BIN" run -c "$tmp/chain.toml" > "$tmp/run.out" 2>&1 || { cat "$tmp/run.out" >&2; exit 1; }
t1=$(now)
"$BIN" dispatch -c "$tmp/chain.toml" --pipeline "$src" > "$tmp/dispatch.out" 2>&1 || { cat "$tmp/dispatch.out" >&2; exit 1; }
t2=$(now)
ours_stage=$(secs "$t0" "$t1"); ours_dispatch=$(secs "$t1" "$t2"); ours_total=$(secs "$t0" "$t2")
read -r ours_validate ours_normalize ours_valid ours_clean < <(q -F ' ' -c "
  SELECT max(extract(epoch FROM r.finished_at - r.started_at)) FILTER (WHERE s.name = 'validate'),
         max(extract(epoch FROM r.finished_at - r.started_at)) FILTER (WHERE s.name = 'normalize'),
         max(r.rows_out) FILTER (WHERE s.name = 'validate'), max(r.rows_out) FILTER (WHERE s.name = 'normalize')
  FROM nightjar.step_run r JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
  WHERE p.name = '$src' AND r.status = 'succeeded'")
[[ -n "${ours_normalize:-}" ]] || { echo "the dispatcher did not run both steps:" >&2; cat "$tmp/dispatch.out" >&2; exit 1; }
q -c CHECKPOINT >/dev/null

# Ours in one pass: the runner stages the same file for the second source, the dispatcher
# runs the one-pass step.
t0=$(now)
"$BIN" run -c "$tmp/chain1.toml" > "$tmp/run1.out" 2>&1 || { cat "$tmp/run1.out" >&2; exit 1; }
t1=$(now)
"$BIN" dispatch -c "$tmp/chain1.toml" --pipeline "$src1" > "$tmp/dispatch1.out" 2>&1 || { cat "$tmp/dispatch1.out" >&2; exit 1; }
t2=$(now)
one_stage=$(secs "$t0" "$t1"); one_dispatch=$(secs "$t1" "$t2"); one_total=$(secs "$t0" "$t2")
read -r one_step one_valid one_clean one_pass < <(q -F ' ' -c "
  SELECT extract(epoch FROM r.finished_at - r.started_at), r.result ->> 'valid', r.rows_out, r.result ->> 'one_pass'
  FROM nightjar.step_run r JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
  WHERE p.name = '$src1' AND r.status = 'succeeded'")
[[ "${one_pass:-}" == "true" ]] || { echo "the dispatcher did not run the one-pass step:" >&2; cat "$tmp/dispatch1.out" >&2; exit 1; }
# Untimed: the one pass wrote what the two steps wrote (clean rows by id, quarantine rows).
read -r one_clean_diff one_quar_diff < <(q -F ' ' -c "
  WITH a AS (SELECT record_id, record_no, payload FROM nightjar.clean_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src')),
       b AS (SELECT record_id, record_no, payload FROM nightjar.clean_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src1'))
  SELECT (SELECT count(*) FROM a FULL JOIN b USING (record_id) WHERE a.payload IS DISTINCT FROM b.payload OR a.record_no IS DISTINCT FROM b.record_no),
         (SELECT count(*) FROM (
            (SELECT record_no, rule, field, value, message FROM nightjar.quarantine WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src')
             EXCEPT ALL
             SELECT record_no, rule, field, value, message FROM nightjar.quarantine WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src1'))
            UNION ALL
            (SELECT record_no, rule, field, value, message FROM nightjar.quarantine WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src1')
             EXCEPT ALL
             SELECT record_no, rule, field, value, message FROM nightjar.quarantine WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$src'))) d)")
q -c CHECKPOINT >/dev/null

# SQL: \copy into raw_record under a batch of its own, then the two plain-SQL baselines.
sid=$(q -c "SELECT source_id FROM nightjar.source WHERE name = '$sqlsrc'")
bid=$(q -c "INSERT INTO nightjar.batch (source_id, status) VALUES ($sid, 'staged') RETURNING batch_id")
sed -e "s/@SID@/$sid/" -e "s/@BID@/$bid/" "$tmp/records.copy" > "$tmp/records.tsv"
t0=$(now)
q -c "\\copy nightjar.raw_record (source_id, batch_id, record_no, payload) FROM '$tmp/records.tsv'"
t1=$(now)
# Untimed: the plain-SQL plans need statistics (without them the validation's NOT EXISTS
# over its checks can go quadratic); ours need none.
q -c "ANALYZE nightjar.raw_record" >/dev/null
t1b=$(now)
q -v bench_source_id="$sid" -v bench_batch_id="$bid" -f bench/validate_sql.sql >/dev/null
t2=$(now)
q -c "ANALYZE public.bench_sql_valid" >/dev/null
t2b=$(now)
q -v bench_source_id="$sid" -v bench_batch_id="$bid" -v sql_valid=public.bench_sql_valid \
  -c "SET client_min_messages = warning" -f bench/normalize_sql.sql >/dev/null
t3=$(now)
sql_stage=$(secs "$t0" "$t1"); sql_validate=$(secs "$t1b" "$t2"); sql_normalize=$(secs "$t2b" "$t3")
sql_total=$(echo "$sql_stage + $sql_validate + $sql_normalize" | bc -l)
read -r sql_valid sql_clean < <(q -F ' ' -c "SELECT (SELECT count(*) FROM public.bench_sql_valid), (SELECT count(*) FROM public.bench_sql_clean)")

row() {  # row LABEL OURS SQL
  printf '%-34s %8.2f s %10.0f rec/s   %8.2f s %10.0f rec/s   %6.2f\n' "$1" "$2" "$(echo "$N / $2" | bc -l)" \
    "$3" "$(echo "$N / $3" | bc -l)" "$(echo "$3 / $2" | bc -l)"
}
echo
echo "chain of $N records; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %24s   %24s   %6s\n' "stage" "ours" "plain SQL" "SQL/ours"
row "staging (runner | \\copy)" "$ours_stage" "$sql_stage"
row "validation (10 rules)" "$ours_validate" "$sql_validate"
row "normalisation (8 transforms)" "$ours_normalize" "$sql_normalize"
printf '%-34s %8.2f s (two steps in their transactions, step runs, events)\n' "dispatch, wall" "$ours_dispatch"
row "whole chain" "$ours_total" "$sql_total"
echo "rows: valid $ours_valid (SQL $sql_valid), clean $ours_clean (SQL $sql_clean)"
echo
echo "one pass (nightjar.validate_normalize_step: one read of raw_record, one write of clean_record)"
row "staging (runner | \\copy)" "$one_stage" "$sql_stage"
row "validation + normalisation" "$one_step" "$(echo "$sql_validate + $sql_normalize" | bc -l)"
printf '%-34s %8.2f s (one step in its transaction, step run, event)\n' "dispatch, wall" "$one_dispatch"
row "whole chain, one pass" "$one_total" "$sql_total"
echo "rows: valid $one_valid, clean $one_clean; differing from the two steps: clean $one_clean_diff, quarantine $one_quar_diff"
