-- 45_validate_normalize.sql: the one-pass quality step. A pipeline chooses it by declaring
-- one step, nightjar.validate_normalize_step (emits batch.normalized), instead of the two
-- steps validate_step (batch.validated) and normalize_step (batch.normalized).
--
-- It reads the batch's raw records once and writes the clean records once
-- (nightjar._validate_normalize_records, extension/pg/validate_normalize.cpp): the same
-- rules, the same quarantine rows (rule, field, value, message, with the record's batch_id
-- and record_no, which lead to its file and line in raw_record), the same clean rows and
-- the same counts as the two steps — but valid_record is not written. Two kinds of source
-- need valid_record and are run through the two steps by this same function (the result
-- says "one_pass": false): all_or_nothing sources (the refusal must come before any clean
-- row is written) and sources with a unique_existing rule (it looks for values in the
-- source's valid records of other batches).

CREATE FUNCTION nightjar._validate_normalize_records(batch_id bigint, source_id bigint, source text,
                                                     fields text[], rules jsonb, normalization jsonb)
RETURNS jsonb LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_validate_normalize_records';

-- _quality_result shapes the one-pass result from the two steps' results (v: validation,
-- n: normalisation, null when refused).
CREATE FUNCTION nightjar._quality_result(v jsonb, n jsonb, p_one_pass boolean, p_batch_id bigint,
                                         p_source nightjar.source) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'rows_in', v -> 'rows_in',
        'rows_out', coalesce(n -> 'rows_out', '0'),
        'valid', v -> 'rows_out',
        'rejected', v -> 'rejected',
        'warnings', v -> 'warnings',
        'refused', coalesce((v ->> 'refused')::boolean, false),
        'one_pass', p_one_pass,
        'counts', jsonb_build_object('validation', v -> 'counts', 'normalization', coalesce(n -> 'counts', '{}')),
        'payload', CASE WHEN n IS NULL THEN NULL ELSE
            jsonb_build_object('batch_id', p_batch_id, 'source', p_source.name, 'source_id', p_source.source_id,
                               'valid', v -> 'rows_out', 'rejected', v -> 'rejected') END)
$$;

-- validate_normalize_batch validates and normalises one batch in one pass: failures to
-- quarantine, clean rows to clean_record, no valid_record rows. It emits nothing (the step
-- protocol): its result carries the payload a dispatcher passes on (batch.normalized).
CREATE FUNCTION nightjar.validate_normalize_batch(batch_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_batch_id bigint := validate_normalize_batch.batch_id;
    v_source nightjar.source;
    v_schema nightjar.source_schema;
    v_rules jsonb;
    v_result jsonb;
    v_validated jsonb;
BEGIN
    PERFORM nightjar.ensure_storage();  -- the bulk tables are not the extension's (06_storage.sql)
    v_source := nightjar._batch_source(v_batch_id);
    v_schema := nightjar._declared_schema(v_source.source_id, v_source.name);
    v_rules := nightjar._normalization_rules_of(v_source);
    IF v_schema.all_or_nothing OR EXISTS (SELECT 1 FROM nightjar.validation_rule r
                                          WHERE r.source_id = v_source.source_id AND r.kind = 'unique_existing') THEN
        v_validated := nightjar.validate_batch(v_batch_id);
        RETURN nightjar._quality_result(
            v_validated,
            CASE WHEN (v_validated ->> 'refused')::boolean THEN NULL ELSE nightjar.normalize_batch(v_batch_id) END,
            false, v_batch_id, v_source);
    END IF;
    -- The locks of both steps: the batch's validation results, the source's clean rows.
    PERFORM nightjar._lock_batch_validation(v_batch_id);
    PERFORM nightjar._lock_clean_rows(v_source.source_id);
    -- Idempotent: a retry replaces what an earlier run of this batch wrote (one or two passes).
    DELETE FROM nightjar.valid_record v WHERE v.source_id = v_source.source_id AND v.batch_id = v_batch_id;
    DELETE FROM nightjar.quarantine q WHERE q.batch_id = v_batch_id AND q.source_id = v_source.source_id;
    DELETE FROM nightjar.clean_record c WHERE c.source_id = v_source.source_id AND c.batch_id = v_batch_id;
    v_result := nightjar._validate_normalize_records(
        v_batch_id, v_source.source_id, v_source.name, v_schema.fields,
        nightjar._validation_rules(v_source.source_id, NULL), v_rules);
    RETURN nightjar._quality_result(v_result -> 'validation' || '{"refused": false}', v_result -> 'normalization',
                                    true, v_batch_id, v_source);
END $$;
COMMENT ON FUNCTION nightjar.validate_normalize_batch(bigint) IS
    'validates and normalises a batch in one read of its raw records (C++): failures to quarantine, clean rows to '
    'nightjar.clean_record, no valid_record rows (all_or_nothing sources and sources with a unique_existing rule '
    'take the two steps); emits nothing; returns rows_in, rows_out (clean rows), valid, rejected, warnings, refused, '
    'one_pass, counts {validation, normalization} and the payload a step declared with emits => ''batch.normalized'' passes on';

-- validate_normalize_step is validate_normalize_batch as a pipeline step: fn(event payload
-- jsonb) → jsonb. Declare it with emits => 'batch.normalized' (docs/events.md).
CREATE FUNCTION nightjar.validate_normalize_step(event jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT nightjar.validate_normalize_batch(nightjar._event_batch_id(event, 'validate_normalize_step'))
$$;
