-- rules.sql: the demo source's validation and normalisation rules (docs/rules.md).
-- Declarative and idempotent: running it again redefines the same rules.

SELECT nightjar.define_fields('demo_suppliers', ARRAY[
    'id_fournisseur', 'raison_sociale', 'siret', 'telephone', 'email', 'site_web', 'adresse',
    'latitude', 'longitude', 'date_creation', 'chiffre_affaires', 'categorie']);

-- Validation: ten rules; an error quarantines the record, a warning keeps it flagged.
SELECT nightjar.define_validation_rule('demo_suppliers', 'id_required', 'required', 'id_fournisseur');
SELECT nightjar.define_validation_rule('demo_suppliers', 'id_unique', 'unique_in_batch', 'id_fournisseur');
SELECT nightjar.define_validation_rule('demo_suppliers', 'name_required', 'required', 'raison_sociale');
SELECT nightjar.define_validation_rule('demo_suppliers', 'name_length', 'length', 'raison_sociale', '{"max": 120}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'siret_shape', 'regex', 'siret', '{"pattern": "[0-9 ]{14,17}"}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'created_is_date', 'type', 'date_creation',
                            '{"type": "date", "formats": ["%d/%m/%Y"]}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'turnover_is_decimal', 'type', 'chiffre_affaires',
                            '{"type": "decimal", "decimal_separator": ",", "thousands": " "}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'turnover_positive', 'range', 'chiffre_affaires', '{"min": 0}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'category_known', 'enum', 'categorie',
                            '{"values": ["BTP", "Services", "Industrie"]}');
SELECT nightjar.define_validation_rule('demo_suppliers', 'email_shape', 'regex', 'email',
                            '{"pattern": "[^@ ]+@[^@ ]+\\.[^@ ]+"}', severity => 'warning');

-- Normalisation: renames, transforms, a constant, two multi-column transforms, drops and
-- the stable record id.
SELECT nightjar.define_normalization_rules('demo_suppliers', $$[
  {"kind": "rename", "from": "raison_sociale", "to": "name"},
  {"kind": "rename", "from": "id_fournisseur", "to": "external_id"},
  {"kind": "rename", "from": "telephone", "to": "phone"},
  {"kind": "rename", "from": "site_web", "to": "website"},
  {"kind": "transform", "field": "name", "function": "collapse_spaces"},
  {"kind": "transform", "field": "name", "function": "upper"},
  {"kind": "transform", "field": "siret", "function": "clean_siret"},
  {"kind": "transform", "field": "phone", "function": "clean_phone"},
  {"kind": "transform", "field": "email", "function": "clean_email"},
  {"kind": "transform", "field": "website", "function": "clean_url"},
  {"kind": "transform", "field": "categorie", "function": "map",
   "params": {"values": {"BTP": "construction", "Services": "services", "Industrie": "industry"}}},
  {"kind": "constant", "field": "country", "value": "FR"},
  {"kind": "multi", "function": "split_address", "inputs": ["adresse"], "outputs": ["street", "postcode", "city"]},
  {"kind": "multi", "function": "point", "inputs": ["latitude", "longitude"], "outputs": ["location"]},
  {"kind": "drop", "fields": ["adresse", "latitude", "longitude"]},
  {"kind": "record_id", "source_code": "Fournisseurs Île-de-France", "id_field": "external_id"}
]$$::jsonb);
