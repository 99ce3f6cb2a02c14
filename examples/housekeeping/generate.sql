-- examples/housekeeping/generate.sql: generated data relative to today (deterministic
-- shape, setseed), so that every task has something to do on any day the demo runs.
DO $$ BEGIN PERFORM setseed(0.16); END $$;
INSERT INTO hk_app.person (person_id, name, email, manager_id)
SELECT g, format('Person %s', g), CASE WHEN g % 10 = 0 THEN NULL ELSE format('person%s@example.org', g) END,
       CASE WHEN g > 5 THEN 1 + g % 5 END
FROM generate_series(1, 60) g;

-- 120 periods, deadlines spread from 10 days ago to 30 days ahead.
INSERT INTO hk_app.period (period_id, person_id, title, ends_on)
SELECT g, 1 + (g * 7) % 60, format('timesheet %s', g), current_date + (g % 41) - 10
FROM generate_series(1, 120) g;

-- 6 campaigns: the first three are past their archive date.
INSERT INTO hk_app.campaign (campaign_id, title, opens_on, archive_on)
SELECT g, format('campaign %s', g), current_date - 120 + g * 20, current_date - 40 + g * 15
FROM generate_series(1, 6) g;

INSERT INTO hk_app.request (request_id, campaign_id, person_id, status, submitted_on)
SELECT g, 1 + g % 6, 1 + (g * 13) % 60,
       (ARRAY['draft', 'submitted', 'accepted', 'submitted'])[1 + (random() * 3)::int],
       CASE WHEN g % 3 <> 0 THEN current_date - (random() * 100)::int END
FROM generate_series(1, 300) g;

INSERT INTO hk_app.upload (upload_id, request_id, path, uploaded_at)
SELECT g, 1 + g % 300, format('req%s/doc%s.pdf', 1 + g % 300, g), now() - (g * 13) * interval '1 day'
FROM generate_series(1, 40) g;

INSERT INTO hk_app.audit_event (happened_at, what)
SELECT now() - (g % 200) * interval '1 day', format('event %s', g) FROM generate_series(1, 1000) g;
