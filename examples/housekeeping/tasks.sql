-- examples/housekeeping/tasks.sql: the DBA's declarations (docs/housekeeping.md). Each
-- task is a step of pipeline housekeeping and, with a cron expression, a pg_cron job
-- housekeeping.<name> running nightjar.run_housekeeping(name). :'upload_dir' is the upload
-- folder watched for orphan files (psql -v upload_dir=…).
-- A reference data set refreshed weekly: the runner (or hk_app.refresh_reference) loads a
-- snapshot and registers it; the task publishes it atomically once it passes validation.
SELECT nightjar.define_reference('hk_postcodes', $v$SELECT 'bad postcode ' || code FROM {snapshot} WHERE code !~ '^\d{5}$'$v$);
CREATE TABLE IF NOT EXISTS hk_app.postcodes_w1 AS SELECT * FROM (VALUES ('69001'), ('75001'), ('13001')) v(code);
SELECT nightjar.add_reference_version('hk_postcodes', to_char(now(), 'IYYY-"W"IW-US'), 'hk_app.postcodes_w1');
SELECT name, kind, cron FROM (VALUES
  (nightjar.define_housekeeping('period_reminders', 'reminder', $${
      "table": "hk_app.period", "key": "period_id", "deadline": "ends_on", "days_before": 4,
      "label": "title",
      "recipient": {"via": "person_id", "table": "hk_app.person", "key": "person_id", "column": "email"}}$$,
      '0 7 * * *')),
  (nightjar.define_housekeeping('request_ages', 'recompute', $${
      "table": "hk_app.request", "key": "request_id", "stamp": "computed_on",
      "function": "hk_app.refresh_request_age(text[], date)", "chunk": 100}$$,
      '5 0 * * *')),
  (nightjar.define_housekeeping('refuse_stale_requests', 'archive', $${
      "table": "hk_app.request", "key": "request_id",
      "date": {"via": "campaign_id", "table": "hk_app.campaign", "key": "campaign_id", "column": "archive_on"},
      "state_column": "status", "from_states": ["draft", "submitted"], "to_state": "refused",
      "label": {"via": "campaign_id", "table": "hk_app.campaign", "key": "campaign_id", "column": "title"},
      "recipient": {"via": "person_id", "table": "hk_app.person", "key": "person_id", "column": "email"}}$$,
      '15 0 * * *')),
  (nightjar.define_housekeeping('old_uploads', 'retention', $${
      "table": "hk_app.upload", "date_column": "uploaded_at", "keep": "1 year",
      "archive_table": "hk_app.upload_archive"}$$,
      '30 0 * * *')),
  (nightjar.define_housekeeping('audit_retention', 'retention', $${
      "table": "hk_app.audit_event", "date_column": "happened_at", "keep": "90 days", "chunk": 200}$$,
      '35 0 * * *')),
  (nightjar.define_housekeeping('engine_history', 'retention', '{"engine": true, "keep": "30 days"}',
      '17 3 * * *')),
  (nightjar.define_housekeeping('orphan_uploads', 'orphan_files',
      jsonb_build_object('dirs', jsonb_build_array(:'upload_dir'), 'grace', '7 days',
                         'references', jsonb_build_array(
                             jsonb_build_object('table', 'hk_app.upload', 'column', 'path'),
                             jsonb_build_object('table', 'hk_app.upload_archive', 'column', 'path'))),
      '45 0 * * 0')),
  (nightjar.define_housekeeping('reference_refresh', 'call', '{"function": "hk_app.refresh_reference(date)"}',
      '0 2 * * 1')),
  -- publishes the newest loaded version of reference postcodes (nightjar.publish_reference)
  (nightjar.define_housekeeping('postcodes_publish', 'publish_reference', '{"reference": "hk_postcodes"}',
      '30 2 * * 1'))
) AS t(task) CROSS JOIN LATERAL (SELECT (task).name, (task).kind, (task).cron) x;
