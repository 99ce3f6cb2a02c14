-- echo_cut.sql: SQL API errors echo at most 64 characters of an argument and "…"
-- (issue 11 §3): define_pipeline(repeat('a', 100000)) must not return a 100 kB message.
BEGIN;
SELECT plan(9);

-- _err returns the message of running `sql` ('' when it succeeds).
CREATE FUNCTION pg_temp._err(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN '';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END;
$$;

SELECT is(nightjar._cut(repeat('a', 100)), repeat('a', 64) || '…', '_cut keeps 64 characters and adds …');
SELECT is(nightjar._cut('short'), 'short', '_cut leaves a short value alone');
SELECT is(nightjar._cut(NULL), NULL, '_cut keeps NULL');

SELECT cmp_ok(length(pg_temp._err($$SELECT nightjar.define_pipeline(repeat('a', 100000))$$)), '<', 300,
              'define_pipeline: a 100,000-character name is cut in the message');
SELECT matches(pg_temp._err($$SELECT nightjar.define_pipeline(repeat('a', 100000))$$),
               'not ''a{63}…$', 'the echoed name ends with …');
SELECT cmp_ok(length(pg_temp._err($$SELECT nightjar.define_step(repeat('p', 100000), 's', 'nightjar.validate_step(jsonb)'::regprocedure, 'batch.staged')$$)),
              '<', 300, 'define_step: a long pipeline name is cut');
SELECT cmp_ok(length(pg_temp._err($$SELECT nightjar.emit(repeat('t', 100000), '{}')$$)), '<', 300,
              'emit: a long topic is cut');
SELECT cmp_ok(length(pg_temp._err($$SELECT nightjar.run_step(repeat('r', 100000), 's', '{}')$$)), '<', 300,
              'run_step: a long pipeline name is cut');
SELECT cmp_ok(length(pg_temp._err($$SELECT nightjar.define_source(repeat('s', 100000), 'dir', '{}')$$)), '<', 300,
              'define_source: a long source name is cut');

SELECT * FROM finish();
ROLLBACK;
