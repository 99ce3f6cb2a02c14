-- quality_normalization.sql (\ir by normalize_bench.sql, \i by chain_bench.sh): the
-- normalisation rules of the quality benchmarks (a rename, eight transforms, a constant, a
-- drop, the record id), for the source named by :rules_source.
SELECT nightjar.define_normalization_rules(:'rules_source', $$[
  {"kind": "rename", "from": "name", "to": "nom"},
  {"kind": "transform", "field": "id", "function": "trim"},
  {"kind": "transform", "field": "nom", "function": "collapse_spaces"},
  {"kind": "transform", "field": "nom", "function": "unaccent"},
  {"kind": "transform", "field": "amount", "function": "parse_decimal_fr"},
  {"kind": "transform", "field": "day", "function": "parse_date_fr"},
  {"kind": "transform", "field": "email", "function": "clean_email"},
  {"kind": "transform", "field": "code", "function": "map",
   "params": {"values": {"a": "alpha", "b": "bravo", "c": "charlie", "d": "delta", "e": "echo"}, "case_insensitive": true}},
  {"kind": "transform", "field": "active", "function": "map",
   "params": {"values": {"oui": "true", "1": "true", "non": "false", "0": "false"}}},
  {"kind": "constant", "field": "country", "value": "FR"},
  {"kind": "drop", "fields": ["qty"]},
  {"kind": "record_id", "source_code": "bench_quality", "id_field": "id"}
]$$) \g /dev/null
