#!/usr/bin/env bash
# runner_staged_checksum.sh: a file is staged under the checksum of the bytes staged (issue
# 11 §3), on a real cluster.
#  1. A file rewritten between the listing (the plan records its old size) and its staging
#     (the runner waits at --interactive's prompt meanwhile) is staged with its new records,
#     under the SHA-256 and size of its new bytes.
#  2. With one read per file, copies are still found: two identical files and a third of
#     the same size in one batch stage two contents; the copy is skipped as already staged
#     (duplicate_of the staged one), and so is a copy that arrives in a later run.
# Env as runner_dir.sh (NIGHTJAR_DATABASE_URL, PG*, NIGHTJAR_BIN).
set -euo pipefail
source "$(dirname "$0")/lib/runner_env.sh"

# --- 1. rewritten between listing and staging ------------------------------------------
name=itsum1_$tag
src="$tmp/src1"
mkdir -p "$src"
printf '{"v":1}\n' > "$src/a.ndjson"
dirconf "$name" "$src" 10 > "$tmp/nj1.toml"
echo 'archive = "keep"' >> "$tmp/nj1.toml"
"$BIN" apply -c "$tmp/nj1.toml" > /dev/null
mkfifo "$tmp/answers"
"$BIN" run -c "$tmp/nj1.toml" --interactive < "$tmp/answers" > "$tmp/out1" 2>&1 &
runner_pid=$!
exec 3> "$tmp/answers"
# The plan is recorded before the prompt: wait for it, then rewrite the file.
for _ in $(seq 1 100); do
  [[ $(q "SELECT count(*) FROM nightjar.ingest_plan_file f JOIN nightjar.ingest_plan p USING (plan_id)
          JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 1 ]] && break
  sleep 0.1
done
[[ $(q "SELECT f.size FROM nightjar.ingest_plan_file f JOIN nightjar.ingest_plan p USING (plan_id)
        JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 8 ]] || fail "the plan should list a.ndjson with its first 8 bytes"
printf '{"v":2}\n{"v":3}\n{"v":4}\n' > "$src/a.ndjson"
echo y >&3
exec 3>&-
wait "$runner_pid" || { cat "$tmp/out1" >&2; fail "run 1"; }
runner_pid=
want=$(sha256sum "$src/a.ndjson" | cut -d' ' -f1)
got=$(q "SELECT f.checksum || ' ' || f.size || ' ' || f.records || ' ' || f.status FROM nightjar.file f
         JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'")
[[ "$got" == "$want 24 3 staged" ]] || fail "rewritten file: want '$want 24 3 staged', got '$got'"
[[ $(q "SELECT string_agg(r.payload->>'v', ',' ORDER BY r.record_no) FROM nightjar.raw_record r
        JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 2,3,4 ]] || fail "rewritten file: want its new records 2,3,4"

# --- 2. copies found with one read per file --------------------------------------------
name=itsum2_$tag
src="$tmp/src2"
mkdir -p "$src"
printf '{"k":"same"}\n' > "$src/c1.ndjson"
printf '{"k":"same"}\n' > "$src/c2.ndjson"
printf '{"k":"diff"}\n' > "$src/c3.ndjson"  # same size, other content
dirconf "$name" "$src" 10 > "$tmp/nj2.toml"  # archived: a skipped copy gets a row
"$BIN" apply -c "$tmp/nj2.toml" > /dev/null
"$BIN" run -c "$tmp/nj2.toml" > "$tmp/out2" 2>&1 || { cat "$tmp/out2" >&2; fail "run 2"; }
got=$(q "SELECT string_agg(f.name || ':' || f.status || ':' || coalesce(d.name, '-'), ',' ORDER BY f.name)
         FROM nightjar.file f JOIN nightjar.source s USING (source_id)
         LEFT JOIN nightjar.file d ON d.file_id = f.duplicate_of WHERE s.name = '$name'")
[[ "$got" == "c1.ndjson:staged:-,c2.ndjson:skipped:c1.ndjson,c3.ndjson:staged:-" ]] || fail "copies: got '$got'"
[[ $(q "SELECT string_agg(r.payload->>'k', ',' ORDER BY r.record_no) FROM nightjar.raw_record r
        JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == same,diff ]] || fail "copies: want records same,diff"
want=$(printf '{"k":"diff"}\n' | sha256sum | cut -d" " -f1)
[[ $(q "SELECT f.checksum FROM nightjar.file f JOIN nightjar.source s USING (source_id)
        WHERE s.name = '$name' AND f.name = 'c3.ndjson'") == "$want" ]] || fail "c3's checksum"
printf '{"k":"same"}\n' > "$src/c4.ndjson"  # a copy of staged content, in a later run
"$BIN" run -c "$tmp/nj2.toml" > "$tmp/out3" 2>&1 || { cat "$tmp/out3" >&2; fail "run 3"; }
[[ $(q "SELECT f.status || ':' || d.name FROM nightjar.file f JOIN nightjar.source s USING (source_id)
        JOIN nightjar.file d ON d.file_id = f.duplicate_of WHERE s.name = '$name' AND f.name = 'c4.ndjson'") == skipped:c1.ndjson ]] || fail "a later copy should be skipped as a copy of c1"
[[ $(q "SELECT count(*) FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 2 ]] || fail "a later copy was staged again"
echo "runner_staged_checksum: ok"
