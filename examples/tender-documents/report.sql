-- report.sql: the tender_documents source's report after a run and its pipeline — the
-- batches (files imported, MB freed from the store), the failures with their reasons, the
-- quarantined price lines with their file and sheet row, and a few typed price lines.
-- Everything is about the source's latest ingest run and the batches it staged (a run
-- resumed with --resume continues the interrupted run's plan: both runs count).
CREATE TEMP VIEW tender_batch AS
SELECT b.* FROM nightjar.batch b JOIN nightjar.source s USING (source_id)
WHERE s.name = 'tender_documents'
  AND b.plan_id = (SELECT r.plan_id FROM nightjar.ingest_run r WHERE r.source_id = s.source_id
                   ORDER BY r.run_id DESC LIMIT 1);
\echo '-- batches: files imported per batch, MB freed from the store (moved to success/ or failure/)'
SELECT b.batch_id, b.status, count(f.*) FILTER (WHERE f.status = 'staged') AS files_imported,
       sum(f.records) FILTER (WHERE f.status = 'staged') AS lines,
       round(sum(f.size) FILTER (WHERE f.archive_location IS NOT NULL) / 1048576.0, 3) AS mb_freed
FROM tender_batch b LEFT JOIN nightjar.file f ON f.batch_id = b.batch_id
GROUP BY b.batch_id, b.status ORDER BY b.batch_id;
\echo '-- files that failed, and why'
SELECT f.location AS file, f.error AS reason
FROM nightjar.file f JOIN tender_batch b USING (batch_id)
WHERE f.status = 'failed' OR f.archive_location LIKE 'failure/%'
ORDER BY f.location;
\echo '-- price lines quarantined by validation: file, sheet, row, the rules they broke'
SELECT f.location AS file, r.payload ->> 'Feuille' AS sheet, r.file_line AS row, string_agg(q.rule, ', ' ORDER BY q.rule) AS rules,
       left(r.payload ->> 'Montant HT', 14) AS total
FROM nightjar.quarantine q JOIN tender_batch b USING (batch_id)
JOIN nightjar.raw_record r ON r.source_id = q.source_id AND r.batch_id = q.batch_id AND r.record_no = q.record_no
JOIN nightjar.file f ON f.file_id = r.file_id
GROUP BY f.location, r.payload ->> 'Feuille', r.file_line, r.payload ->> 'Montant HT'
ORDER BY f.location, r.payload ->> 'Feuille', r.file_line;
\echo '-- typed price lines (nightjar.clean_record), a few'
SELECT c.payload ->> 'sheet' AS sheet, c.payload ->> 'item' AS item, left(c.payload ->> 'designation', 32) AS designation,
       c.payload ->> 'unit' AS unit, (c.payload ->> 'quantity')::numeric AS quantity,
       (c.payload ->> 'unit_price')::numeric AS unit_price, (c.payload ->> 'total')::numeric AS total
FROM nightjar.clean_record c JOIN tender_batch b USING (batch_id)
ORDER BY c.record_id LIMIT 8;
