#!/usr/bin/env bash
# runner_key_order.sh: the runner sends each record's top-level members in jsonb's key
# order (runner/ingest/jsonb_order.cpp) and what it stores is exactly what PostgreSQL
# makes of the record as written: for every line of an NDJSON file of awkward records
# (keys out of order, multibyte keys, a duplicate key, an escaped key, nested values with
# quotes and brackets in strings, a 30-digit integer, 1e400, whitespace), the staged
# payload equals the line cast to jsonb by PostgreSQL, as jsonb and as text; a CSV file's
# records equal the objects jsonb_build_object makes of its fields.
# Env as runner_dir.sh (NIGHTJAR_DATABASE_URL, PG*, NIGHTJAR_BIN).
set -euo pipefail
source "$(dirname "$0")/lib/runner_env.sh"

name=itkey_$tag
src="$tmp/src"
mkdir -p "$src"
cat > "$src/a.ndjson" <<'NDJSON'
{"id":1,"code":"C00001","name":"article 1","city":"Lyon","price":0.37,"qty":1,"active":false,"updated":"2026-11-23T06:00:00Z"}
{"zz":123456789012345678901234567890,"s":"a\"},{\"b\":1","n":{"y":1,"x":[1,{"w":"]"}]},"e" : [ 1 , 2 ] }
{"b":1,"a":2,"b":3}
{"b":1,"\u0061":2,"c":3}
{"é":1,"z":2,"ab":3,"B":4}
{"bb":"x\\","a":"\\\"","c":null}
  { "n2" : 1e400 , "a" : -0.0 }
{}
{"only":true}
{"long key with spaces":[],"k":{},"":"empty key"}
NDJSON
dirconf "$name" "$src" 10 > "$tmp/nj.toml"
echo 'archive = "keep"' >> "$tmp/nj.toml"
"$BIN" apply -c "$tmp/nj.toml" > /dev/null
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "run (NDJSON)"; }

# The file's lines as PostgreSQL reads them (CSV with quote and delimiter bytes that do not
# occur: one text field per line, backslashes kept), numbered in file order.
got=$(psql -qAtX -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE line (n bigserial, t text);
\\copy line (t) FROM '$src/a.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
SELECT count(*) || ' ' || count(*) FILTER (WHERE r.payload = l.t::jsonb AND r.payload::text = l.t::jsonb::text)
FROM line l FULL JOIN (SELECT r.* FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id)
                       WHERE s.name = '$name') r ON r.file_record_no = l.n;
SQL
)
[[ "$got" == "10 10" ]] || fail "NDJSON: want 10 records equal to their lines as jsonb, got '$got' (count, equal)"
# The duplicate key: jsonb keeps the last value, as the server decides on the text as written.
[[ $(q "SELECT r.payload::text FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id)
        WHERE s.name = '$name' AND r.file_record_no = 3") == '{"a": 2, "b": 3}' ]] || fail "duplicate key: want the last value kept"

# CSV: keys in header order b;a;é;aa;B, values with a quote, a semicolon, a backslash.
name=itkeycsv_$tag
src="$tmp/csv"
mkdir -p "$src"
printf 'b;a;\xc3\xa9;aa;B\n1;"x;y";"say ""hi""";\\back;\n' > "$src/a.csv"
cat > "$tmp/csv.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"
[[source]]
name = "$name"
kind = "dir"
location = "$src"
format = "csv"
archive = "keep"
[source.format_options]
delimiter = ";"
TOML
"$BIN" apply -c "$tmp/csv.toml" > /dev/null
"$BIN" run -c "$tmp/csv.toml" > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "run (CSV)"; }
[[ $(q "SELECT count(*) FILTER (WHERE r.payload = jsonb_build_object('b', '1', 'a', 'x;y', 'é', 'say \"hi\"', 'aa', E'\\\\back', 'B', '')
                                   AND r.payload::text = jsonb_build_object('b', '1', 'a', 'x;y', 'é', 'say \"hi\"', 'aa', E'\\\\back', 'B', '')::text)
                 || ' ' || count(*)
        FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == "1 1" ]] || fail "CSV: want its one record equal to jsonb_build_object of its fields"
echo "runner_key_order: ok"
