# source_cleanup.sh (sourced by the shell benchmarks): drop_bench_source NAME deletes a
# benchmark's source and everything recorded for it (records, files, batches, runs, plans,
# rules, schema, its valid_ partition). Each statement runs even if an earlier one fails
# (a bulk table not created yet); errors are silent. Needs PG* for psql.
drop_bench_source() {
  psql -qX >/dev/null 2>&1 <<SQL || true
DELETE FROM nightjar.clean_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.quarantine WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.raw_record WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DROP TABLE IF EXISTS nightjar."valid_$1";
DELETE FROM nightjar.normalization_rule WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.validation_rule WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.source_schema WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.file WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.batch WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.ingest_run WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.ingest_plan_file WHERE plan_id IN (SELECT plan_id FROM nightjar.ingest_plan p JOIN nightjar.source s USING (source_id) WHERE s.name = '$1');
DELETE FROM nightjar.ingest_plan_batch WHERE plan_id IN (SELECT plan_id FROM nightjar.ingest_plan p JOIN nightjar.source s USING (source_id) WHERE s.name = '$1');
DELETE FROM nightjar.ingest_plan WHERE source_id = (SELECT source_id FROM nightjar.source WHERE name = '$1');
DELETE FROM nightjar.source WHERE name = '$1';
SQL
}
