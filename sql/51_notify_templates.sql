-- 51_notify_templates.sql: what a notification says, per event kind.
--
-- A template holds a subject and a text body with {{name}} placeholders and the list of
-- values it needs. queue_notification renders it with plain string replacement (no
-- EXECUTE, no format() on user text: a value containing quotes or SQL is only text) and
-- writes the outbox row, idempotent per dedup key. The four kinds of issue 15 are seeded;
-- other areas add rows (monitoring: structure_reinforced; partner loader:
-- partner_file_processed) or edit the seeded ones.

CREATE TABLE nightjar.notification_template (
    kind        text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    subject     text NOT NULL,
    body        text NOT NULL,
    required    text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.notification_template IS
    'subject and text body per notification kind, with {{name}} placeholders; required: the values '
    'nightjar.queue_notification refuses to render without';

INSERT INTO nightjar.notification_template (kind, subject, body, required) VALUES
('run_failed',
 'nightjar: run {{run_id}} of pipeline {{pipeline}} failed',
 E'Run {{run_id}} of pipeline {{pipeline}} failed at {{finished_at}}.\n' ||
 E'Step {{step}} gave up after {{attempts}} attempt(s): {{error}}\n\n' ||
 E'See SELECT * FROM nightjar.failures WHERE run_id = {{run_id}};\n',
 '{run_id,pipeline,finished_at,step,attempts,error}'),
('deadline_missed',
 'nightjar: pipeline {{pipeline}} has not succeeded by {{deadline}} ({{deadline_tz}})',
 E'No run of pipeline {{pipeline}} succeeded in the 24 hours before {{deadline}} {{deadline_tz}} on {{day}}.\n' ||
 E'Last run: {{last_run_status}}.\n',
 '{pipeline,day,deadline,deadline_tz,last_run_status}'),
('structure_reinforced',
 'nightjar: structure {{structure}} switched to reinforced monitoring (level {{level}})',
 E'Structure {{structure}} reached global level {{level}} (score {{score}}) on {{state_at}}, ' ||
 E'at or above the trigger level {{trigger_level}} of policy {{policy}}.\n' ||
 E'It is now under reinforced monitoring. Worst indicators: {{worst}}.\n',
 '{structure,level,score,state_at,trigger_level,policy,worst}'),
('partner_file_processed',
 'nightjar: partner file {{file}} from {{partner}}: {{outcome}}',
 E'File {{file}} (partner {{partner}}, dated {{file_date}}) was processed at {{processed_at}}: {{outcome}}.\n' ||
 E'Imported: {{imported}}; rejected: {{rejected}}; moved to {{moved_to}}.\n{{details}}\n',
 '{partner,file,file_date,processed_at,outcome,imported,rejected,moved_to}');

-- render_notification fills a template's placeholders from p_values; returns subject and body.
CREATE FUNCTION nightjar.render_notification(p_kind text, p_values jsonb,
                                             OUT subject text, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_t nightjar.notification_template;
    v_missing text[];
    v_key text;
    v_value text;
BEGIN
    SELECT * INTO v_t FROM nightjar.notification_template t WHERE t.kind = p_kind;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no notification template for kind %', left(quote_literal(p_kind), 64)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_values IS NULL OR jsonb_typeof(p_values) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: notification values must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(r ORDER BY r) INTO v_missing
    FROM unnest(v_t.required) r WHERE NOT p_values ? r OR p_values -> r = 'null'::jsonb;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'nightjar: notification % needs value(s) %', p_kind, array_to_string(v_missing, ', ')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    subject := v_t.subject;
    body := v_t.body;
    FOR v_key, v_value IN SELECT k, CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE v::text END
                          FROM jsonb_each(p_values) AS e(k, v) LOOP
        subject := replace(subject, '{{' || v_key || '}}', coalesce(v_value, ''));
        body := replace(body, '{{' || v_key || '}}', coalesce(v_value, ''));
    END LOOP;
    -- Optional placeholders nobody filled render empty; a subject is one line.
    subject := regexp_replace(regexp_replace(subject, '\{\{[a-z0-9_]+\}\}', '', 'g'), '[\r\n]+', ' ', 'g');
    body := regexp_replace(body, '\{\{[a-z0-9_]+\}\}', '', 'g');
END;
$$;
COMMENT ON FUNCTION nightjar.render_notification(text, jsonb) IS
    'renders the template of p_kind with p_values (plain replacement of {{name}}; values are never '
    'interpreted); raises 22023 naming the missing required values';

-- queue_notification writes one rendered notification to the outbox; NULL when its dedup key exists.
CREATE FUNCTION nightjar.queue_notification(p_kind text, p_recipient text, p_values jsonb,
                                            p_dedup_key text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_r record;
BEGIN
    IF p_recipient IS NULL OR btrim(p_recipient) = '' THEN
        RAISE EXCEPTION 'nightjar: notification % has no recipient', nightjar._cut((p_kind)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_r FROM nightjar.render_notification(p_kind, p_values);
    INSERT INTO nightjar.notification (kind, recipient, subject, body, payload, dedup_key)
    VALUES (p_kind, p_recipient, v_r.subject, v_r.body, p_values, p_dedup_key)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING notification_id INTO v_id;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION nightjar.queue_notification(text, text, jsonb, text) IS
    'renders the template of p_kind and writes the notification to the outbox for p_recipient '
    '(an e-mail address or webhook:<endpoint>); idempotent per p_dedup_key (returns NULL when it exists)';

-- _notify_run_failed queues a run_failed notification when a run of a pipeline with a recipient fails.
CREATE FUNCTION nightjar._notify_run_failed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_pipeline nightjar.pipeline;
    v_last record;
BEGIN
    SELECT * INTO v_pipeline FROM nightjar.pipeline WHERE pipeline_id = NEW.pipeline_id;
    IF v_pipeline.notify IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT s.name, sr.attempt, coalesce(sr.sqlstate || ' ', '') || coalesce(sr.error_message, '') AS error
    INTO v_last
    FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
    WHERE sr.run_id = NEW.run_id AND sr.status <> 'succeeded'
    ORDER BY sr.step_run_id DESC LIMIT 1;
    PERFORM nightjar.queue_notification(
        'run_failed', v_pipeline.notify,
        jsonb_build_object('run_id', NEW.run_id, 'pipeline', v_pipeline.name,
                           'finished_at', coalesce(NEW.finished_at, now()),
                           'step', coalesce(v_last.name, '?'), 'attempts', coalesce(v_last.attempt, 0),
                           'error', coalesce(v_last.error, 'unknown')),
        'run_failed:' || NEW.run_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER notify_run_failed AFTER UPDATE OF status ON nightjar.run
    FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status IS DISTINCT FROM 'failed')
    EXECUTE FUNCTION nightjar._notify_run_failed();
