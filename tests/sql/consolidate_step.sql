-- consolidate_step.sql: consolidation as a pipeline step under the dispatcher. A pipeline
-- resolves on an event and consolidates on what resolve_step emits; CALL nightjar.dispatch()
-- commits, so it runs in a second session through dblink, on objects named t_cstep /
-- cstep_tap, removed before and after. The dispatcher runs both steps, records their
-- rows, and the entities and golden records are committed; a second event changes no id.
BEGIN;
SELECT plan(6);
SET LOCAL client_min_messages = warning;

SELECT dblink_connect('cstep', nightjar_test.connstr()) \g /dev/null
\set cleanup 'DO $do$ BEGIN PERFORM nightjar.drop_pipeline(''cstep_tap''); IF EXISTS (SELECT 1 FROM nightjar.resolution WHERE name = ''t_cstep'') THEN PERFORM nightjar.drop_consolidation(''t_cstep''); PERFORM nightjar.drop_resolution(''t_cstep''); END IF; DROP SCHEMA IF EXISTS t_cstep CASCADE; END $do$'
SELECT dblink_exec('cstep', :'cleanup') \g /dev/null
SELECT dblink_exec('cstep', $$ DO $do$ BEGIN
    CREATE SCHEMA t_cstep;
    CREATE TABLE t_cstep.a (id text PRIMARY KEY, name text, siret text);
    CREATE TABLE t_cstep.b (ref text PRIMARY KEY, name text, siret text);
    INSERT INTO t_cstep.a VALUES ('a1', 'Boulangerie Martin', '73282932000074'), ('a2', 'Garage Dupont', '55208131766522');
    INSERT INTO t_cstep.b VALUES ('b1', 'Boulangerie Martin', '73282932000074'), ('b2', 'Fleurs de Lille', NULL);
    PERFORM nightjar.define_resolution('t_cstep', '{"inputs": [{"source": "a", "relation": "t_cstep.a", "key": "id"},
                                                               {"source": "b", "relation": "t_cstep.b", "key": "ref"}],
        "fields": [{"name": "name", "kind": "name"}, {"name": "siret", "kind": "identifier"}]}');
    PERFORM nightjar.define_pipeline('cstep_tap');
    PERFORM nightjar.define_step('cstep_tap', 'resolve', 'nightjar.resolve_step(jsonb)', 't_cstep.go',
                                 emits => 't_cstep.resolved');
    PERFORM nightjar.define_step('cstep_tap', 'consolidate', 'nightjar.consolidate_step(jsonb)', 't_cstep.resolved');
    PERFORM nightjar.emit('t_cstep.go', '{"resolution": "t_cstep"}');
END $do$ $$) \g /dev/null
-- run_until_idle dispatches the pipeline until nothing is pending (pg_cron's dispatcher may help).
CREATE FUNCTION pg_temp.run_until_idle() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..200 LOOP
        PERFORM * FROM dblink('cstep', 'CALL nightjar.dispatch(pipeline => ''cstep_tap'')') AS d(steps_run integer);
        EXIT WHEN NOT EXISTS (SELECT * FROM dblink('cstep',
            $q$SELECT 1 FROM nightjar.step_task t JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
               WHERE p.name = 'cstep_tap' AND t.status IN ('pending', 'running')$q$) AS x(one int));
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT pg_temp.run_until_idle();
SELECT is((SELECT array_agg(s.name || ':' || sr.status ORDER BY sr.step_run_id) FROM nightjar.step_run sr
           JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'cstep_tap'),
          ARRAY['resolve:succeeded', 'consolidate:succeeded'], 'the dispatcher runs resolve, then consolidate on its event');
SELECT is((SELECT sr.rows_in::text || '/' || sr.rows_out FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'cstep_tap' AND s.name = 'consolidate'),
          '4/' || (SELECT count(*) FROM nightjar.entity WHERE resolution = 't_cstep' AND status = 'active'),
          'consolidate''s step run counts records in and active entities out');
SELECT ok((SELECT count(*) > 0 FROM nightjar.entity WHERE resolution = 't_cstep'), 'its entities are committed');
SELECT is((SELECT count(*) FROM nightjar.golden_record WHERE resolution = 't_cstep'),
          (SELECT count(*) FROM nightjar.entity WHERE resolution = 't_cstep' AND status = 'active'),
          'with one golden record each');
CREATE TEMP TABLE ids AS SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 't_cstep';
SELECT dblink_exec('cstep', $q$DO $d$ BEGIN PERFORM nightjar.emit('t_cstep.go', '{"resolution": "t_cstep"}'); END $d$$q$) \g /dev/null
SELECT pg_temp.run_until_idle();
SELECT is((SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'cstep_tap' AND s.name = 'consolidate' AND sr.status = 'succeeded'), 2::bigint,
          'a second event runs both steps again');
SELECT is((SELECT count(*) FROM ids i FULL JOIN (SELECT * FROM nightjar.entity_record WHERE resolution = 't_cstep') e
           USING (source, key) WHERE i.entity_id IS DISTINCT FROM e.entity_id), 0::bigint, 'and no entity id changes');

SELECT dblink_exec('cstep', :'cleanup') \g /dev/null
SELECT dblink_disconnect('cstep') \g /dev/null
SELECT * FROM finish();
ROLLBACK;
