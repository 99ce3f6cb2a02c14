-- report_night2.sql: what the second night of the multi-source example did (run after
-- run_example.sh --night 2). The providers' changes against what the incremental resolve
-- saw; what consolidation did to the entities (counts, and the night's entity_event rows);
-- whether entities the changes did not touch kept their ids; the changed records' golden
-- records; the suggestion a reviewer accepted between the nights; the published references.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

\echo '-- night 2: the providers'' changes (multi_source.night2_change) and what nightjar.resolve(''multi_source'', mode => ''incremental'') saw'
SELECT 'sent by the providers' AS what, count(*) FILTER (WHERE change = 'new') AS new_records,
       count(*) FILTER (WHERE change = 'changed') AS changed_records, count(*) FILTER (WHERE change = 'deleted') AS deleted_records,
       NULL::text AS mode, NULL::int AS compared_pairs, NULL::int AS records, NULL::int AS entities
FROM multi_source.night2_change
UNION ALL
SELECT 'seen by the resolve step', (r ->> 'new_records')::int, (r ->> 'changed_records')::int, (r ->> 'deleted_records')::int,
       r ->> 'mode' || coalesce(' (fallback: ' || (r ->> 'fallback') || ')', ''), (r ->> 'compared_pairs')::int,
       (r ->> 'records')::int, (r ->> 'entities')::int
FROM (SELECT last_result AS r FROM nightjar.resolution WHERE name = 'multi_source') x;

\echo '-- consolidation (nightjar.consolidate_step): entities created, merged, split, retired; members added and removed'
SELECT c ->> 'created' AS created, c ->> 'merged' AS merged, c ->> 'split' AS split, c ->> 'retired' AS retired,
       c ->> 'member_added' AS member_added, c ->> 'member_removed' AS member_removed, c ->> 'unchanged' AS unchanged,
       c ->> 'golden_recomputed' AS golden_recomputed
FROM (SELECT sr.result -> 'counts' -> 'multi_source' AS c FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
      JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
      WHERE p.name = 'multi_source_nightly' AND s.name = 'consolidate' ORDER BY sr.step_run_id DESC LIMIT 1) x;

\echo '-- entity ids: the first night''s entities that no change touched (none of their records changed or deleted, no new or changed record joined them, no accepted merge or split) keep their id'
CREATE TEMP VIEW night2_touched AS
SELECT n1.entity_id FROM multi_source.night1_entity_record n1 JOIN multi_source.night2_change c USING (source, key)
UNION
SELECT n1.entity_id FROM multi_source.night1_entity_record n1
JOIN nightjar.entity_record e2 ON e2.resolution = n1.resolution AND e2.source = n1.source AND e2.key = n1.key
WHERE e2.entity_id IN (SELECT e.entity_id FROM nightjar.entity_record e JOIN multi_source.night2_change c USING (source, key)
                       WHERE e.resolution = 'multi_source' AND c.change IN ('new', 'changed'))
UNION
SELECT unnest(ARRAY[entity_a, entity_b]) FROM nightjar.suggestion
WHERE resolution = 'multi_source' AND status = 'accepted' AND kind IN ('merge', 'split');
SELECT count(DISTINCT n1.entity_id) AS night1_entities,
       count(DISTINCT n1.entity_id) FILTER (WHERE n1.entity_id NOT IN (SELECT entity_id FROM night2_touched)) AS untouched,
       count(DISTINCT n1.entity_id) FILTER (WHERE n1.entity_id NOT IN (SELECT entity_id FROM night2_touched)
                                             AND e2.entity_id IS DISTINCT FROM n1.entity_id) AS untouched_ids_changed
FROM multi_source.night1_entity_record n1
LEFT JOIN nightjar.entity_record e2 ON e2.resolution = n1.resolution AND e2.source = n1.source AND e2.key = n1.key;

\echo '-- the night''s nightjar.entity_event rows (record: the member event''s record, or a created entity''s records; change: night2_change)'
SELECT ev.entity_id AS entity, ev.kind, ev.other_entity AS other,
       coalesce(ev.source || ' ' || ev.key, r.records) AS record, coalesce(c.change, r.changes) AS change, left(ev.reason, 62) AS reason
FROM nightjar.entity_event ev LEFT JOIN multi_source.night2_change c USING (source, key)
LEFT JOIN LATERAL (SELECT string_agg(er.source || ' ' || er.key, ', ' ORDER BY er.source, er.key) AS records,
                          string_agg(x.change, ', ' ORDER BY er.source, er.key) AS changes
                   FROM nightjar.entity_record er LEFT JOIN multi_source.night2_change x USING (source, key)
                   WHERE ev.kind = 'created' AND er.resolution = ev.resolution AND er.entity_id = ev.entity_id) r ON true
WHERE ev.resolution = 'multi_source' AND ev.at >= (SELECT started_at FROM multi_source.night)
ORDER BY ev.event_id;

\echo '-- changed records (moved two house numbers, updated 2026-11-30): their entity''s golden record was recomputed and takes their update'
SELECT c.source, c.key, n1.entity_id AS night1_entity, e2.entity_id AS entity, g.fields ->> 'address' AS golden_address,
       g.fields ->> 'updated_on' AS golden_updated_on, fs.source || ' ' || fs.key AS turnover_from
FROM multi_source.night2_change c
JOIN multi_source.night1_entity_record n1 USING (source, key)
JOIN nightjar.entity_record e2 ON e2.resolution = 'multi_source' AND e2.source = c.source AND e2.key = c.key
JOIN nightjar_api.golden_record g ON g.entity_id = e2.entity_id
LEFT JOIN nightjar_api.entity_field_source fs ON fs.entity_id = e2.entity_id AND fs.field = 'turnover'
WHERE c.change = 'changed' ORDER BY c.source, c.key LIMIT 6;

\echo '-- the suggestion accepted between the nights, after night 2 (an enrichment: a manual correction kept; a merge: one entity)'
SELECT s.suggestion_id AS id, s.kind, s.status, s.decided_by,
       CASE WHEN s.kind = 'enrich' THEN format('entity %s: golden %s = %s (rule %s)', s.entity_a, s.field,
                                               g.fields ->> s.field, fs.rule)
            ELSE format('%s %s in entity %s, %s %s in entity %s', s.source_a, s.key_a, ea.entity_id, s.source_b, s.key_b, eb.entity_id)
       END AS after_night_2
FROM nightjar.suggestion s
LEFT JOIN nightjar_api.golden_record g ON g.entity_id = s.entity_a
LEFT JOIN nightjar_api.entity_field_source fs ON fs.entity_id = s.entity_a AND fs.field = s.field
LEFT JOIN nightjar.entity_record ea ON ea.resolution = s.resolution AND ea.source = s.source_a AND ea.key = s.key_a
LEFT JOIN nightjar.entity_record eb ON eb.resolution = s.resolution AND eb.source = s.source_b AND eb.key = s.key_b
WHERE s.resolution = 'multi_source' AND s.status = 'accepted' ORDER BY s.suggestion_id;

\echo '-- references read by the enrichment (nightjar.reference): the refused version 2 left version 1 published'
SELECT r.name, r.published_version,
       (SELECT string_agg(v.version || ' ' || v.status, ', ' ORDER BY v.version) FROM nightjar.reference_version v WHERE v.name = r.name) AS versions,
       (SELECT count(*) FROM nightjar_ref.multi_postcode) AS rows_read
FROM nightjar.reference r WHERE r.name = 'multi_postcode';
