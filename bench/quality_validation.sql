-- quality_validation.sql (\ir by validate_bench.sql, \i by chain_bench.sh): the ten
-- validation rules of the quality benchmarks, for the source named by :rules_source.
SELECT nightjar.define_validation_rule(:'rules_source', 'id_required', 'required', 'id') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'id_integer', 'type', 'id', '{"type": "integer"}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'id_unique', 'unique_in_batch', 'id') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'amount_decimal', 'type', 'amount', '{"type": "decimal", "decimal_separator": ","}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'amount_range', 'range', 'amount', '{"min": 0, "max": 100000}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'day_date', 'type', 'day', '{"type": "date", "formats": ["%d/%m/%Y"]}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'code_enum', 'enum', 'code', '{"values": ["A", "B", "C", "D", "E"]}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'email_regex', 'regex', 'email', '{"pattern": "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$"}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'qty_range', 'range', 'qty', '{"min": 0, "max": 1000}') \g /dev/null
SELECT nightjar.define_validation_rule(:'rules_source', 'name_length', 'length', 'name', '{"max": 40}') \g /dev/null
