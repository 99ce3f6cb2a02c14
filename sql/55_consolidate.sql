-- 55_consolidate.sql: consolidation's catalog and storage (docs/consolidation.md).
--
-- After entity resolution (50_resolve.sql) has put every record of a resolution into a
-- cluster (nightjar.entity_member, whose ids are renumbered by every run),
-- nightjar.consolidate (56_consolidate_run.sql) keeps entities with stable ids,
-- records every merge, split and retirement, and builds one golden record per entity
-- with the provenance of each field. Reviewers' decisions (57_consolidate_review.sql)
-- and manual corrections are kept here and survive every run.
--
-- The catalog (nightjar.consolidation: one survivorship config per resolution) belongs
-- to the extension. Everything else is data outside it (06_storage.sql), created by
-- nightjar._storage_consolidate(): entities, their records and events, golden records
-- and provenance, and the people's work — corrections, suggestions and link
-- constraints — which must survive DROP EXTENSION as much as the records do. The
-- webapp's views (nightjar_api.golden_record, nightjar_api.entity_field_source,
-- nightjar_api.entity_redirect, nightjar_api.suggestion) are created with the tables,
-- since a view cannot precede its tables.

CREATE TABLE nightjar.consolidation (
    resolution        text PRIMARY KEY,  -- nightjar.resolution.name
    survivorship      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(survivorship) = 'object'),
    updated_at_column text,              -- column of the inputs telling a record's age (NULL: none)
    columns           jsonb,             -- {source: {field: column}}: more golden fields than resolution's
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    consolidated_at   timestamptz,       -- end of the last nightjar.consolidate
    last_result       jsonb              -- what it returned
);
COMMENT ON TABLE nightjar.consolidation IS
    'survivorship configuration of each resolution (nightjar.define_consolidation); a resolution without a row '
    'is consolidated with the defaults (parent most_complete, fields first_non_empty)';
SELECT pg_catalog.pg_extension_config_dump('nightjar.consolidation', '');

-- _resolution_consolidated refuses to delete a resolution (nightjar.drop_resolution) that
-- has a consolidation config, entities or review decisions: they would be left pointing
-- at nothing, and people's work (corrections, decisions) must go on purpose only, through
-- nightjar.drop_consolidation.
CREATE FUNCTION nightjar._resolution_consolidated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM nightjar.consolidation c WHERE c.resolution = OLD.name)
       OR (to_regclass('nightjar.entity') IS NOT NULL
           AND EXISTS (SELECT 1 FROM nightjar.entity e WHERE e.resolution = OLD.name))
       OR (to_regclass('nightjar.link_constraint') IS NOT NULL
           AND EXISTS (SELECT 1 FROM nightjar.link_constraint l WHERE l.resolution = OLD.name)) THEN
        RAISE EXCEPTION 'nightjar: resolution % is consolidated: drop_consolidation(%) first (it removes its entities, golden records, corrections and review decisions)',
            '"' || nightjar._cut(OLD.name) || '"', quote_literal(nightjar._cut(OLD.name))
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER consolidated BEFORE DELETE ON nightjar.resolution
    FOR EACH ROW EXECUTE FUNCTION nightjar._resolution_consolidated();

CREATE FUNCTION nightjar._check_survivorship(config jsonb) RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nightjar_check_survivorship';
COMMENT ON FUNCTION nightjar._check_survivorship(jsonb) IS
    'compiles a survivorship config in C++ and returns true, or raises 22023 naming the field at fault';

CREATE FUNCTION nightjar._golden_record(config jsonb, records jsonb, corrections jsonb) RETURNS jsonb
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nightjar_golden_record';
COMMENT ON FUNCTION nightjar._golden_record(jsonb, jsonb, jsonb) IS
    'one entity''s golden record (C++ survivorship): records [{source, key, updated_at, fields}], corrections '
    '{field: value} -> {parent, fields, provenance: [{field, source, key, rule[, function, candidates]}]}';

CREATE FUNCTION nightjar._stable_ids(prior_ids bigint[], prior_created bigint[], record_prior bigint[],
                                     record_cluster bigint[], must_a bigint[], must_b bigint[],
                                     cannot_a bigint[], cannot_b bigint[]) RETURNS jsonb
LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_stable_ids';
COMMENT ON FUNCTION nightjar._stable_ids(bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[]) IS
    'C++ id assignment: applies must/cannot links to tonight''s clusters, maps them onto the prior entities '
    '(unchanged keeps its id, merge keeps the oldest, split leaves the id with the largest part) and returns '
    'record entities, created/changed/merged/retired ids and events';

-- define_consolidation checks and stores the survivorship config of a resolution.
CREATE FUNCTION nightjar.define_consolidation(resolution text, survivorship jsonb DEFAULT '{}',
                                              updated_at_column text DEFAULT NULL, columns jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF resolution IS NULL OR NOT EXISTS (SELECT 1 FROM nightjar.resolution r WHERE r.name = define_consolidation.resolution) THEN
        RAISE EXCEPTION 'nightjar: no resolution named %', coalesce(quote_literal(left(resolution, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'define it first with nightjar.define_resolution(name, config)';
    END IF;
    IF survivorship IS NULL OR jsonb_typeof(survivorship) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: consolidation "%": survivorship must be a JSON object, not %',
            nightjar._cut((resolution)::text), nightjar._cut((coalesce(jsonb_typeof(survivorship), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF columns IS NOT NULL AND (jsonb_typeof(columns) <> 'object'
                                OR EXISTS (SELECT 1 FROM jsonb_each(columns) e WHERE jsonb_typeof(e.value) <> 'object'
                                           OR EXISTS (SELECT 1 FROM jsonb_each(e.value) m WHERE jsonb_typeof(m.value) <> 'string'))) THEN
        RAISE EXCEPTION 'nightjar: consolidation "%": columns must map each source to {field: column}, not %',
            nightjar._cut((resolution)::text), left(columns::text, 64) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._check_survivorship(survivorship);
    PERFORM nightjar._survivorship_functions(survivorship);
    INSERT INTO nightjar.consolidation AS c (resolution, survivorship, updated_at_column, columns)
    VALUES (define_consolidation.resolution, define_consolidation.survivorship, define_consolidation.updated_at_column,
            define_consolidation.columns)
    ON CONFLICT ON CONSTRAINT consolidation_pkey DO UPDATE
        SET survivorship = EXCLUDED.survivorship, updated_at_column = EXCLUDED.updated_at_column,
            columns = EXCLUDED.columns, updated_at = now();
END $$;
COMMENT ON FUNCTION nightjar.define_consolidation(text, jsonb, text, jsonb) IS
    'stores the survivorship config of a resolution (parent rule, default and per-field rules, checked in C++; '
    'custom functions must exist), the column telling a record''s age, and more columns to rename per source '
    '({source: {field: column}}) beside the resolution''s own';

-- _survivorship_functions resolves the "function" of every custom field rule to a
-- function taking jsonb and returning jsonb; raises 42883 naming the field otherwise.
CREATE FUNCTION nightjar._survivorship_functions(survivorship jsonb)
RETURNS TABLE (field text, fn regprocedure)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT e.key AS field, e.value ->> 'function' AS name
        FROM jsonb_each(coalesce(survivorship -> 'fields', '{}')) AS e
        WHERE jsonb_typeof(e.value) = 'object' AND e.value ->> 'rule' = 'custom'
        UNION ALL
        SELECT NULL, survivorship -> 'default' ->> 'function'
        WHERE survivorship -> 'default' ->> 'rule' = 'custom'
    LOOP
        field := f.field;
        fn := to_regprocedure(f.name || '(jsonb)');
        IF fn IS NULL OR (SELECT prorettype FROM pg_catalog.pg_proc WHERE oid = fn) <> 'jsonb'::regtype THEN
            RAISE EXCEPTION 'nightjar: survivorship field "%": custom function %(jsonb) returning jsonb does not exist',
                coalesce(f.field, '(default)'), left(f.name, 64) USING ERRCODE = 'undefined_function';
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- _storage_consolidate creates the consolidation tables and the webapp's views if missing.
CREATE FUNCTION nightjar._storage_consolidate() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('entity', 'entity_record', 'entity_event', 'golden_record',
                                     'entity_field_source', 'entity_correction', 'suggestion',
                                     'link_constraint')
       AND to_regclass('nightjar_api.golden_record') IS NOT NULL THEN
        RETURN;
    END IF;
    IF to_regclass('nightjar.entity') IS NULL THEN
        -- Stable entities. The id survives re-runs (docs/consolidation.md, "Id stability");
        -- an entity absorbed by a merge stays, status 'merged', with merged_into.
        CREATE TABLE nightjar.entity (
            entity_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            resolution  text NOT NULL,
            status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'retired')),
            merged_into bigint,
            size        integer NOT NULL DEFAULT 0,  -- records while active
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now(),
            CHECK ((status = 'merged') = (merged_into IS NOT NULL))
        );
        CREATE INDEX entity_resolution_status_idx ON nightjar.entity (resolution, status);
        COMMENT ON TABLE nightjar.entity IS 'stable entities of each resolution (nightjar.consolidate). Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('entity');
    END IF;
    IF to_regclass('nightjar.entity_record') IS NULL THEN
        -- The records of each stable entity as of the last consolidation: tomorrow's "prior".
        CREATE TABLE nightjar.entity_record (
            resolution text NOT NULL,
            source     text NOT NULL,
            key        text NOT NULL,
            entity_id  bigint NOT NULL,
            digest     bigint,  -- hash of the record's fields and age: a changed record re-runs survivorship
            PRIMARY KEY (resolution, source, key)
        );
        CREATE INDEX entity_record_entity_idx ON nightjar.entity_record (entity_id);
        COMMENT ON TABLE nightjar.entity_record IS 'the records of each stable entity at the last consolidation. Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('entity_record');
    END IF;
    IF to_regclass('nightjar.entity_event') IS NULL THEN
        -- What happened to entities, with the reason: created, merged (other = survivor),
        -- split (other = where the part went), retired, member_added / member_removed
        -- (source, key = the record).
        CREATE TABLE nightjar.entity_event (
            event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            resolution   text NOT NULL,
            entity_id    bigint NOT NULL,
            kind         text NOT NULL CHECK (kind IN ('created', 'merged', 'split', 'retired',
                                                       'member_added', 'member_removed')),
            other_entity bigint,
            source       text,
            key          text,
            reason       text NOT NULL,
            at           timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX entity_event_entity_idx ON nightjar.entity_event (entity_id, at);
        CREATE INDEX entity_event_other_idx ON nightjar.entity_event (other_entity) WHERE other_entity IS NOT NULL;
        COMMENT ON TABLE nightjar.entity_event IS 'merges, splits, creations, retirements and member changes of entities, with reasons. Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('entity_event');
    END IF;
    IF to_regclass('nightjar.golden_record') IS NULL THEN
        CREATE TABLE nightjar.golden_record (
            entity_id     bigint PRIMARY KEY,
            resolution    text NOT NULL,
            parent_source text,  -- NULL: synthetic parent
            parent_key    text,
            fields        jsonb NOT NULL,
            stale         boolean NOT NULL DEFAULT false,  -- a correction was removed: recompute next run
            updated_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX golden_record_resolution_idx ON nightjar.golden_record (resolution);
        COMMENT ON TABLE nightjar.golden_record IS 'one golden record per active entity, each field chosen by survivorship. Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('golden_record');
    END IF;
    IF to_regclass('nightjar.entity_field_source') IS NULL THEN
        -- Where each golden field came from: the record (source, key; NULL for a manual
        -- correction, a custom function's own value or a field no record fills) and the rule.
        CREATE TABLE nightjar.entity_field_source (
            entity_id bigint NOT NULL,
            field     text NOT NULL,
            source    text,
            key       text,
            rule      text NOT NULL,
            PRIMARY KEY (entity_id, field)
        );
        COMMENT ON TABLE nightjar.entity_field_source IS 'provenance of every golden field: record and rule. Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('entity_field_source');
    END IF;
    IF to_regclass('nightjar.entity_correction') IS NULL THEN
        -- Manual corrections ("contribution manuelle"): win over every rule and survive runs.
        CREATE TABLE nightjar.entity_correction (
            entity_id bigint NOT NULL,
            field     text NOT NULL,
            value     jsonb NOT NULL,
            who       text NOT NULL DEFAULT current_user,
            at        timestamptz NOT NULL DEFAULT now(),
            note      text,
            PRIMARY KEY (entity_id, field)
        );
        COMMENT ON TABLE nightjar.entity_correction IS 'manual corrections of golden fields, with who and when (nightjar.correct_entity). Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('entity_correction');
    END IF;
    IF to_regclass('nightjar.suggestion') IS NULL THEN
        -- Proposed merges (a review-band pair), splits (undoing a merge of a corrected
        -- entity) and enrichments (a field's value from reference data) waiting for a person.
        -- Merges and splits name two records; an enrichment names entity_a, field and value.
        CREATE TABLE nightjar.suggestion (
            suggestion_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            resolution    text NOT NULL,
            kind          text NOT NULL CHECK (kind IN ('merge', 'split', 'enrich')),
            source_a      text,
            key_a         text,
            source_b      text,
            key_b         text,
            entity_a      bigint,
            entity_b      bigint,
            field         text,
            value         jsonb,
            probability   real,
            evidence      jsonb NOT NULL DEFAULT '{}',  -- merge: {field: comparison level}; enrich: the reference row
            reason        text NOT NULL,
            status        text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'accepted', 'rejected', 'obsolete')),
            created_at    timestamptz NOT NULL DEFAULT now(),
            decided_at    timestamptz,
            decided_by    text,
            CHECK (CASE WHEN kind = 'enrich' THEN entity_a IS NOT NULL AND field IS NOT NULL AND value IS NOT NULL
                        ELSE source_a IS NOT NULL AND key_a IS NOT NULL AND source_b IS NOT NULL AND key_b IS NOT NULL END)
        );
        CREATE UNIQUE INDEX suggestion_pending_pair_idx ON nightjar.suggestion (resolution, source_a, key_a, source_b, key_b)
            WHERE status = 'pending' AND kind <> 'enrich';
        CREATE UNIQUE INDEX suggestion_pending_enrich_idx ON nightjar.suggestion (entity_a, field)
            WHERE status = 'pending' AND kind = 'enrich';
        COMMENT ON TABLE nightjar.suggestion IS 'merges and splits proposed for review (nightjar.accept_suggestion / reject_suggestion). Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('suggestion');
    END IF;
    IF to_regclass('nightjar.link_constraint') IS NULL THEN
        -- Reviewers' decisions as constraints on records, (source_a, key_a) < (source_b, key_b):
        -- must_link (same entity) or cannot_link (different entities). The latest decision
        -- on a pair replaces the earlier one.
        CREATE TABLE nightjar.link_constraint (
            resolution    text NOT NULL,
            source_a      text NOT NULL,
            key_a         text NOT NULL,
            source_b      text NOT NULL,
            key_b         text NOT NULL,
            kind          text NOT NULL CHECK (kind IN ('must_link', 'cannot_link')),
            suggestion_id bigint,
            decided_by    text NOT NULL DEFAULT current_user,
            decided_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (resolution, source_a, key_a, source_b, key_b),
            CHECK ((source_a, key_a) < (source_b, key_b))
        );
        COMMENT ON TABLE nightjar.link_constraint IS 'must-link / cannot-link decisions on record pairs, honoured by every later consolidation. Bulk data: not a member of the extension (nightjar._storage_consolidate)';
        PERFORM nightjar._storage_guard_on('link_constraint');
    END IF;
    -- The webapp's views (read through postgres_fdw, IMPORT FOREIGN SCHEMA nightjar_api).
    IF to_regclass('nightjar_api.golden_record') IS NULL THEN
        CREATE VIEW nightjar_api.golden_record AS
        SELECT g.entity_id, g.resolution, g.fields, g.parent_source, g.parent_key, e.size, e.created_at, g.updated_at
        FROM nightjar.golden_record g JOIN nightjar.entity e USING (entity_id)
        WHERE e.status = 'active';
        COMMENT ON VIEW nightjar_api.golden_record IS 'one row per active entity: its golden fields (jsonb) and parent record';
    END IF;
    IF to_regclass('nightjar_api.entity_field_source') IS NULL THEN
        CREATE VIEW nightjar_api.entity_field_source AS
        SELECT entity_id, field, source, key, rule FROM nightjar.entity_field_source;
        COMMENT ON VIEW nightjar_api.entity_field_source IS 'where each golden field came from (record and rule)';
    END IF;
    IF to_regclass('nightjar_api.entity_redirect') IS NULL THEN
        -- Follows merged_into chains (a merged entity's survivor may have merged since).
        CREATE VIEW nightjar_api.entity_redirect AS
        WITH RECURSIVE chain (entity_id, current_id, depth) AS (
            SELECT entity_id, merged_into, 1 FROM nightjar.entity WHERE status = 'merged'
            UNION ALL
            SELECT c.entity_id, e.merged_into, c.depth + 1
            FROM chain c JOIN nightjar.entity e ON e.entity_id = c.current_id
            WHERE e.status = 'merged' AND c.depth < 100
        )
        SELECT DISTINCT ON (c.entity_id) c.entity_id, c.current_id, e.status AS current_status
        FROM chain c JOIN nightjar.entity e ON e.entity_id = c.current_id
        ORDER BY c.entity_id, c.depth DESC;
        COMMENT ON VIEW nightjar_api.entity_redirect IS 'where a merged entity id now lives (the end of its merged_into chain)';
    END IF;
    IF to_regclass('nightjar_api.suggestion') IS NULL THEN
        CREATE VIEW nightjar_api.suggestion AS
        SELECT suggestion_id, resolution, kind, source_a, key_a, source_b, key_b, entity_a, entity_b,
               probability, evidence, reason, created_at, field, value  -- columns only ever added at the end
        FROM nightjar.suggestion WHERE status = 'pending';
        COMMENT ON VIEW nightjar_api.suggestion IS 'suggestions waiting for review';
    END IF;
END $$;
