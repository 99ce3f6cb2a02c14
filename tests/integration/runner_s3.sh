#!/usr/bin/env bash
# runner_s3.sh: the runner against s3rver (npm, tests/integration/package.json) on
# 127.0.0.1: ListObjectsV2 with continuation (max 1000 keys a page: 1005 objects), SigV4,
# GetObject into the spool, archive by CopyObject + DeleteObject to success/ failure/;
# keys with odd characters cannot escape the spool; re-run changes nothing; a wrong
# access key exits 10; kill -9 mid-batch then resume stages each record exactly once;
# keys with literal "../" segments (servers/s3_keys.py, which s3rver cannot hold) stay
# inside the spool: the whole tree is checked. Needs PG* / NIGHTJAR_DATABASE_URL, NIGHTJAR_BIN, node.
set -euo pipefail
source "$(dirname "$0")/lib/kill_mid_copy.sh"
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
here=tests/integration
if [[ ! -x $here/node_modules/.bin/s3rver ]]; then (cd $here && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null); fi
tmp=$(mktemp -d)
s3_pid=
runner_pid=
keys_pid=
cleanup() {
  if [[ -n "$runner_pid" ]]; then kill -9 "$runner_pid" 2>/dev/null || true; fi
  if [[ -n "$keys_pid" ]]; then kill "$keys_pid" 2>/dev/null || true; fi
  if [[ -n "$s3_pid" ]]; then kill "$s3_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runner_s3: FAIL: $*" >&2; [[ -f "$tmp/out1" ]] && grep -v "^batch\|^  batch" "$tmp/out1" | tail -5 >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/s3"
# s3rver 3.7 encrypts continuation tokens with a cipher OpenSSL 3 moved to the legacy provider.
NODE_OPTIONS=--openssl-legacy-provider $here/node_modules/.bin/s3rver -d "$tmp/s3" -a 127.0.0.1 -p "$port" --configure-bucket docs -s > "$tmp/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
ep=http://127.0.0.1:$port
put() {  # put LOCALFILE URL-ENCODED-KEY
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -T "$1" "$ep/docs/$2")
  [[ $code == 200 ]] || fail "upload of $2: HTTP $code"
}
# 1005 small objects (two listing pages), odd names, one bad file.
python3 - "$tmp/files" <<'PY'
import os, sys
d = sys.argv[1]; os.makedirs(d)
for i in range(1005):
    with open(f"{d}/{i}.ndjson", "w") as f:
        f.write('{"uid":%d,"k":"a"}\n{"uid":%d,"k":"b"}\n' % (2 * i, 2 * i + 1))
open(f"{d}/odd.ndjson", "w").write('{"uid":"odd1"}\n')
open(f"{d}/odd2.ndjson", "w").write('{"uid":"odd2"}\n')
open(f"{d}/bad.ndjson", "w").write('{"uid":"bad"}\n{broken\n')
PY
export -f put fail; export ep tmp
seq 0 1004 | xargs -P 8 -I{} bash -c 'put "$tmp/files/{}.ndjson" "in/part/{}.ndjson"'
put "$tmp/files/odd.ndjson" 'in/..hidden%20%24%28touch%20x%29%3B%26%C3%A9.ndjson'
put "$tmp/files/odd2.ndjson" 'in/a%5C..%5C..%5Cwin.ndjson'
put "$tmp/files/bad.ndjson" 'in/bad.ndjson'
name=its3_$$_$RANDOM
cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$name"
kind = "s3"
format = "ndjson"
pattern = "**/*.ndjson"
batch_size = 300
[source.s3]
endpoint = "$ep"
bucket = "docs"
prefix = "in/"
access_key_id_env = "NJ_TEST_S3_KEY"
secret_access_key_env = "NJ_TEST_S3_SECRET"
[source.retry]
attempts = 2
base_delay_ms = 50
TOML
export NJ_TEST_S3_KEY=S3RVER NJ_TEST_S3_SECRET=S3RVER
"$BIN" apply -c "$tmp/nj.toml" >/dev/null
q "SELECT config::text FROM nightjar.source WHERE name = '$name'" | grep -q S3RVER && fail "secret or key stored in the catalog"
set +e; "$BIN" run -c "$tmp/nj.toml" > "$tmp/out1" 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || { cat "$tmp/out1"; fail "exit $rc, want 1 (bad.ndjson)"; }
grep -q "S3RVER" "$tmp/out1" && fail "credentials printed"
sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
[[ $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid") == 2012 ]] || fail "want 2012 records, got $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid")"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'staged'") == 1007 ]] || fail "want 1007 staged files"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'failed' AND location = 'in/bad.ndjson'") == 1 ]] || fail "bad file not failed"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND archive_location LIKE 's3://docs/in/success/%'") == 1007 ]] || fail "archive locations"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND archive_location LIKE 's3://docs/in/failure/bad.%.ndjson'") == 1 ]] || fail "failure archive"
# Nothing was written outside the spool, and the spool is gone.
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind"
[[ ! -e x && ! -e "$tmp/x" && ! -e "$tmp/win.ndjson" ]] || fail "a key escaped"
listing=$(curl -s -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER "$ep/docs?list-type=2&prefix=in/part/")
grep -q "<KeyCount>0</KeyCount>" <<<"$listing" || fail "originals not deleted after archive"
# Re-run: nothing left to list, nothing changes.
before=$(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid")
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out2" 2>&1 || { cat "$tmp/out2"; fail "re-run"; }
[[ $(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid") == "$before" ]] || fail "re-run added batches"
# Wrong credentials: critical exit 10 with a one-line cause.
set +e; NJ_TEST_S3_KEY=WRONGKEY "$BIN" run -c "$tmp/nj.toml" > "$tmp/out3" 2>&1; rc=$?; set -e
[[ $rc -eq 10 ]] || { cat "$tmp/out3"; fail "wrong credentials: exit $rc, want 10"; }
grep -q "critical: source $name: authentication refused" "$tmp/out3" || { cat "$tmp/out3"; fail "cause"; }
# kill -9 in the middle of a batch (objects downloaded into the spool, COPY running),
# then a new run: every record staged exactly once, no spool left behind.
python3 - "$tmp/big" <<'PY'
import os, sys
d = sys.argv[1]; os.makedirs(d)
uid = 0
for i in range(4):
    with open(f"{d}/big{i}.ndjson", "w") as f:
        for j in range(120000):
            uid += 1
            f.write('{"uid":%d,"a":"%s","b":%d,"c":%.2f,"d":false,"e":"z"}\n' % (uid, "w" * 24, j, j / 3))
PY
for i in 0 1 2 3; do put "$tmp/big/big$i.ndjson" "kill/big$i.ndjson"; done
name2=its3k_$$_$RANDOM
sed -e "s/name = \"$name\"/name = \"$name2\"/" -e 's#prefix = "in/"#prefix = "kill/"#' -e 's/batch_size = 300/batch_size = 1/' \
  "$tmp/nj.toml" > "$tmp/nj2.toml"
"$BIN" apply -c "$tmp/nj2.toml" >/dev/null
sid2=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name2'")
KillMidCopy "$sid2" "$tmp/out4" run -c "$tmp/nj2.toml"
ls "$tmp/spool"/"$name2"-*/* >/dev/null 2>&1 || fail "expected the dead runner's spool file"
partial=$(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid2")
(( partial % 120000 == 0 && partial < 480000 )) || fail "half a batch visible: $partial records"
"$BIN" run -c "$tmp/nj2.toml" > "$tmp/out5" 2>&1 || { cat "$tmp/out5"; fail "resume run"; }
read -r cnt distinct_uid <<<"$(q "SELECT count(*), count(DISTINCT (payload->>'uid')::bigint) FROM nightjar.raw_record WHERE source_id = $sid2" | tr '|' ' ')"
[[ $cnt -eq 480000 && $distinct_uid -eq 480000 ]] || fail "after resume: $cnt records, $distinct_uid distinct, want 480000"
for i in 0 1 2 3; do
  sum=$(sha256sum "$tmp/big/big$i.ndjson" | cut -d' ' -f1)
  [[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid2 AND checksum = '$sum' AND status = 'staged'") == 1 ]] || fail "checksum of big$i"
done
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind after resume: $(ls -R "$tmp/spool")"
# --- keys with literal "../" segments cannot escape the spool ---------------------------
# s3rver stores objects as files named after their keys, so it resolves "../" itself;
# servers/s3_keys.py keeps each key exactly. The spool is 8 directories deep in $tmp so
# that a key climbing up to 6 levels would land inside $tmp, where every new file is
# checked; one key climbs 24 levels (to /).
python3 $here/servers/s3_keys.py "$tmp/keys.port" KEYSKEY &
keys_pid=$!
for _ in $(seq 1 100); do [[ -s "$tmp/keys.port" ]] && break; sleep 0.05; done
kep=http://127.0.0.1:$(cat "$tmp/keys.port")
kput() {  # kput BODY KEY (the key is sent as is: no normalisation of "../")
  printf '%s\n' "$1" > "$tmp/kbody"
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user KEYSKEY:x -T "$tmp/kbody" "$kep/esc/$2")
  [[ $code == 200 ]] || fail "upload of $2: HTTP $code"
}
tag=$$_$RANDOM
up24=$(printf '../%.0s' $(seq 1 24))
kput '{"k":"e1"}' "in/../../../../escape1_$tag.ndjson"
kput '{"k":"e2"}' "in/sub/../../../../../../../escape2_$tag.ndjson"
kput '{"k":"e3"}' "in/${up24}escape3_$tag.ndjson"
kput '{"k":"e4"}' "in/..%2F..%2F..%2Fescape4_$tag.ndjson"
kput '{"k":"n"}' "in/normal.ndjson"
deep=$tmp/d1/d2/d3/d4/d5/d6/d7/d8
name3=its3esc_$$_$RANDOM
cat > "$tmp/nj3.toml" <<TOML
[runner]
spool_dir = "$deep/spool"

[[source]]
name = "$name3"
kind = "s3"
format = "ndjson"
pattern = "**/*.ndjson"
[source.s3]
endpoint = "$kep"
bucket = "esc"
prefix = "in/"
access_key_id_env = "NJ_TEST_S3_KEY"
secret_access_key_env = "NJ_TEST_S3_SECRET"
TOML
"$BIN" apply -c "$tmp/nj3.toml" >/dev/null
sid3=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name3'")
mkdir -p "$tmp/logs"; touch "$tmp/marker"; sleep 1
NJ_TEST_S3_KEY=KEYSKEY "$BIN" run -c "$tmp/nj3.toml" --no-cleanup > "$tmp/logs/out6" 2>&1 || { cat "$tmp/logs/out6"; fail "run over ../ keys"; }
[[ $(q "SELECT string_agg(payload->>'k', ',' ORDER BY payload->>'k') FROM nightjar.raw_record WHERE source_id = $sid3") == "e1,e2,e3,e4,n" ]] \
  || { cat "$tmp/logs/out6"; fail "../ keys: want the 5 objects staged"; }
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid3 AND location LIKE 'in/%../%' AND status = 'staged'") == 4 ]] || fail "../ keys not recorded under their exact key"
# The whole spool tree: one run directory holding exactly the 5 downloads, each named
# NNNNNN-<safe basename>, nothing else anywhere.
mapfile -t tree < <(cd "$deep/spool" && find . -mindepth 1 | sort)
[[ ${#tree[@]} -eq 6 ]] || fail "spool tree: ${tree[*]}"
[[ ${tree[0]} =~ ^\./${name3}-[0-9]+$ && -d "$deep/spool/${tree[0]}" ]] || fail "spool run directory: ${tree[0]}"
for p in "${tree[@]:1}"; do
  [[ $p =~ ^\./${name3}-[0-9]+/[0-9]{6}-[A-Za-z0-9_-][A-Za-z0-9._-]*$ && -f "$deep/spool/$p" ]] || fail "spool entry $p"
done
# No other file was created or changed anywhere under $tmp (outside the spool and logs).
stray=$(find "$tmp" -newer "$tmp/marker" -not -type d -not -path "$deep/spool/*" -not -path "$tmp/logs/*")
[[ -z "$stray" ]] || fail "written outside the spool: $stray"
[[ ! -e "/escape3_$tag.ndjson" ]] || fail "a key escaped to /"
# Archived under the exact keys: every object left under in/ is under in/success/.
klist=$(curl -s -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:us-east-1:s3" --user KEYSKEY:x "$kep/esc?list-type=2&prefix=in/")
[[ $(grep -o "<Key>in/success/[^<]*</Key>" <<<"$klist" | wc -l) == 5 && $(grep -o "<Key>" <<<"$klist" | wc -l) == 5 ]] || fail "archive of ../ keys: $klist"
rm -rf "$deep/spool"
echo "runner_s3: ok"
