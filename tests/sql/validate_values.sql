-- validate_values.sql: the values validate_batch writes, against PostgreSQL's own reading
-- of them (issue 11 §2 made the per-record path hand-written: records read from their
-- JEntry array, declared fields found by a merge walk over jsonb's key order, decimals
-- built from their digits without numeric_in, ranges compared without strtod).
--  - typed decimals: each stored numeric equals the staged text's numeric_in value, with
--    the same display scale (its text) and the same stored size (short or long format);
--  - every valid payload is the staged one with exactly the converted fields replaced
--    (undeclared keys, nested containers, nulls, booleans and numbers kept as they were);
--  - range rules on JSON numbers and decimal strings agree with numeric comparisons.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(8);

INSERT INTO nightjar.source (name, kind) VALUES ('t_vv', 'sql');
SELECT nightjar.define_fields('t_vv', ARRAY['amount', 'n', 'qty', 'b', 'a_much_longer_field_name', 'k']);
SELECT nightjar.define_validation_rule('t_vv', 'amount_decimal', 'type', 'amount',
                                       '{"type": "decimal", "decimal_separator": ","}');
SELECT nightjar.define_validation_rule('t_vv', 'n_integer', 'type', 'n', '{"type": "integer"}');
SELECT nightjar.define_validation_rule('t_vv', 'b_boolean', 'type', 'b', '{"type": "boolean"}');
SELECT nightjar.define_validation_rule('t_vv', 'qty_range', 'range', 'qty', '{"min": -2.5, "max": 1000.125}');
SELECT nightjar.define_validation_rule('t_vv', 'k_required', 'required', 'k');
INSERT INTO nightjar.batch (source_id, status) SELECT source_id, 'staged' FROM nightjar.source WHERE name = 't_vv';
CREATE TEMP TABLE vv AS
SELECT (SELECT source_id FROM nightjar.source WHERE name = 't_vv') AS src,
       (SELECT max(batch_id) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_vv') AS bid;

-- Decimals: every length around the 15-digit fast path, scales 0 to 30, signs, leading
-- zeros, zero with a scale; the expected value is numeric_in of the same text with '.'.
CREATE TEMP TABLE amounts (no int, amount text);
INSERT INTO amounts
SELECT row_number() OVER (), a FROM (
    SELECT unnest(ARRAY['0', '-0', '0,000', '-0,00', '007,10', '0,50', '-0,05', '1', '-1', '10000',
                        '123456789012345', '-123456789012345', '1234567890123456', '99999999999999,9',
                        '9999999999999,99', '999999999999999,9', '0,000000001', '0,0000000000000000000000000001',
                        '123456789012345678901234567890', '-0,123456789012345678', '12,5', '12,50', '100000',
                        '0,1234', '0,12345', '1234,5678', '12345,6789', '-9223372036854775808', '9223372036854775807,5'])
    UNION ALL
    SELECT (CASE WHEN i % 3 = 0 THEN '-' ELSE '' END) || lpad(((i * 7919) % 1000000007)::text, 1 + i % 20, '0')
           || CASE WHEN i % 4 = 0 THEN '' ELSE ',' || lpad(((i * 104729) % 1000003)::text, i % 23 + 1, '0') END
    FROM generate_series(1, 400) i) x(a);
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT vv.src, vv.bid, no, jsonb_build_object('amount', amount, 'k', 'x') FROM amounts, vv;

-- Keys: declared and undeclared, shorter and longer than each other, every value type.
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT vv.src, vv.bid, 1000 + n, p::jsonb FROM vv, (VALUES
    (1, '{"k": 1, "n": " 42 ", "b": "oui", "zz": [1, {"a": 2}], "qty": 1000.125, "amount": "3,25", "a_much_longer_field_name": {"x": null}}'),
    (2, '{"k": true, "a": null, "n": null, "b": false, "qty": "-2.5", "zzz_undeclared": "é", "a_much_longer_field_name": "é€"}'),
    (3, '{"k": "x", "qty": 7, "nested": {"amount": "1,5"}, "": "empty key", "kk": 1}'),
    (4, '{"k": "x", "qty": 1000.126}'),
    (5, '{"k": "x", "qty": -2.51}'),
    (6, '{"k": "x", "qty": "1e2"}'),
    (7, '{"k": "x", "qty": " 5 "}'),
    (8, '{"k": "x", "qty": 123456789012345678901234567890}'),
    -- Same key lengths as the record before, other names: the mapping must not be reused.
    (9, '{"k": "x", "n": "7"}'),
    (10, '{"b": "non", "k": "x"}'),
    (11, '{"k": "x", "n": "8"}')) v(n, p);

CREATE TEMP TABLE vv_result AS SELECT nightjar.validate_batch((SELECT bid FROM vv)) AS r;
CREATE TEMP TABLE vv_valid AS
SELECT v.record_no, v.payload, r.payload AS staged
FROM nightjar.valid_record v JOIN nightjar.raw_record r USING (batch_id, record_no), vv
WHERE v.source_id = vv.src AND v.batch_id = vv.bid;

SELECT is((SELECT count(*) FROM vv_valid WHERE record_no < 1000), (SELECT count(*) FROM amounts),
          'every decimal is valid');
SELECT is((SELECT count(*) FROM vv_valid JOIN amounts a ON a.no = record_no
           WHERE (payload -> 'amount')::numeric = replace(a.amount, ',', '.')::numeric
             AND (payload -> 'amount')::text = replace(a.amount, ',', '.')::numeric::text
             AND pg_column_size((payload -> 'amount')::numeric) = pg_column_size(replace(a.amount, ',', '.')::numeric)),
          (SELECT count(*) FROM amounts),
          'each typed decimal is numeric_in''s: same value, same scale, same stored size');
SELECT is((SELECT count(*) FROM vv_valid WHERE record_no < 1000
           AND payload <> staged || jsonb_build_object('amount', (payload -> 'amount'))), 0::bigint,
          'decimal records keep their other keys');

SELECT is((SELECT string_agg(record_no - 1000 || '', ',' ORDER BY record_no) FROM vv_valid WHERE record_no > 1000),
          '1,2,3,7,9,10,11', 'ranges: bounds included, beyond them refused, JSON numbers and decimal strings (blanks trimmed) compared as numbers');
SELECT is((SELECT array_agg(payload ORDER BY record_no) FROM vv_valid WHERE record_no IN (1009, 1010, 1011)),
          ARRAY['{"k": "x", "n": 7}', '{"b": false, "k": "x"}', '{"k": "x", "n": 8}']::jsonb[],
          'records whose keys have the same lengths as the one before are mapped by their names');
SELECT is((SELECT payload FROM vv_valid WHERE record_no = 1001),
          '{"k": 1, "n": 42, "b": true, "zz": [1, {"a": 2}], "qty": 1000.125, "amount": 3.25, "a_much_longer_field_name": {"x": null}}'::jsonb,
          'converted fields replaced, undeclared and nested values kept');
SELECT is((SELECT array_agg(payload = staged ORDER BY record_no) FROM vv_valid WHERE record_no IN (1001, 1003, 1007)),
          ARRAY[false, true, true], 'records with nothing converted are stored as staged, others not');
SELECT is((SELECT string_agg(record_no - 1000 || ':' || q.message, ', ' ORDER BY record_no)
           FROM nightjar.quarantine q, vv WHERE q.batch_id = vv.bid AND q.record_no > 1000),
          '4:is greater than 1000.125, 5:is less than -2.5, 6:is not a number, 8:is greater than 1000.125',
          'the refused ranges, with their messages');

SELECT * FROM finish();
ROLLBACK;
