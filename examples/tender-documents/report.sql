-- report.sql: the tender_documents source's report after a run and its pipeline — the
-- batches (files imported, MB freed from the store), the failures with their reasons, the
-- quarantined price lines with their file and sheet row, and a few typed price lines.
\echo '-- batches: files imported per batch, MB freed from the store (moved to success/ or failure/)'
SELECT b.batch_id, b.status, count(f.*) FILTER (WHERE f.status = 'staged') AS files_imported,
       sum(f.records) FILTER (WHERE f.status = 'staged') AS lines,
       round(sum(f.size) FILTER (WHERE f.archive_location IS NOT NULL) / 1048576.0, 3) AS mb_freed
FROM nightjar.batch b JOIN nightjar.source s USING (source_id)
LEFT JOIN nightjar.file f ON f.batch_id = b.batch_id
WHERE s.name = 'tender_documents' GROUP BY b.batch_id, b.status ORDER BY b.batch_id;
\echo '-- files that failed, and why'
SELECT f.location AS file, f.error AS reason
FROM nightjar.file f JOIN nightjar.source s USING (source_id)
WHERE s.name = 'tender_documents' AND (f.status = 'failed' OR f.archive_location LIKE 'failure/%')
ORDER BY f.location;
\echo '-- price lines quarantined by validation: file, sheet row, rule, value'
SELECT f.location AS file, r.file_line AS sheet_row, q.rule, left(q.value, 20) AS value
FROM nightjar.quarantine q JOIN nightjar.source s USING (source_id)
JOIN nightjar.raw_record r ON r.source_id = q.source_id AND r.batch_id = q.batch_id AND r.record_no = q.record_no
JOIN nightjar.file f ON f.file_id = r.file_id
WHERE s.name = 'tender_documents' ORDER BY f.location, r.file_line, q.rule;
\echo '-- typed price lines (nightjar.clean_record), a few'
SELECT c.payload ->> 'item' AS item, left(c.payload ->> 'designation', 32) AS designation,
       c.payload ->> 'unit' AS unit, (c.payload ->> 'quantity')::numeric AS quantity,
       (c.payload ->> 'unit_price')::numeric AS unit_price, (c.payload ->> 'total')::numeric AS total
FROM nightjar.clean_record c JOIN nightjar.source s USING (source_id)
WHERE s.name = 'tender_documents' ORDER BY c.record_id LIMIT 8;
