// json_codec.hpp: the consolidation core's answers as JSON text, and the golden-record
// call's input read from JSON text — so that the glue only moves text in and out.
//
// Golden record input (one entity, built by sql/55_consolidate*.sql):
//   records:   [{"source": "shops_a", "key": "17", "updated_at": 1.7e9 | null,
//                "fields": {"name": "Acme", "city": null, …}}, …]
//   overrides: {"name": "ACME Lyon", …}                       (manual corrections)
// Golden record output:
//   {"parent": {"source": …, "key": …} | null, "fields": {"name": …, …},
//    "provenance": [{"field": …, "source": … | null, "key": … | null, "rule": …,
//                    "function": …, "candidates": [{"source", "key", "value", "updated_at"}]}]}
// ("function" and "candidates" only for rule custom).
#pragma once

#include <string>
#include <string_view>

#include "core/consolidate/link_constraints.hpp"
#include "core/consolidate/stable_ids.hpp"
#include "core/consolidate/survivorship_config.hpp"
#include "core/json/json_string.hpp"
#include "core/json/json_value.hpp"

namespace nightjar::core::consolidate {

// AppendJsonString is the core's string quoter (core/json/json_string.hpp).
using core::AppendJsonString;

// AppendJsonValue appends the JSON text of `v` to `out` (numbers as they were written).
void AppendJsonValue(std::string& out, const JsonValue& v);

// GoldenRecordJson builds one entity's golden record from its records and corrections
// given as JSON text; throws InvalidArgument naming what is malformed.
std::string GoldenRecordJson(const SurvivorshipConfig& config, std::string_view records_json,
                             std::string_view overrides_json);

// StableIdsJson renders AssignStableIds' answer and the constraints' report:
//   {"record_entity": [...], "created": [...], "changed": [...], "merged": [[id, into], …],
//    "retired": [...], "unchanged": n, "events": [{"kind", "entity", "other", "record",
//    "reason"}], "constraints": {"must_joined", "cannot_split", "conflicts", "skipped_gone"}}
std::string StableIdsJson(const StableIdResult& result, const ConstraintReport& constraints);

}  // namespace nightjar::core::consolidate

#include "core/cpp_only.hpp"
