-- rules.sql: validation and normalisation of the tender_documents source (docs/rules.md,
-- docs/tender-documents.md). Idempotent. A record is one row of a price sheet, keyed by the
-- sheet's own header names. The source's name is the psql variable `source` (default
-- tender_documents): psql -v source=NAME -f rules.sql.
SET client_min_messages = warning;
\if :{?source}
\else
\set source tender_documents
\endif

SELECT nightjar.define_fields(:'source', ARRAY[
    'Feuille', 'Lot', 'N° prix', 'Désignation', 'Unité', 'Quantité', 'Prix unitaire HT', 'Montant HT']);

-- total_matches tells whether Montant HT = Quantité × Prix unitaire HT within 0.02 (amounts
-- are JSON numbers or French text such as "1 234,50"); NULL (not checked) when one is missing
-- or unreadable — the type rules report those.
CREATE SCHEMA IF NOT EXISTS tender;
CREATE OR REPLACE FUNCTION tender.total_matches(r jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT abs(nightjar.parse_decimal_fr(r ->> 'Quantité') * nightjar.parse_decimal_fr(r ->> 'Prix unitaire HT')
               - nightjar.parse_decimal_fr(r ->> 'Montant HT')) <= 0.02
$$;

SELECT nightjar.define_validation_rule(:'source', 'designation_required', 'required', 'Désignation');
SELECT nightjar.define_validation_rule(:'source', 'quantity_required', 'required', 'Quantité');
SELECT nightjar.define_validation_rule(:'source', 'unit_price_required', 'required', 'Prix unitaire HT');
SELECT nightjar.define_validation_rule(:'source', 'quantity_decimal', 'type', 'Quantité',
                                       '{"type": "decimal", "decimal_separator": ",", "thousands": " "}');
SELECT nightjar.define_validation_rule(:'source', 'unit_price_decimal', 'type', 'Prix unitaire HT',
                                       '{"type": "decimal", "decimal_separator": ",", "thousands": " "}');
SELECT nightjar.define_validation_rule(:'source', 'total_decimal', 'type', 'Montant HT',
                                       '{"type": "decimal", "decimal_separator": ",", "thousands": " "}');
SELECT nightjar.define_validation_rule(:'source', 'quantity_positive', 'range', 'Quantité', '{"min": 0}');
SELECT nightjar.define_validation_rule(:'source', 'total_is_quantity_times_price', 'custom_sql', 'Montant HT',
                                       '{"function": "tender.total_matches(jsonb)"}');

-- Normalisation: clean names, numeric amounts, one spelling per unit.
SELECT nightjar.define_normalization_rules(:'source', $$[
  {"kind": "rename", "from": "Feuille", "to": "sheet"},
  {"kind": "rename", "from": "Lot", "to": "lot"},
  {"kind": "rename", "from": "N° prix", "to": "item"},
  {"kind": "rename", "from": "Désignation", "to": "designation"},
  {"kind": "rename", "from": "Unité", "to": "unit"},
  {"kind": "rename", "from": "Quantité", "to": "quantity"},
  {"kind": "rename", "from": "Prix unitaire HT", "to": "unit_price"},
  {"kind": "rename", "from": "Montant HT", "to": "total"},
  {"kind": "transform", "field": "designation", "function": "collapse_spaces"},
  {"kind": "transform", "field": "unit", "function": "trim"},
  {"kind": "transform", "field": "unit", "function": "map",
   "params": {"case_insensitive": true, "values": {
     "m2": "m2", "m²": "m2", "m3": "m3", "m³": "m3", "ml": "ml", "m.l.": "ml",
     "u": "u", "un": "u", "unité": "u", "ens": "ens", "ens.": "ens", "ensemble": "ens",
     "forfait": "forfait", "ft": "forfait", "fft": "forfait"}}},
  {"kind": "transform", "field": "quantity", "function": "parse_decimal_fr"},
  {"kind": "transform", "field": "unit_price", "function": "parse_decimal_fr"},
  {"kind": "transform", "field": "total", "function": "parse_decimal_fr"},
  {"kind": "record_id", "source_code": "DCE", "id_field": "item"}
]$$::jsonb);
