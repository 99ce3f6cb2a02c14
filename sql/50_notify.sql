-- 50_notify.sql: delivering the outbox (nightjar.notification, 30_engine_catalog.sql).
--
-- The runner (`nightjar notify`, `nightjar worker`) claims due messages with
-- claim_notifications, sends each, then records the outcome with mark_delivered or
-- mark_failed. A claim is a lease committed before the send: status 'sending',
-- claimed_by the worker, claimed_until now() + lease. A worker killed after the claim
-- leaves the message 'sending'; once the lease expires the next claim takes it again and
-- sends it with the same message_key (webhook-id / Message-ID), so the receiver can drop
-- the duplicate. The lease must exceed the longest send (the runner passes twice its
-- largest timeout), otherwise a slow send could be claimed twice without any crash.
--
-- Channels: a recipient 'webhook:<endpoint>' is a webhook to the endpoint of that name in
-- nightjar.toml ([[notify.webhook]]); anything else is an e-mail address. Endpoints and
-- secrets live in the configuration only; the catalog keeps an endpoint's name and
-- whether a 410 Gone disabled it (nightjar.webhook_endpoint).

ALTER TABLE nightjar.notification
    ADD COLUMN channel text GENERATED ALWAYS AS
        (CASE WHEN recipient LIKE 'webhook:%' THEN 'webhook' ELSE 'email' END) STORED,
    ADD COLUMN claimed_by text,
    ADD COLUMN claimed_until timestamptz;
ALTER TABLE nightjar.notification DROP CONSTRAINT notification_status_check;
ALTER TABLE nightjar.notification ADD CONSTRAINT notification_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed'));
CREATE INDEX notification_lease ON nightjar.notification (claimed_until) WHERE status = 'sending';
COMMENT ON COLUMN nightjar.notification.status IS
    'pending (due at next_attempt_at) -> sending (claimed until claimed_until) -> sent, or back to '
    'pending after a failed attempt, or failed (dead letter: last attempt spent or permanent error)';
COMMENT ON COLUMN nightjar.notification.channel IS
    'webhook when recipient is ''webhook:<endpoint>'' (an endpoint of nightjar.toml), else email';

CREATE TABLE nightjar.webhook_endpoint (
    name             text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    disabled_at      timestamptz,
    disabled_reason  text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.webhook_endpoint IS
    'webhook endpoints the outbox has seen, by name (the URL and secret stay in nightjar.toml); '
    'disabled_at is set when the receiver answered 410 Gone: its messages are dead-lettered';
SELECT pg_catalog.pg_extension_config_dump('nightjar.webhook_endpoint', '');

-- notification_message_key is the stable id of one message: the receiver's idempotency key.
CREATE FUNCTION nightjar.notification_message_key(p_id bigint, p_dedup_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'nj_' || left(encode(sha256(convert_to(coalesce('k:' || p_dedup_key, 'id:' || p_id::text), 'UTF8')),
                                'hex'), 32);
$$;
COMMENT ON FUNCTION nightjar.notification_message_key(bigint, text) IS
    'webhook-id and Message-ID local part of a notification: nj_ + 32 hex digits of sha256 of its dedup_key '
    '(of its id when it has none); the same on every retry';

-- claim_notifications leases up to p_limit due messages to worker p_worker for p_lease.
CREATE FUNCTION nightjar.claim_notifications(p_limit integer, p_worker text,
                                             p_lease interval DEFAULT '2 minutes',
                                             p_channels text[] DEFAULT '{email,webhook}')
RETURNS TABLE (notification_id bigint, kind text, channel text, recipient text, subject text,
               body text, payload jsonb, dedup_key text, message_key text, attempt integer,
               created_at timestamptz, webhook_body text)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'nightjar: claim limit must be between 1 and 10000, not %', p_limit
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_lease IS NULL OR p_lease <= '0' THEN
        RAISE EXCEPTION 'nightjar: lease must be a positive interval, not %', p_lease
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Leases of killed workers expire: their messages are due again (same message_key).
    UPDATE nightjar.notification n SET status = 'pending', claimed_by = NULL, claimed_until = NULL
    WHERE n.status = 'sending' AND n.claimed_until < now();
    -- Messages for an endpoint that answered 410 are dead letters without a send.
    UPDATE nightjar.notification n
    SET status = 'failed', last_error = format('webhook endpoint %s is disabled: %s', e.name, e.disabled_reason)
    FROM nightjar.webhook_endpoint e
    WHERE n.status = 'pending' AND n.recipient = 'webhook:' || e.name AND e.disabled_at IS NOT NULL;
    RETURN QUERY
    WITH due AS (
        SELECT d.notification_id FROM nightjar.notification d
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.channel = ANY (p_channels)
        ORDER BY d.next_attempt_at, d.notification_id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED),
    claimed AS (
        UPDATE nightjar.notification n
        SET status = 'sending', attempts = n.attempts + 1, claimed_by = p_worker,
            claimed_until = now() + p_lease
        FROM due WHERE n.notification_id = due.notification_id
        RETURNING n.*)
    SELECT c.notification_id, c.kind, c.channel, c.recipient, c.subject, c.body, c.payload, c.dedup_key,
           nightjar.notification_message_key(c.notification_id, c.dedup_key), c.attempts, c.created_at,
           jsonb_build_object('type', 'nightjar.' || c.kind,
                              'timestamp', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'data', jsonb_build_object('notification_id', c.notification_id,
                                                         'dedup_key', c.dedup_key, 'subject', c.subject,
                                                         'body', c.body, 'values', c.payload))::text
    FROM claimed c
    ORDER BY c.notification_id;
END;
$$;
COMMENT ON FUNCTION nightjar.claim_notifications(integer, text, interval, text[]) IS
    'leases up to p_limit due notifications of p_channels (FOR UPDATE SKIP LOCKED) to worker p_worker for p_lease: '
    'status sending, attempts + 1; first returns expired leases to pending and dead-letters messages '
    'for disabled webhook endpoints. Commit before sending';

-- mark_delivered records a successful send by the worker that holds the lease.
CREATE FUNCTION nightjar.mark_delivered(p_id bigint, p_worker text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE nightjar.notification
    SET status = 'sent', sent_at = now(), last_error = NULL, claimed_until = NULL
    WHERE notification_id = p_id AND status = 'sending' AND claimed_by = p_worker;
    RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION nightjar.mark_delivered(bigint, text) IS
    'status sent for a message leased to p_worker; false when the lease was lost (expired and taken again)';

-- release_notifications hands back the messages leased to p_worker that it did not try.
CREATE FUNCTION nightjar.release_notifications(p_worker text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE nightjar.notification
    SET status = 'pending', attempts = greatest(attempts - 1, 0), claimed_by = NULL, claimed_until = NULL
    WHERE status = 'sending' AND claimed_by = p_worker;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.release_notifications(text) IS
    'returns the messages still leased to p_worker to pending, giving back the attempt (a worker '
    'stopping gracefully calls it for the claimed messages it did not send); returns how many';

-- mark_failed records a failed send: retried after an exponential delay with jitter, or dead-lettered.
CREATE FUNCTION nightjar.mark_failed(p_id bigint, p_worker text, p_error text,
                                     p_max_attempts integer DEFAULT 8,
                                     p_base interval DEFAULT '30 seconds',
                                     p_cap interval DEFAULT '6 hours',
                                     p_permanent boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_attempts integer;
    v_status text;
BEGIN
    SELECT attempts INTO v_attempts FROM nightjar.notification
    WHERE notification_id = p_id AND status = 'sending' AND claimed_by = p_worker FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;  -- the lease was lost: whoever holds it now decides
    END IF;
    v_status := CASE WHEN p_permanent OR v_attempts >= p_max_attempts THEN 'failed' ELSE 'pending' END;
    -- Delay: base * 2^(attempts-1), capped, times a uniform factor in [0.5, 1) ("equal
    -- jitter"), so that receivers recovering from an outage are not hit in lockstep.
    UPDATE nightjar.notification
    SET status = v_status, last_error = left(p_error, 2000), claimed_until = NULL,
        next_attempt_at = CASE WHEN v_status = 'pending'
                               THEN now() + least(p_cap, p_base * power(2, least(v_attempts - 1, 30)))
                                            * (0.5 + random() / 2)
                               ELSE next_attempt_at END
    WHERE notification_id = p_id;
    RETURN v_status;
END;
$$;
COMMENT ON FUNCTION nightjar.mark_failed(bigint, text, text, integer, interval, interval, boolean) IS
    'records a failed attempt of a message leased to p_worker: pending again after '
    'min(cap, base * 2^(attempts-1)) * U[0.5, 1), or failed (dead letter) after p_max_attempts or when '
    'p_permanent; returns the new status (NULL when the lease was lost)';

-- disable_webhook_endpoint marks an endpoint gone (410): its messages become dead letters.
CREATE FUNCTION nightjar.disable_webhook_endpoint(p_name text, p_reason text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO nightjar.webhook_endpoint AS e (name, disabled_at, disabled_reason)
    VALUES (p_name, now(), left(p_reason, 500))
    ON CONFLICT (name) DO UPDATE SET disabled_at = now(), disabled_reason = left(p_reason, 500),
                                     updated_at = now();
$$;
COMMENT ON FUNCTION nightjar.disable_webhook_endpoint(text, text) IS
    'disables a webhook endpoint (the receiver answered 410 Gone); nightjar.enable_webhook_endpoint undoes it';

-- enable_webhook_endpoint re-enables an endpoint; its dead letters stay dead (see retry_notification).
CREATE FUNCTION nightjar.enable_webhook_endpoint(p_name text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE nightjar.webhook_endpoint SET disabled_at = NULL, disabled_reason = NULL, updated_at = now()
    WHERE name = p_name;
    RETURN FOUND;
END;
$$;

-- retry_notification puts a dead letter back in the queue with a fresh attempt budget.
CREATE FUNCTION nightjar.retry_notification(p_id bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE nightjar.notification
    SET status = 'pending', attempts = 0, next_attempt_at = now(), claimed_by = NULL, claimed_until = NULL
    WHERE notification_id = p_id AND status = 'failed';
    RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION nightjar.retry_notification(bigint) IS
    'requeues a dead-lettered notification (status failed) with attempts reset; false if it is not dead';

-- The worker LISTENs on nightjar_notification: a new message wakes it at once.
CREATE FUNCTION nightjar._notification_wakeup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nightjar_notification', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER notification_wakeup AFTER INSERT ON nightjar.notification
    FOR EACH STATEMENT EXECUTE FUNCTION nightjar._notification_wakeup();

CREATE VIEW nightjar.notification_dead_letters AS
SELECT notification_id, kind, channel, recipient, subject, dedup_key,
       nightjar.notification_message_key(notification_id, dedup_key) AS message_key,
       attempts, last_error, created_at, next_attempt_at AS last_due_at
FROM nightjar.notification
WHERE status = 'failed';
COMMENT ON VIEW nightjar.notification_dead_letters IS
    'notifications given up on (last attempt spent, permanent error, endpoint disabled); '
    'nightjar.retry_notification(id) requeues one';

CREATE VIEW nightjar.notification_queue AS
SELECT channel, status, count(*) AS messages, min(next_attempt_at) AS next_due,
       max(attempts) AS max_attempts
FROM nightjar.notification GROUP BY channel, status;
COMMENT ON VIEW nightjar.notification_queue IS 'the outbox at a glance: messages per channel and status';
