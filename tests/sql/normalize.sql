-- normalize.sql: the normalisation step. Analyst transform functions (examples, NULL in,
-- hostile text), define_normalization_rules errors (SQLSTATE 22023 and message),
-- normalize_batch on valid_record rows inserted here (clean_record contents, counts,
-- last duplicate wins, upsert across batches, an older batch never overwrites a newer
-- one, idempotent retry), normalize_step, and the step run by the engine.
-- Everything runs in one rolled-back transaction except the engine part: CALL
-- nightjar.dispatch() commits, so it runs first, in a second session through dblink, on
-- objects named t_norm_eng / norm_tap, removed before and after.
BEGIN;
SELECT plan(61);
SET LOCAL client_min_messages = warning;

-- ---- the step through the engine (second session, committed) -----------------------
-- First, before this transaction locks anything the other session needs: creating and
-- dropping the valid_record partition takes an exclusive lock on valid_record.
CREATE FUNCTION pg_temp.connstr() RETURNS text LANGUAGE sql AS $$
    SELECT format('dbname=%s port=%s host=%s user=%s', quote_ident(current_database()), current_setting('port'),
                  coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), 'localhost'),
                  current_user);
$$;
SELECT dblink_connect('norm_eng', pg_temp.connstr()) \g /dev/null
\set cleanup 'DO $do$ BEGIN PERFORM nightjar.drop_pipeline(''norm_tap''); DELETE FROM nightjar.clean_record WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name = ''t_norm_eng''); DROP TABLE IF EXISTS nightjar.valid_t_norm_eng; DELETE FROM nightjar.batch WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name = ''t_norm_eng''); DELETE FROM nightjar.source WHERE name = ''t_norm_eng''; END $do$'
SELECT dblink_exec('norm_eng', :'cleanup') \g /dev/null
SELECT dblink_exec('norm_eng', $$ DO $do$ BEGIN
    INSERT INTO nightjar.source (name, kind) VALUES ('t_norm_eng', 'sql');
    INSERT INTO nightjar.batch (source_id, status) SELECT source_id, 'staged' FROM nightjar.source WHERE name = 't_norm_eng';
    PERFORM nightjar._valid_partition(source_id, name) FROM nightjar.source WHERE name = 't_norm_eng';
    INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload)
    SELECT b.source_id, b.batch_id, g, jsonb_build_object('id', g, 'email', 'User' || g || '@Example.org')
    FROM nightjar.batch b JOIN nightjar.source s USING (source_id), generate_series(1, 3) g WHERE s.name = 't_norm_eng';
    PERFORM nightjar.define_normalization_rules('t_norm_eng', '[{"kind": "transform", "field": "email", "function": "clean_email"},
                                                          {"kind": "record_id", "source_code": "eng", "id_field": "id"}]');
    PERFORM nightjar.define_pipeline('norm_tap');
    PERFORM nightjar.define_step('norm_tap', 'normalize', 'nightjar.normalize_step(jsonb)', 'batch.validated',
                                 emits => 'batch.normalized');
    PERFORM nightjar.emit('batch.validated', jsonb_build_object('batch_id', b.batch_id, 'source', 't_norm_eng',
                                                                'source_id', b.source_id))
    FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_norm_eng';
END $do$ $$) \g /dev/null
SELECT * FROM dblink('norm_eng', 'CALL nightjar.dispatch(pipeline => ''norm_tap'')') AS d(steps_run integer) \g /dev/null
-- pg_cron's dispatcher may have taken the item first: wait until it is done (up to 20 s).
DO $$
BEGIN
    FOR i IN 1..200 LOOP
        EXIT WHEN NOT EXISTS (SELECT 1 FROM nightjar.step_task t JOIN nightjar.step s USING (step_id)
                              JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'norm_tap' AND t.status = 'pending');
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT is((SELECT row(sr.status, sr.rows_in, sr.rows_out)::text FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'norm_tap' ORDER BY sr.step_run_id DESC LIMIT 1),
          '(succeeded,3,3)', 'the engine runs normalize_step on batch.validated');
SELECT is((SELECT array_agg(c.payload ->> 'email' ORDER BY c.record_id) FROM nightjar.clean_record c
           JOIN nightjar.source s USING (source_id) WHERE s.name = 't_norm_eng'),
          ARRAY['user1@example.org', 'user2@example.org', 'user3@example.org'], 'and its clean records are committed');
SELECT is((SELECT count(*) FROM nightjar.event e JOIN nightjar.source s ON e.payload ->> 'source_id' = s.source_id::text
           WHERE e.topic = 'batch.normalized' AND s.name = 't_norm_eng'),
          1::bigint, 'the dispatcher emitted batch.normalized once, on the step''s declared topic');
SELECT dblink_exec('norm_eng', :'cleanup') \g /dev/null
SELECT dblink_disconnect('norm_eng') \g /dev/null

-- ---- analyst functions -------------------------------------------------------------
SELECT is(nightjar.unaccent('Éléonore, cœur d''Ænée, Straße'), 'Eleonore, coeur d''AEnee, Strasse', 'unaccent: marks and ligatures');
SELECT is(nightjar.collapse_spaces(E'  rue \t de\u00a0la   Paix  '), 'rue de la Paix', 'collapse_spaces: runs incl. NBSP');
SELECT is(nightjar.clean_phone('(0)1.23.45.67.89'), '+33123456789', 'clean_phone: French national to E.164');
SELECT is(nightjar.clean_phone('0033 1 23 45 67 89'), '+33123456789', 'clean_phone: 00 prefix');
SELECT is(nightjar.clean_phone('02 555 12 12', 'BE'), '+3225551212', 'clean_phone: another default country');
SELECT throws_ok($$SELECT nightjar.clean_phone('01', 'ZZ')$$, '22023',
                 'nightjar: clean_phone: unknown default_country "ZZ" (known: FR, BE, CH, LU, DE, ES, IT, GB, NL)',
                 'clean_phone: unknown country is invalid_parameter_value');
SELECT is(nightjar.clean_email(' Mailto:Jean.Dupont@Example.FR '), 'jean.dupont@example.fr', 'clean_email');
SELECT is(nightjar.clean_email('jean@example'), NULL, 'clean_email: no dot in the domain');
SELECT is(nightjar.clean_url('WWW.Example.com:443/'), 'https://www.example.com', 'clean_url: scheme, host, port, slash');
SELECT is(nightjar.clean_siren('732 829 320'), '732829320', 'clean_siren: Luhn valid');
SELECT is(nightjar.clean_siren('732829321'), NULL, 'clean_siren: Luhn invalid');
SELECT is(nightjar.clean_siret('732.829.320.00074'), '73282932000074', 'clean_siret: Luhn valid');
SELECT is(nightjar.clean_siret('35600000049837'), '35600000049837', 'clean_siret: La Poste digit-sum exception');
SELECT is(nightjar.clean_siret('73282932000075'), NULL, 'clean_siret: invalid');
SELECT is(nightjar.clean_postcode('1000'), '01000', 'clean_postcode: 4 digits padded');
SELECT is(nightjar.clean_postcode('2A004'), NULL, 'clean_postcode: Corsican INSEE code refused');
SELECT is(nightjar.parse_decimal_fr(E'-1\u202f234,50'), -1234.50::numeric, 'parse_decimal_fr: narrow NBSP groups');
SELECT is(nightjar.parse_date_fr('1er janvier 2026'), date '2026-01-01', 'parse_date_fr: written form');
SELECT is(nightjar.parse_date_fr('30/02/2024'), NULL, 'parse_date_fr: no such day');
SELECT is((SELECT row(a.street, a.postcode, a.city)::text FROM nightjar.split_address('12, rue de la Paix, 75002 PARIS') a),
          '("12, rue de la Paix",75002,PARIS)', 'split_address');
SELECT is(nightjar.make_point('48,8566', '2.3522')::text, '(2.3522,48.8566)', 'make_point: (lon,lat)');
SELECT is(nightjar.record_key('Région Île-de-France', ' 42 '), 'region_ile_de_france_42', 'record_key');
SELECT is(nightjar.transform('map', 'mme', '{"values": {"Mme": "F"}, "case_insensitive": true}'), 'F', 'transform: map');
SELECT throws_ok($$SELECT nightjar.transform('clean_sirett', '1')$$, '22023', 'nightjar: unknown transform "clean_sirett"',
                 'transform: unknown name');
SELECT ok(nightjar.clean_siret(NULL) IS NULL AND nightjar.unaccent(NULL) IS NULL AND nightjar.parse_date_fr(NULL) IS NULL
          AND nightjar.transform('trim', NULL) IS NULL AND nightjar.split_address(NULL) IS NULL, 'NULL in, NULL out');
SELECT ok(nightjar.unaccent($$'; DROP TABLE x; --$$) = $$'; DROP TABLE x; --$$
          AND nightjar.clean_email($$'; DROP TABLE x; --$$) IS NULL
          AND nightjar.clean_siret($$1' OR '1'='1$$) IS NULL
          AND nightjar.transform('trim', E' \\u0000 ') = '\u0000', 'hostile text is just text');
SELECT is(length(nightjar.collapse_spaces(repeat('é  ', 350000))), 699999, '1 MB value');

-- ---- define_normalization_rules ----------------------------------------------------------
INSERT INTO nightjar.source (name, kind) VALUES ('t_norm', 'sql');
SELECT source_id AS sid FROM nightjar.source WHERE name = 't_norm' \gset
SELECT nightjar.define_fields('t_norm', ARRAY['code', 'raison_sociale', 'siret', 'tel', 'cp', 'montant', 'date',
                                              'adresse', 'lat', 'lon', 'junk']);
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '{"kind": "drop"}')$$, '22023',
                 'nightjar: normalisation rules of source "t_norm" must be a JSON array of rule objects, not object',
                 'rules must be an array');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '[{"kind": "record_id", "source_code": "t", "id_field": "code"},
                   {"kind": "transform", "field": "siret", "function": "clean_sirett"}]')$$, '22023',
                 'nightjar: normalisation rules of source "t_norm": rule 2 (transform): unknown transform "clean_sirett"',
                 'unknown transform, with the rule position');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '[{"kind": "rename", "from": "siret", "to": "code"}]')$$,
                 '22023', 'nightjar: normalisation rules of source "t_norm": rule 1 (rename): "code" is already a field of the source',
                 'rename onto a declared field');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '[{"kind": "drop", "fields": ["junk"]}]')$$, '22023',
                 'nightjar: normalisation rules of source "t_norm": a record_id rule is required (how else would records be keyed?)',
                 'record_id rule required');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '[{"kind": "record_id", "source_code": "t", "id_field": "code"},
                   {"kind": "transform", "field": "tel", "function": "clean_phone", "params": {"default_country": 33}}]')$$,
                 '22023', 'nightjar: normalisation rules of source "t_norm": rule 2 (transform): clean_phone: default_country must be a string, not number',
                 'parameter of the wrong type');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_norm', '[{"kind": "record_id", "source_code": "t", "id_field": "code"},
                   {"kind": "transform", "field": "telephone", "function": "clean_phone"}]')$$,
                 '22023', 'nightjar: normalisation rules of source "t_norm": rule 2 (transform): "telephone" is not a field of the records at this point (rules apply in the order rename, transform, constant, multi, drop, record_id)',
                 'a misspelt field is refused, not skipped on every record');
SELECT throws_ok($$SELECT nightjar.define_normalization_rules('t_nope', '[]')$$, '22023', 'nightjar: source "t_nope" does not exist',
                 'unknown source');
INSERT INTO nightjar.batch (source_id, status) VALUES (:sid, 'staged') RETURNING batch_id AS b1 \gset
SELECT throws_ok(format('SELECT nightjar.normalize_batch(%s)', :b1), '22023', 'nightjar: source "t_norm" has no normalisation rules',
                 'a source without rules is an error, not a pass-through');

\set rules '[{"kind": "record_id", "source_code": "T Norm", "id_field": "code"}, {"kind": "drop", "fields": ["junk", "adresse", "lat", "lon"]}, {"kind": "multi", "function": "split_address", "inputs": ["adresse"], "outputs": ["street", "postcode_addr", "city"]}, {"kind": "multi", "function": "point", "inputs": ["lat", "lon"], "outputs": ["geo"]}, {"kind": "constant", "field": "country", "value": "FR"}, {"kind": "transform", "field": "name", "function": "collapse_spaces"}, {"kind": "transform", "field": "siret", "function": "clean_siret"}, {"kind": "transform", "field": "tel", "function": "clean_phone", "into": "phone"}, {"kind": "transform", "field": "cp", "function": "clean_postcode"}, {"kind": "transform", "field": "montant", "function": "parse_decimal_fr"}, {"kind": "transform", "field": "date", "function": "parse_date_fr"}, {"kind": "rename", "from": "raison_sociale", "to": "name"}]'
SELECT is(nightjar.define_normalization_rules('t_norm', :'rules'), 12, 'define_normalization_rules returns the number of rules');
SELECT is(nightjar.normalization_rules('t_norm'), :'rules'::jsonb, 'the rules read back as defined');
SELECT is(nightjar.define_normalization('t_norm', :'rules'), 12, 'define_normalization (0.1 name) is an alias');
SELECT is(nightjar.normalization_rules('t_norm'), :'rules'::jsonb, 'and defines the same rules');

-- ---- normalize_batch ----------------------------------------------------------------
SELECT nightjar._valid_partition(:sid, 't_norm') \g /dev/null
INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload) VALUES
 (:sid, :b1, 1, '{"code": "A1", "raison_sociale": "  Café   de la Gare ", "siret": "732 829 320 00074", "tel": "01 23 45 67 89",
                 "cp": 1000, "montant": "1 234,50", "date": "23/11/2026", "adresse": "12, rue de la Paix, 75002 PARIS",
                 "lat": "48,86", "lon": 2.33, "junk": "x"}'),
 (:sid, :b1, 2, '{"code": "A2", "raison_sociale": "B", "siret": "123", "tel": "n/a", "cp": "2A004", "montant": "beaucoup",
                 "date": "30/02/2024", "adresse": "nowhere", "lat": "91", "lon": "0"}'),
 (:sid, :b1, 3, '{"code": null, "raison_sociale": "no id"}'),
 (:sid, :b1, 4, '{"code": "A1", "raison_sociale": "Second", "siret": "732 829 320 00074", "tel": "01 23 45 67 89",
                 "cp": 1000, "montant": "1 234,50", "date": "23/11/2026", "adresse": "12, rue de la Paix, 75002 PARIS",
                 "lat": "48,86", "lon": 2.33, "junk": "x"}'),
 (:sid, :b1, 5, '{"code": " A3 ", "raison_sociale": "''; DROP TABLE x; --"}');
SELECT nightjar.normalize_batch(:b1) AS r1 \gset
SELECT is(:'r1'::jsonb, '{"rows_in": 5, "rows_out": 3, "counts": {"no_id": 1, "duplicate_ids": 1,
          "collapse_spaces_nulled": 0, "clean_siret_nulled": 1, "clean_phone_nulled": 1, "clean_postcode_nulled": 1,
          "parse_decimal_fr_nulled": 1, "parse_date_fr_nulled": 1, "split_address_nulled": 1, "point_nulled": 1}}'::jsonb
          || jsonb_build_object('payload', jsonb_build_object('batch_id', :b1, 'source', 't_norm', 'source_id', :sid)),
          'normalize_batch: rows, counts and the payload to pass on');
SELECT is((SELECT array_agg(record_id ORDER BY record_id) FROM nightjar.clean_record WHERE source_id = :sid),
          ARRAY['t_norm_A1', 't_norm_A2', 't_norm_A3'], 'one clean record per id; a record without id is skipped');
SELECT is((SELECT payload FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A1'),
          '{"code": "A1", "name": "Second", "siret": "73282932000074", "tel": "01 23 45 67 89", "phone": "+33123456789",
            "cp": "01000", "montant": 1234.50, "date": "2026-11-23", "country": "FR", "street": "12, rue de la Paix",
            "postcode_addr": "75002", "city": "PARIS", "geo": "(2.33,48.86)"}'::jsonb, 'clean payload: every rule kind');
SELECT is((SELECT record_no FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A1'), 4::bigint,
          'a duplicated id: the last record wins');
SELECT is((SELECT payload FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A2'),
          '{"code": "A2", "name": "B", "siret": null, "tel": "n/a", "phone": null, "cp": null, "montant": null, "date": null,
            "country": "FR", "street": null, "postcode_addr": null, "city": null, "geo": null}'::jsonb,
          'unusable values become JSON null');
SELECT is((SELECT payload ->> 'name' FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A3'),
          $$'; DROP TABLE x; --$$, 'hostile text is stored as it came');
SELECT is((SELECT count(*) FROM nightjar.event WHERE (payload ->> 'batch_id')::bigint = :b1), 0::bigint,
          'a direct call emits nothing: no event, no pipeline started');

CREATE TEMP TABLE snapshot1 AS
    SELECT record_id, batch_id, record_no, payload FROM nightjar.clean_record WHERE source_id = :sid;
SELECT is(nightjar.normalize_batch(:b1), :'r1'::jsonb, 'a retry returns the same result');
SELECT set_eq($$SELECT record_id, batch_id, record_no, payload FROM nightjar.clean_record WHERE source_id = $$ || :sid,
              'SELECT * FROM snapshot1', 'a retry changes nothing in clean_record');

INSERT INTO nightjar.batch (source_id, status) VALUES (:sid, 'staged') RETURNING batch_id AS b2 \gset
INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload) VALUES
 (:sid, :b2, 1, '{"code": "A1", "raison_sociale": "Third"}'),
 (:sid, :b2, 2, '{"code": "A4", "raison_sociale": "New"}');
SELECT is((nightjar.normalize_batch(:b2) ->> 'rows_out')::int, 2, 'second batch');
SELECT is((SELECT row(batch_id, payload ->> 'name')::text FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A1'),
          format('(%s,Third)', :b2), 'a later batch replaces the record with the same id');
SELECT is((SELECT count(*) FROM nightjar.clean_record WHERE source_id = :sid), 4::bigint, 'and adds the new ones');
SELECT nightjar.normalize_batch(:b1) \g /dev/null
SELECT is((SELECT row(batch_id, payload ->> 'name')::text FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_A1'),
          format('(%s,Third)', :b2), 're-running an older batch never overwrites a newer record');
INSERT INTO nightjar.batch (source_id, status) VALUES (:sid, 'staged') RETURNING batch_id AS b3 \gset
INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload) VALUES
 (:sid, :b3, 1, jsonb_build_object('code', repeat('x', 3000))),
 (:sid, :b3, 2, jsonb_build_object('code', 'H1', 'montant', repeat('9', 200000), 'date', repeat('1', 1000000)));
SELECT is(nightjar.normalize_batch(:b3) -> 'counts' ->> 'no_id', '1', 'hostile batch: an id too long to index is no_id, not a failure');
SELECT is((SELECT payload - 'code' FROM nightjar.clean_record WHERE source_id = :sid AND record_id = 't_norm_H1'),
          '{"montant": null, "date": null, "country": "FR", "street": null, "postcode_addr": null, "city": null, "geo": null}'::jsonb,
          'hostile batch: 200,000 digits and a 1 MB date are unusable');
SELECT throws_ok($$SELECT nightjar.normalize_step('{"source": "t_norm"}')$$, '22023',
                 'nightjar: normalize_step needs an integer "batch_id" in the event payload, got {"source": "t_norm"}',
                 'normalize_step needs batch_id');
SELECT is((nightjar.normalize_step(jsonb_build_object('batch_id', :b2)) ->> 'rows_in')::int, 2, 'normalize_step runs the batch');
SELECT throws_ok('SELECT nightjar.normalize_batch(-1)', '22023', 'nightjar: batch -1 does not exist', 'unknown batch');

-- (A stored value under 127 bytes has a 1-byte header: 3 bytes less than the reparse's.)
SELECT is((SELECT count(*) FROM nightjar.clean_record WHERE NOT (payload = payload::text::jsonb
           AND pg_column_size(payload) IN (pg_column_size(payload::text::jsonb), pg_column_size(payload::text::jsonb) - 3))), 0::bigint,
          'every clean payload (written straight into jsonb''s format) equals its reparse, byte for byte in size');

SELECT * FROM finish();
ROLLBACK;
