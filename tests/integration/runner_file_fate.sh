#!/usr/bin/env bash
# runner_file_fate.sh: `nightjar archive` and `nightjar scrub` on a dir source (local archive
# folders; partner_loaders.sh covers S3). A keep source leaves its files in place; archive
# without --require-verdict sends staged files to success/ and failed ones to failure/,
# with --require-verdict a staged file waits for nightjar.set_file_verdict (a refusal goes
# to failure/); scrub deletes an archived copy named by an erase_subject-shaped result or
# by id, records it, and never lists it again; --dry-run deletes nothing. The runner's
# commands run as a role that is only a nightjar_runner member (least privilege).
# Needs PG* and NIGHTJAR_DATABASE_URL, NIGHTJAR_HOME's cluster (`nightjar db url`), NIGHTJAR_BIN.
set -euo pipefail
source "$(dirname "$0")/lib/runner_env.sh"

# run, archive and scrub run as a login role that is only a nightjar_runner member.
role=nj_it_fate
q "DO \$\$ BEGIN CREATE ROLE $role LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
q "SELECT nightjar.grant_role('nightjar_runner', '$role')" >/dev/null 2>&1
runner_url="$("$BIN" db url warehouse | sed 's/user=[^&]*/user='$role'/')"
R() { NIGHTJAR_DATABASE_URL=$runner_url "$BIN" "$@"; }

src="$tmp/in" name=fate_$$_$RANDOM
mkdir -p "$src/sub" "$tmp/spool"
printf '{"k": "a%s", "secret": "Jane Roe"}\n' 1 2 > "$src/a.ndjson"
printf '{"k": "b1"}\n' > "$src/sub/b.ndjson"
printf '{"k": "c1"}\n' > "$src/c.ndjson"
printf '{"k": \n' > "$src/bad.ndjson"
dirsource "$name" "$src" "**/*.ndjson" 'archive = "keep"' > "$tmp/nj.toml"
"$BIN" apply -c "$tmp/nj.toml" > "$tmp/out" 2>&1 || fail "apply"
set +e; R run -c "$tmp/nj.toml" >> "$tmp/out" 2>&1; rc=$?; set -e
[[ $rc == 1 ]] || fail "run exited $rc (1 expected: bad.ndjson fails)"
[[ -f $src/a.ndjson && -f $src/bad.ndjson && ! -d $src/success && ! -d $src/failure ]] || fail "keep moved files"
id() { q "SELECT f.file_id FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name = '$name' AND f.name = '$1'"; }

# --require-verdict: the failed file moves, the staged ones wait for a verdict.
R archive -c "$tmp/nj.toml" --source "$name" --require-verdict > "$tmp/a1" 2>&1 || fail "archive 1: $(cat "$tmp/a1")"
grep -q '^1 file(s) archived' "$tmp/a1" || fail "archive 1: $(cat "$tmp/a1")"
ls "$src/failure/" | grep -q '^bad\.[0-9-]*\.ndjson$' || fail "bad.ndjson not in failure/"
[[ -f $src/a.ndjson ]] || fail "a file without verdict moved"
q "SELECT nightjar.set_file_verdict($(id c.ndjson), false, 'refused by a step')" >/dev/null
R archive -c "$tmp/nj.toml" --source "$name" --require-verdict > "$tmp/a2" 2>&1 || fail "archive 2"
grep -q '^1 file(s) archived' "$tmp/a2" || fail "archive 2: $(cat "$tmp/a2")"
ls "$src/failure/" | grep -q '^c\.[0-9-]*\.ndjson$' || fail "the refused c.ndjson not in failure/"
# Without --require-verdict, staged files go to success/, keeping their sub-folder.
R archive -c "$tmp/nj.toml" --source "$name" > "$tmp/a3" 2>&1 || fail "archive 3"
grep -q '^2 file(s) archived' "$tmp/a3" || fail "archive 3: $(cat "$tmp/a3")"
ls "$src/success/sub/" | grep -q '^b\.[0-9-]*\.ndjson$' || fail "sub/b.ndjson not in success/sub/"
[[ $(find "$src" -maxdepth 2 -name '*.ndjson' -not -path '*/success/*' -not -path '*/failure/*' | wc -l) == 0 ]] || fail "files left in place"
loc=$(q "SELECT archive_location FROM nightjar.file WHERE file_id = $(id a.ndjson)")
[[ -f $src/$loc ]] || fail "recorded archive location $loc does not exist"
R archive -c "$tmp/nj.toml" --source "$name" > "$tmp/a4" 2>&1 || fail "archive 4"
grep -q '^0 file(s) archived' "$tmp/a4" || fail "a second archive moved files: $(cat "$tmp/a4")"

# Scrub: an erase_subject-shaped result names a.ndjson; a dry run deletes nothing.
result="{\"files\": [{\"file_id\": $(id a.ndjson), \"source\": \"$name\"}]}"
echo "$result" | R scrub -c "$tmp/nj.toml" --json - --dry-run > "$tmp/s0" 2>&1 || fail "scrub --dry-run"
[[ -f $src/$loc ]] || fail "the dry run deleted $loc"
echo "$result" | R scrub -c "$tmp/nj.toml" --json - > "$tmp/s1" 2>&1 || fail "scrub: $(cat "$tmp/s1")"
[[ ! -e $src/$loc ]] || fail "$loc not deleted"
grep -rq 'Jane Roe' "$src" && fail "an archived file still holds the subject"
[[ $(q "SELECT outcome FROM nightjar.file_scrub WHERE file_id = $(id a.ndjson)") == deleted ]] || fail "scrub not recorded"
echo "$result" | R scrub -c "$tmp/nj.toml" --json - > "$tmp/s2" 2>&1 || fail "scrub again"
grep -q '^0 file(s) scrubbed' "$tmp/s2" || fail "a scrubbed file listed again: $(cat "$tmp/s2")"
# By id: a copy that disappeared meanwhile is recorded as absent.
bloc=$(q "SELECT archive_location FROM nightjar.file WHERE file_id = $(id b.ndjson)")
rm "$src/$bloc"
R scrub -c "$tmp/nj.toml" "$(id b.ndjson)" > "$tmp/s3" 2>&1 || fail "scrub by id"
grep -q "^absent file $(id b.ndjson)" "$tmp/s3" || fail "scrub by id: $(cat "$tmp/s3")"
echo "runner_file_fate: ok"
