// survivorship.hpp: the golden record of one entity, field by field, with provenance.
//
// Phases, per entity: (1) rank the member records by the parent rule — the first one is
// the parent, unless the rule is synthetic; the ranking also breaks every tie below;
// (2) for each field (every field any member has, every field the config or a manual
// correction names, in name order) take a manual correction if there is one, else apply
// the field's rule to the records its "exclude" list allows.
//
// Ranking (parent rule, then ties): most_complete — most non-empty fields; preferred_source
// — position of the source in the list (unlisted sources after), then most complete;
// most_recent — latest updated_at, then most complete; synthetic — as most_complete, but
// no record is the parent. Remaining ties: latest updated_at, then source, then key.
// Field rules: first_non_empty — the first non-empty value in ranking order; parent — the
// parent's value, even empty; source_priority — the first non-empty value in the order of
// the rule's sources (unlisted after, then ranking order); most_recent — the non-empty value
// with the latest updated_at; most_frequent — the non-empty value held by most records
// (tie: the one met first in ranking order); longest — the non-empty value with the most
// characters; custom — the glue calls the named SQL function on the candidates (the
// non-empty values in ranking order) and the core's answer is only the fallback (the
// first candidate) should the function return NULL.
// Empty: absent, JSON null, or a string of only blanks. Values are JSON texts, compared
// as text (the glue passes jsonb's canonical text).
// Memory: O(records × fields) of one entity; time O(records × fields) plus one sort.
// Trade-off: a field's value comes whole from one record — no value is composed from
// several records except by a custom function.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/consolidate/survivorship_config.hpp"

namespace nightjar::core::consolidate {

// SourceRecord is one member record of an entity.
struct SourceRecord {
    std::string source;
    std::string key;
    double updated_at = 0;                                    // any monotone clock
    std::vector<std::pair<std::string, std::string>> fields;  // field -> JSON text of its value
};

// EntityRecords is one entity's members and its manual corrections.
struct EntityRecords {
    int64_t entity = 0;
    std::vector<SourceRecord> records;
    std::vector<std::pair<std::string, std::string>> overrides;  // field -> JSON text
};

// FieldChoice is one golden field: its value and where it came from.
struct FieldChoice {
    std::string field;
    std::string value = "null";       // JSON text
    int64_t record = -1;              // index into EntityRecords::records, -1: none / manual
    std::string rule;                 // the rule's name, or "manual"
    std::string function;             // custom: the SQL function to call
    std::vector<int64_t> candidates;  // custom: records with a non-empty value, ranked
};

// GoldenRecord is the survivorship answer for one entity.
struct GoldenRecord {
    int64_t entity = 0;
    int64_t parent = -1;  // index of the parent record, -1 when synthetic or no record
    std::vector<FieldChoice> fields;
};

// IsEmptyValue says whether a JSON text is an empty value (null, or blanks only).
bool IsEmptyValue(const std::string& json);

// ChooseGolden builds the golden record of one entity under `config`.
GoldenRecord ChooseGolden(const SurvivorshipConfig& config, const EntityRecords& entity);

}  // namespace nightjar::core::consolidate

#include "core/cpp_only.hpp"
