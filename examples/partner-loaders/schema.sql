-- examples/partner-loaders/schema.sql: where partner files land (docs/partners.md).
-- Partners drop JSON files into an S3 bucket; the runner stages each file as one raw
-- record (source partner_drops, format json); the step partner.import_step (import.sql)
-- checks the name and header, imports each section's valid items into the tables below
-- and reports to the partner through the outbox.
--
-- Isolation: every table carries `partner`; row-level security lets a partner's role
-- (partner.partner.role_name, e.g. partner_acme) see and write only its own rows. Primary
-- keys include the partner, so an id another partner uses never collides (a unique
-- violation would tell one partner that another has that id). Views are security_invoker,
-- so they apply the reader's policies, not the owner's. The importer runs as the owner
-- (not subject to RLS: the policies are not FORCEd). Idempotent: drops and recreates.
DELETE FROM nightjar.subject_field f
WHERE f.table_oid::oid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'partner');
DROP SCHEMA IF EXISTS partner CASCADE;
CREATE SCHEMA partner;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'partner_loader') THEN
        CREATE ROLE partner_loader NOLOGIN;   -- every partner's role is a member
    END IF;
END $$;
GRANT USAGE ON SCHEMA partner TO partner_loader;

CREATE TABLE partner.partner (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9]{1,30}$'),
    name       text NOT NULL,
    notify     text NOT NULL,       -- e-mail address or webhook:<endpoint> of the reports
    role_name  text NOT NULL UNIQUE -- the database role of the partner's loader and readers
);

-- current_partner is the partner whose role is current_user (NULL for anybody else).
CREATE FUNCTION partner.current_partner() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT p.code FROM partner.partner p WHERE p.role_name = current_user $$;

CREATE TABLE partner.import_file (
    file_id      bigint PRIMARY KEY,   -- nightjar.file
    partner      text,                 -- NULL when the name and header name no known partner
    name         text NOT NULL,
    file_date    date,
    version      text,
    checksum     text,
    outcome      text NOT NULL CHECK (outcome IN ('imported', 'partial', 'refused')),
    imported     integer NOT NULL,
    rejected     integer NOT NULL,
    counts       jsonb NOT NULL,       -- per section: imported, rejected, already_exists, erased, removed
    reason       text,                 -- why a file was refused whole
    processed_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE partner.declarant (
    partner      text NOT NULL REFERENCES partner.partner,
    declarant_id text NOT NULL,
    name         text NOT NULL,
    email        text,
    file_id      bigint NOT NULL,
    subject_key  text GENERATED ALWAYS AS (partner || ':' || lower(declarant_id)) STORED,
    PRIMARY KEY (partner, declarant_id));
CREATE TABLE partner.property (
    partner      text NOT NULL REFERENCES partner.partner,
    property_id  text NOT NULL,
    declarant_id text NOT NULL,
    address      text NOT NULL,
    file_id      bigint NOT NULL,
    subject_key  text GENERATED ALWAYS AS (partner || ':' || lower(declarant_id)) STORED,
    PRIMARY KEY (partner, property_id),
    FOREIGN KEY (partner, declarant_id) REFERENCES partner.declarant);
CREATE TABLE partner.document (
    partner      text NOT NULL REFERENCES partner.partner,
    document_id  text NOT NULL,
    declarant_id text NOT NULL,
    kind         text NOT NULL,
    file_id      bigint NOT NULL,
    subject_key  text GENERATED ALWAYS AS (partner || ':' || lower(declarant_id)) STORED,
    PRIMARY KEY (partner, document_id),
    FOREIGN KEY (partner, declarant_id) REFERENCES partner.declarant);
CREATE TABLE partner.transaction (
    partner        text NOT NULL REFERENCES partner.partner,
    transaction_id text NOT NULL,
    property_id    text NOT NULL,
    declarant_id   text NOT NULL,
    amount         numeric NOT NULL,
    date           date NOT NULL,
    file_id        bigint NOT NULL,
    subject_key    text GENERATED ALWAYS AS (partner || ':' || lower(declarant_id)) STORED,
    PRIMARY KEY (partner, transaction_id),
    FOREIGN KEY (partner, property_id) REFERENCES partner.property,
    FOREIGN KEY (partner, declarant_id) REFERENCES partner.declarant);
-- Items refused, with the reason (never the item's personal fields).
CREATE TABLE partner.rejection (
    partner      text,
    file_id      bigint NOT NULL,
    section      text NOT NULL,
    item_no      integer NOT NULL,     -- position in the section, from 1
    item_id      text,
    declarant_id text,
    reason       text NOT NULL,
    subject_key  text GENERATED ALWAYS AS (partner || ':' || lower(declarant_id)) STORED);

-- Row-level security: a partner's role sees and writes its own rows only.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['import_file', 'declarant', 'property', 'document', 'transaction', 'rejection'] LOOP
        EXECUTE format('ALTER TABLE partner.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_rows ON partner.%I USING (partner = partner.current_partner()) '
                       'WITH CHECK (partner = partner.current_partner())', t);
    END LOOP;
END $$;
ALTER TABLE partner.partner ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_row ON partner.partner USING (role_name = current_user);
GRANT SELECT ON partner.partner, partner.import_file, partner.rejection TO partner_loader;
GRANT SELECT, INSERT, UPDATE, DELETE ON partner.declarant, partner.property, partner.document, partner.transaction
    TO partner_loader;

-- What a partner reads: its files and totals (security_invoker: the reader's policies apply).
CREATE VIEW partner.file_summary WITH (security_invoker = true) AS
SELECT f.partner, f.name, f.file_date, f.outcome, f.imported, f.rejected, f.processed_at
FROM partner.import_file f;
CREATE VIEW partner.totals WITH (security_invoker = true) AS
SELECT t.partner, count(*) AS transactions, sum(t.amount) AS amount, count(DISTINCT t.declarant_id) AS declarants
FROM partner.transaction t GROUP BY t.partner;
GRANT SELECT ON partner.file_summary, partner.totals TO partner_loader;

-- add_partner registers a partner and its role (created NOLOGIN if missing).
CREATE FUNCTION partner.add_partner(code text, name text, notify text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := 'partner_' || code;
BEGIN
    INSERT INTO partner.partner VALUES (code, name, notify, v_role)
    ON CONFLICT ON CONSTRAINT partner_pkey DO UPDATE SET name = EXCLUDED.name, notify = EXCLUDED.notify;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
    END IF;
    EXECUTE format('GRANT partner_loader TO %I', v_role);
    RETURN v_role;
END $$;

-- The subjects: a declarant, keyed '<partner>:<declarant id>' (ids are per partner), in
-- every table that holds its rows (docs/privacy.md).
SELECT nightjar.declare_subject_table('declarant', t::regclass, '{subject_key}')
FROM unnest(ARRAY['partner.declarant', 'partner.property', 'partner.document', 'partner.transaction',
                  'partner.rejection']) t;
