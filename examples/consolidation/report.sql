-- report.sql: what the night of the multi-source example did (run after run_example.sh;
-- psql -v truth=OUTDIR/gen/truth.csv). Per source: records fetched, valid, quarantined;
-- why records were quarantined; resolution counts and pairwise F1 against the generator's
-- truth; two golden records with the provenance of each field; the suggestions waiting for
-- review; the weekly statistics.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE TEMP VIEW night_batch AS
SELECT b.batch_id, b.source_id, s.name AS source, p.channel
FROM nightjar.batch b JOIN nightjar.source s USING (source_id) JOIN multi_source.provider p ON p.source = s.name
WHERE b.batch_id > (SELECT after_batch_id FROM multi_source.night);

\echo '-- per source: records fetched (staged by the runner), valid, quarantined, SIRET warnings, clean'
SELECT nb.source, nb.channel, count(DISTINCT nb.batch_id) AS batches,
       (SELECT count(*) FROM nightjar.raw_record r WHERE r.batch_id IN (SELECT batch_id FROM night_batch x WHERE x.source = nb.source)) AS fetched,
       (SELECT count(*) FROM nightjar.valid_record v WHERE v.batch_id IN (SELECT batch_id FROM night_batch x WHERE x.source = nb.source)) AS valid,
       (SELECT count(DISTINCT (q.batch_id, q.record_no)) FROM nightjar.quarantine q
        WHERE q.batch_id IN (SELECT batch_id FROM night_batch x WHERE x.source = nb.source)) AS quarantined,
       (SELECT count(*) FROM nightjar.valid_record v WHERE v.warnings IS NOT NULL
          AND v.batch_id IN (SELECT batch_id FROM night_batch x WHERE x.source = nb.source)) AS warned,
       (SELECT count(*) FROM multi_source.clean_actor c WHERE c.source = nb.source) AS clean
FROM night_batch nb GROUP BY nb.source, nb.channel ORDER BY nb.source;

\echo '-- the normalisation rules of one source, nightjar.normalization_rules(src08_crm): a CRM writing postcode and town in the address'
SELECT r::text AS rule FROM jsonb_array_elements(nightjar.normalization_rules('src08_crm')) AS r;

\echo '-- why: quarantine reasons (nightjar.quarantine), one example each'
SELECT q.rule, count(*) AS records, count(DISTINCT nb.source) AS sources,
       min(coalesce(q.value, '(null)')) AS example, min(q.message) AS message
FROM nightjar.quarantine q JOIN night_batch nb USING (batch_id) GROUP BY q.rule ORDER BY q.rule;

\echo '-- resolution (nightjar.resolve over the 20 clean views) and its pairwise quality against the truth'
CREATE TEMP TABLE truth (source text, key text, actor_id bigint, kind text);
\set copy_truth '\\copy truth FROM ' :'truth' ' (FORMAT csv, HEADER true)'
:copy_truth
SELECT (sr.result -> 'counts' -> 'multi_source' ->> 'records')::int AS records,
       (sr.result -> 'counts' -> 'multi_source' ->> 'candidate_pairs')::int AS candidate_pairs,
       (sr.result -> 'counts' -> 'multi_source' ->> 'matches')::int AS matches,
       (sr.result -> 'counts' -> 'multi_source' ->> 'entities')::int AS entities,
       (SELECT count(*) FROM nightjar_api.golden_record WHERE resolution = 'multi_source' AND size > 1) AS multi_record_entities
FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
WHERE p.name = 'multi_source_nightly' AND s.name = 'resolve' ORDER BY sr.step_run_id DESC LIMIT 1;
WITH m AS (SELECT e.entity_id, t.actor_id FROM nightjar.entity_member e JOIN truth t USING (source, key)
           WHERE e.resolution = 'multi_source'),
     tp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id, actor_id) x),
     pp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id) x),
     tt AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY actor_id) x)
SELECT round(tp.v / pp.v, 3) AS precision, round(tp.v / tt.v, 3) AS recall, round(2 * tp.v / (pp.v + tt.v), 3) AS f1
FROM tp, pp, tt;

\echo '-- two golden records (nightjar_api.golden_record) and where each field came from (nightjar_api.entity_field_source)'
CREATE TEMP TABLE shown AS
SELECT entity_id FROM nightjar_api.golden_record
WHERE resolution = 'multi_source' AND size BETWEEN 4 AND 6 AND fields ? 'siret' ORDER BY entity_id LIMIT 2;
SELECT s.entity_id AS entity, s.field, left(g.fields ->> s.field, 34) AS value, s.rule, s.source, s.key
FROM nightjar_api.entity_field_source s JOIN nightjar_api.golden_record g USING (entity_id)
WHERE s.entity_id IN (SELECT entity_id FROM shown) ORDER BY s.entity_id, s.field;

\echo '-- enrichment (multi_source.enrich_step): town spellings applied from the postal-code base, successors proposed'
SELECT sr.result -> 'counts' AS enrichment FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
WHERE s.name = 'enrich' AND s.pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'multi_source_nightly')
ORDER BY sr.step_run_id DESC LIMIT 1;
\echo '-- suggestions waiting for review (nightjar_api.suggestion; accept_suggestion(id) / reject_suggestion(id))'
SELECT kind, count(*) AS pending FROM nightjar_api.suggestion WHERE resolution = 'multi_source' GROUP BY kind ORDER BY kind;
SELECT suggestion_id AS id, kind, entity_a AS entity, field, value::text AS proposed, left(reason, 60) AS reason
FROM nightjar_api.suggestion WHERE resolution = 'multi_source' ORDER BY kind, suggestion_id LIMIT 5;

\echo '-- weekly statistics (multi_source.weekly_statistics, nightjar.stats_agg / percentiles): records per source and week'
SELECT value AS source,
       string_agg(lpad(records::text, 4), ' ' ORDER BY week) AS "records per week, oldest first",
       sum(records) AS total, round(sum(turnover_mean * turnover_n)::numeric / nullif(sum(turnover_n), 0), 1) AS mean_turnover
FROM multi_source.weekly_statistics WHERE dimension = 'source' GROUP BY value ORDER BY value;
\echo '-- the turnover (k EUR) of the three busiest departements, week by week'
SELECT value AS departement, week, records, turnover_n AS n, round(turnover_mean::numeric, 1) AS mean,
       round(turnover_stddev::numeric, 1) AS stddev, round(turnover_median::numeric, 1) AS median,
       turnover_min || ' – ' || turnover_max AS "min – max"
FROM multi_source.weekly_statistics
WHERE dimension = 'departement'
  AND value IN (SELECT value FROM multi_source.weekly_statistics WHERE dimension = 'departement' AND value <> '(none)'
                GROUP BY value ORDER BY sum(records) DESC, value LIMIT 3)
ORDER BY value, week;
