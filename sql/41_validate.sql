-- 41_validate.sql: the validation step. Rules are declared per source (define_fields,
-- define_validation_rule), compiled in C++ when defined (nightjar._check_rule) and evaluated in C++
-- by nightjar.validate_batch over the batch's raw records (nightjar._validate_records).
-- Nothing from a rule is ever concatenated into SQL: a reference table is resolved with
-- to_regclass / pg_attribute and the query is built from the catalog's names with
-- format('%I'); a custom predicate is resolved with to_regprocedure and called by OID.

-- Rules reach C++ one way, as JSON text that the core compiles (core/rules/rule_set.hpp):
-- _check_rule takes one rule object, _validate_records the array of a source's rules.
CREATE FUNCTION nightjar._check_rule(rule jsonb, fields text[])
RETURNS void LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_check_rule';

-- valid_table is the source's partition of valid_record, written directly (COPY's insert path).
CREATE FUNCTION nightjar._validate_records(batch_id bigint, source_id bigint, fields text[], rules jsonb,
                                           valid_table regclass)
RETURNS jsonb LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_validate_records';

-- _source_id returns the id of source `source`, or raises 22023 naming it.
CREATE FUNCTION nightjar._source_id(source text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT s.source_id INTO v_id FROM nightjar.source s WHERE s.name = _source_id.source;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: source "%" does not exist', nightjar._cut((source)::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_id;
END $$;

-- define_fields declares the fields of a source's records and its acceptance policy.
CREATE FUNCTION nightjar.define_fields(source text, fields text[], all_or_nothing boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_source_id bigint := nightjar._source_id(source);
    v_bad text;
BEGIN
    IF fields IS NULL OR cardinality(fields) = 0 THEN
        RAISE EXCEPTION 'nightjar: fields must be a non-empty array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(fields) f WHERE f IS NULL OR f = '') THEN
        RAISE EXCEPTION 'nightjar: field names must be non-empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(DISTINCT f, ', ') INTO v_bad
    FROM (SELECT f FROM unnest(fields) f GROUP BY f HAVING count(*) > 1) d;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'nightjar: duplicate field names: %', v_bad USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(format('%s (field %s)', r.name, coalesce(nullif(r.field, ''), r.params ->> 'other')), ', ' ORDER BY r.name)
    INTO v_bad FROM nightjar.validation_rule r
    WHERE r.source_id = v_source_id
      AND (r.field <> ALL (fields) OR (r.kind = 'compare' AND (r.params ->> 'other') <> ALL (fields)));
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'nightjar: rules use fields that would no longer be declared: %', v_bad
            USING ERRCODE = 'invalid_parameter_value', HINT = 'drop or redefine those rules first';
    END IF;
    INSERT INTO nightjar.source_schema AS s (source_id, fields, all_or_nothing)
    VALUES (v_source_id, fields, coalesce(all_or_nothing, false))
    ON CONFLICT (source_id) DO UPDATE
        SET fields = excluded.fields, all_or_nothing = excluded.all_or_nothing, updated_at = now();
END $$;

-- _reference_query returns the SELECT of a reference rule's distinct values, built from
-- catalog names (never from the rule's text), or raises 22023.
CREATE FUNCTION nightjar._reference_query(rule_name text, params jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_rel regclass;
    v_query text;
BEGIN
    BEGIN
        v_rel := to_regclass(params ->> 'table');
    EXCEPTION WHEN OTHERS THEN  -- a malformed name ("a.b.c.d", unbalanced quotes)
        v_rel := NULL;
    END;
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'nightjar: rule %: table "%" does not exist', nightjar._cut((rule_name)::text), nightjar._cut((params ->> 'table')::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT format('SELECT DISTINCT %I::text FROM %I.%I WHERE %I IS NOT NULL', a.attname, n.nspname, c.relname, a.attname)
    INTO v_query
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
    WHERE c.oid = v_rel AND a.attname = params ->> 'column' AND a.attnum > 0 AND NOT a.attisdropped;
    IF v_query IS NULL THEN
        RAISE EXCEPTION 'nightjar: rule %: column "%" does not exist in table %', nightjar._cut((rule_name)::text), nightjar._cut((params ->> 'column')::text), v_rel
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_query;
END $$;

-- _custom_function resolves a custom_sql rule's function (jsonb) → boolean, or raises 22023.
CREATE FUNCTION nightjar._custom_function(rule_name text, params jsonb) RETURNS oid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_fn regprocedure;
BEGIN
    BEGIN
        v_fn := to_regprocedure(params ->> 'function');
    EXCEPTION WHEN OTHERS THEN
        v_fn := NULL;
    END;
    IF v_fn IS NULL THEN
        RAISE EXCEPTION 'nightjar: rule %: function "%" does not exist', nightjar._cut((rule_name)::text), nightjar._cut((params ->> 'function')::text)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'give its signature, e.g. "myschema.check(jsonb)"';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid = v_fn AND p.pronargs = 1
                   AND p.proargtypes[0] = 'jsonb'::regtype AND p.prorettype = 'boolean'::regtype AND p.prokind = 'f'
                   AND NOT p.proretset) THEN
        RAISE EXCEPTION 'nightjar: rule %: function % must take (jsonb) and return boolean', nightjar._cut((rule_name)::text), v_fn
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_fn;
END $$;

-- _lock_batch_validation waits until no other transaction validates batch p_batch_id
-- (validate_batch and validate_normalize_batch both delete, then write its results).
CREATE FUNCTION nightjar._lock_batch_validation(p_batch_id bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtext('nightjar.validate_batch'), hashtext(p_batch_id::text))
$$;

-- _declared_schema returns the declared fields of a source (nightjar.define_fields), or
-- raises 22023 saying how to declare them.
CREATE FUNCTION nightjar._declared_schema(p_source_id bigint, p_source_name text) RETURNS nightjar.source_schema
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_schema nightjar.source_schema;
BEGIN
    SELECT * INTO v_schema FROM nightjar.source_schema s WHERE s.source_id = p_source_id;
    IF v_schema.source_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: source "%" has no declared fields; call nightjar.define_fields(%, ARRAY[...]) first',
            nightjar._cut(p_source_name), nightjar._cut(quote_literal(p_source_name)) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_schema;
END $$;

-- define_validation_rule checks and upserts one validation rule of a source; returns its id.
CREATE FUNCTION nightjar.define_validation_rule(source text, name text, kind text, field text,
                                     params jsonb DEFAULT '{}', severity text DEFAULT 'error')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_source_id bigint := nightjar._source_id(source);
    v_fields text[];
    v_id bigint;
BEGIN
    v_fields := (nightjar._declared_schema(v_source_id, source)).fields;
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: rule name must match ^[a-z][a-z0-9_]{0,62}$, not %', nightjar._cut((coalesce(quote_literal(name), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind IS NULL OR field IS NULL OR severity IS NULL THEN
        RAISE EXCEPTION 'nightjar: rule %: kind, field and severity must not be NULL', nightjar._cut((name)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    params := coalesce(params, '{}');
    IF jsonb_typeof(params) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: rule %: params must be a JSON object, not %', nightjar._cut((name)::text), nightjar._cut((jsonb_typeof(params))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._check_rule(jsonb_build_object('name', name, 'kind', kind, 'field', field,
                                                    'params', params, 'severity', severity), v_fields);
    IF kind = 'reference' THEN
        PERFORM nightjar._reference_query(name, params);
    ELSIF kind = 'custom_sql' THEN
        PERFORM nightjar._custom_function(name, params);
    END IF;
    INSERT INTO nightjar.validation_rule AS r (source_id, name, kind, field, params, severity)
    VALUES (v_source_id, define_validation_rule.name, define_validation_rule.kind, define_validation_rule.field, params, define_validation_rule.severity)
    ON CONFLICT ON CONSTRAINT validation_rule_source_id_name_key DO UPDATE
        SET kind = excluded.kind, field = excluded.field, params = excluded.params, severity = excluded.severity
    RETURNING r.rule_id INTO v_id;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION nightjar.define_validation_rule(text, text, text, text, jsonb, text) IS
    'checks (C++ compile, catalog lookups) and upserts a validation rule of a source; returns its id';

-- drop_validation_rule removes a validation rule; false when there was none.
CREATE FUNCTION nightjar.drop_validation_rule(source text, name text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM nightjar.validation_rule r WHERE r.source_id = nightjar._source_id(source) AND r.name = drop_validation_rule.name;
    RETURN FOUND;
END $$;

-- Aliases: the 0.1 names, kept for existing callers (docs/rules.md, "Names").
CREATE FUNCTION nightjar.define_rule(source text, name text, kind text, field text,
                                     params jsonb DEFAULT '{}', severity text DEFAULT 'error') RETURNS bigint
LANGUAGE sql AS $$ SELECT nightjar.define_validation_rule(source, name, kind, field, params, severity) $$;
COMMENT ON FUNCTION nightjar.define_rule(text, text, text, text, jsonb, text) IS
    'alias of nightjar.define_validation_rule (its 0.1 name)';
CREATE FUNCTION nightjar.drop_rule(source text, name text) RETURNS boolean
LANGUAGE sql AS $$ SELECT nightjar.drop_validation_rule(source, name) $$;
COMMENT ON FUNCTION nightjar.drop_rule(text, text) IS 'alias of nightjar.drop_validation_rule (its 0.1 name)';

-- _valid_partition creates the source's partition of valid_record if missing; returns its name.
CREATE FUNCTION nightjar._valid_partition(p_source_id bigint, p_source text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_name text;
BEGIN
    PERFORM nightjar.ensure_storage();
    -- The partition whose bound holds this source, whatever it is called.
    SELECT c.relname INTO v_name
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'nightjar.valid_record'::regclass
      AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (''%s'')', p_source_id);
    IF v_name IS NOT NULL THEN
        RETURN v_name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('nightjar.valid_partition'), p_source_id::integer);
    v_name := left('valid_' || p_source, 63);
    IF to_regclass(format('nightjar.%I', v_name)) IS NOT NULL THEN
        -- Taken (by the partition of a dropped source of the same name, say): keep it apart.
        v_name := left('valid_' || p_source, 62 - length(p_source_id::text)) || '_' || p_source_id;
    END IF;
    -- The primary key (source_id, batch_id, record_no) is inherited from valid_record.
    EXECUTE format('CREATE TABLE nightjar.%I PARTITION OF nightjar.valid_record FOR VALUES IN (%L)',
                   v_name, p_source_id);
    RETURN v_name;
END $$;

-- _unique_probe returns the query a unique_existing rule on `field` runs per chunk: which
-- of the chunk's values ($1 text[]) the source's valid records of other batches ($2 is
-- this batch) already hold. It probes an expression index on the partition, created here
-- on first use (a build over the rows already there, once; after that one more index entry
-- per valid row of this source). Names come from the catalog and are quoted (%I, %L).
CREATE FUNCTION nightjar._unique_probe(p_partition text, p_field text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_index text := left(p_partition, 44) || '_' || substr(md5(p_field), 1, 12) || '_key';
BEGIN
    IF to_regclass(format('nightjar.%I', v_index)) IS NULL THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON nightjar.%I ((payload ->> %L))', v_index, p_partition, p_field);
    END IF;
    RETURN format('SELECT DISTINCT u.v FROM unnest($1::text[]) AS u(v) WHERE EXISTS '
                  '(SELECT 1 FROM nightjar.%I p WHERE (p.payload ->> %L) = u.v AND p.batch_id <> $2)',
                  p_partition, p_field);
END $$;

-- _validation_rules returns the rules of source p_source_id as the JSON array the core
-- compiles (core/rules/rule_set.hpp): value sets of reference rules loaded, the probe of
-- unique_existing rules built on p_partition (the source's valid_record partition), custom
-- functions resolved. It locks the rules FOR KEY SHARE: a rule cannot be dropped while its
-- quarantine rows are being written (quarantine.rule_id stays true; see nightjar._rule_deleted).
CREATE FUNCTION nightjar._validation_rules(p_source_id bigint, p_partition text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_rules jsonb := '[]';
    v_item jsonb;
    v_values jsonb;
    r nightjar.validation_rule;
BEGIN
    FOR r IN SELECT * FROM nightjar.validation_rule x WHERE x.source_id = p_source_id ORDER BY x.rule_id
             FOR KEY SHARE LOOP
        v_item := jsonb_build_object('rule_id', r.rule_id, 'name', r.name, 'kind', r.kind, 'field', r.field,
                                     'params', r.params, 'severity', r.severity);
        IF r.kind = 'reference' THEN
            EXECUTE format('SELECT coalesce(jsonb_agg(v), ''[]'') FROM (%s) x(v)', nightjar._reference_query(r.name, r.params))
                INTO v_values;
            v_item := v_item || jsonb_build_object('values', v_values);
        ELSIF r.kind = 'unique_existing' THEN
            -- Not the source's history: a query C++ runs per chunk with the chunk's values.
            v_item := v_item || jsonb_build_object('probe', nightjar._unique_probe(p_partition, r.field));
        ELSIF r.kind = 'custom_sql' THEN
            v_item := v_item || jsonb_build_object('function_oid', nightjar._custom_function(r.name, r.params)::bigint);
        END IF;
        v_rules := v_rules || jsonb_build_array(v_item);
    END LOOP;

    RETURN v_rules;
END $$;

-- validate_batch validates one batch: valid rows to the source's valid table, failures to
-- quarantine, per-rule counts. It emits nothing (the step protocol): its result carries the
-- payload a dispatcher passes on (batch.validated, docs/events.md), null when refused.
CREATE FUNCTION nightjar.validate_batch(batch_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_batch_id bigint := validate_batch.batch_id;
    v_source nightjar.source;
    v_schema nightjar.source_schema;
    v_rules jsonb;
    v_result jsonb;
    v_partition text;
BEGIN
    PERFORM nightjar.ensure_storage();  -- the bulk tables are not the extension's (06_storage.sql)
    v_source := nightjar._batch_source(v_batch_id);
    v_schema := nightjar._declared_schema(v_source.source_id, v_source.name);
    -- Two validations of the same batch at once would both delete, then collide on the
    -- primary key: the second waits for the first and then replaces its results.
    PERFORM nightjar._lock_batch_validation(v_batch_id);
    v_partition := nightjar._valid_partition(v_source.source_id, v_source.name);
    -- Idempotent: a retry replaces what an earlier run of this batch wrote.
    DELETE FROM nightjar.valid_record v WHERE v.source_id = v_source.source_id AND v.batch_id = v_batch_id;
    DELETE FROM nightjar.quarantine q WHERE q.batch_id = v_batch_id AND q.source_id = v_source.source_id;

    v_rules := nightjar._validation_rules(v_source.source_id, v_partition);
    v_result := nightjar._validate_records(v_batch_id, v_source.source_id, v_schema.fields, v_rules,
                                           format('nightjar.%I', v_partition)::regclass);
    IF v_schema.all_or_nothing AND (v_result ->> 'rejected')::bigint > 0 THEN
        -- Refused whole: retrying will not fix the data, so this is a success with no rows out.
        DELETE FROM nightjar.valid_record v WHERE v.source_id = v_source.source_id AND v.batch_id = v_batch_id;
        -- Nothing to pass on: "payload": null stops the chain here.
        RETURN v_result || jsonb_build_object('rows_out', 0, 'refused', true, 'payload', NULL);
    END IF;
    RETURN v_result || jsonb_build_object(
        'refused', false,
        'payload', jsonb_build_object('batch_id', v_batch_id, 'source', v_source.name, 'source_id', v_source.source_id,
                                      'valid', v_result -> 'rows_out', 'rejected', v_result -> 'rejected'));
END $$;
COMMENT ON FUNCTION nightjar.validate_batch(bigint) IS
    'validates a batch with its source''s rules (C++): valid rows to nightjar.valid_<source>, failures to quarantine; '
    'emits nothing; returns rows_in, rows_out, rejected, warnings, counts per rule, refused, and the payload '
    'a step declared with emits => ''batch.validated'' passes on (null when refused)';

-- _event_batch_id returns the "batch_id" of a batch step's event payload, or raises 22023
-- naming the step and what it got (the payload cut to 200 characters).
CREATE FUNCTION nightjar._event_batch_id(event jsonb, step text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF event IS NULL OR jsonb_typeof(event -> 'batch_id') IS DISTINCT FROM 'number' THEN
        RAISE EXCEPTION 'nightjar: % needs an integer "batch_id" in the event payload, got %',
            step, coalesce(left(event::text, 200), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (event ->> 'batch_id')::bigint;
END $$;

-- validate_step is validate_batch as a pipeline step: fn(event payload jsonb) → jsonb.
-- Declare it with emits => 'batch.validated' (docs/events.md).
CREATE FUNCTION nightjar.validate_step(event jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT nightjar.validate_batch(nightjar._event_batch_id(event, 'validate_step'))
$$;
